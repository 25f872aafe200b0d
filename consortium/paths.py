"""Where the toolkit's own files live (a checkout or an installed package): templates, the program,
the policy pack, the Ansible roles (checkout only)."""

from __future__ import annotations

from pathlib import Path

TOOLKIT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = TOOLKIT_ROOT / "consortium" / "registry" / "templates"
PROGRAM_DIR = TOOLKIT_ROOT / "infra"
ROLES_DIR = TOOLKIT_ROOT / "playbooks" / "roles"
POLICY_PACK_DIR = TOOLKIT_ROOT / "policies"


def policy_pack_argument(registry: Path) -> str:
    """``--policy-pack``'s value as a user types it from ``registry``: relative inside the toolkit's
    own checkout (the bundled example), else the installed toolkit's absolute path."""
    try:
        return POLICY_PACK_DIR.relative_to(registry.resolve()).as_posix()
    except ValueError:
        return str(POLICY_PACK_DIR)
