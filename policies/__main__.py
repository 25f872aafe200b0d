"""The CrossGuard policy pack: `pulumi preview --policy-pack policies`.

This file only wraps the catalog; constructing ``PolicyPack`` starts the policy gRPC server and
blocks, so nothing else imports it. The rules themselves are in the area modules, and
``consortium audit`` runs the very same functions in-process.

Parameters come from the pack's config (``--policy-pack-config stacks/policy-config.json``,
rendered from the registry by ``consortium render``); without it, each control uses its default.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the toolkit checkout

from pulumi_policy import PolicyPack

from policies.crossguard import policies

PolicyPack(name="consortium-security-standard", policies=policies())
