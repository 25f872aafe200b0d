"""The consortium security standard as policy-as-code.

Controls are plain functions with metadata (:mod:`policies.framework`), grouped by area in
small modules and collected in :mod:`policies.catalog`. Two runners use the very same functions:
``policies/__main__.py`` wraps them in a Pulumi CrossGuard ``PolicyPack`` for
``pulumi preview --policy-pack policies``, and ``consortium audit`` calls them in-process on plan
records or on ``pulumi stack export`` state. Never two copies of a rule.
"""
