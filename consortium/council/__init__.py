"""The report for each town's council: one page joining the audit and the costs, in plain words.

The audit and the costs are independent rooms; this room sits above both (the layers in
pyproject.toml): it builds one town's page data (:mod:`consortium.council.page`) from an audit and
the shares, and renders it as HTML, Markdown or JSON (:mod:`consortium.council.render`).
"""
