"""What keeps a leaving town's data: its data-bearing resources are protected and retained on delete.

From ``consortium offboard`` on (status ``leaving``), the town's Recovery Services vault, backup
storage account and its containers, and its Key Vault carry ``protect`` (``pulumi up``/``destroy``
refuse to delete them) and ``retain_on_delete`` (should the program stop declaring them, Pulumi
forgets them but Azure keeps them). They stay so until their data expires (the registry's
``data_kept_until``); MCS-BAK-008 checks it. Only these resources: everything else of the town
(network, rights) is meant to go.
"""

from __future__ import annotations

from datetime import date

import pulumi

from consortium.registry.models import DATA_KEPT_UNTIL_TAG


def kept(opts: pulumi.ResourceOptions, until: date | None) -> pulumi.ResourceOptions:
    """``opts`` with protect and retain_on_delete while data is kept (``until`` set); else ``opts`` itself."""
    if until is None:
        return opts
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(protect=True, retain_on_delete=True))


def kept_tags(tags: dict[str, str], until: date | None) -> dict[str, str]:
    """``tags`` plus, on a kept resource, the day its data expires: what Azure shows an operator (and
    MCS-BAK-008 reads) on the resource itself. Containers take no tags; their account carries it."""
    return tags if until is None else {**tags, DATA_KEPT_UNTIL_TAG: until.isoformat()}
