"""Where the toolkit's own files live in the checkout: templates, the program, the Ansible roles."""

from __future__ import annotations

from pathlib import Path

TOOLKIT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = TOOLKIT_ROOT / "consortium" / "registry" / "templates"
PROGRAM_DIR = TOOLKIT_ROOT / "infra"
ROLES_DIR = TOOLKIT_ROOT / "playbooks" / "roles"
