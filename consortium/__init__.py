"""Municipal IT consortium toolkit: registry, IPAM, rendering and the CLI over them.

The registry (``consortium.yaml`` + ``members/<slug>.yaml``) is the single source of truth;
everything else (stack configs, inventories, runbooks, plans, audits) is derived from it.
"""
