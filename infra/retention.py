"""What keeps a leaving town's data: its data-bearing resources are protected and retained on delete.

From ``consortium offboard`` on (status ``leaving``), the town's Recovery Services vault, backup
storage account and its containers, and its Key Vault carry ``protect`` (``pulumi up``/``destroy``
refuse to delete them) and ``retain_on_delete`` (should the program stop declaring them, Pulumi
forgets them but Azure keeps them). They stay so until their data expires (the registry's
``data_kept_until``); MCS-BAK-008 checks it. Only these resources: everything else of the town
(network, rights) is meant to go.
"""

from __future__ import annotations

import pulumi


def kept(opts: pulumi.ResourceOptions, keep: bool) -> pulumi.ResourceOptions:
    """``opts`` with protect and retain_on_delete when ``keep``; unchanged (same object) otherwise."""
    if not keep:
        return opts
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(protect=True, retain_on_delete=True))
