"""``consortium up``: deploy one stack with ``pulumi up`` through the Automation API.

The Automation API drives the ``pulumi`` CLI, which must be installed; without it the command
fails with one line saying so (no traceback). The work directory is the registry root, which
holds ``Pulumi.yaml`` and the rendered ``stacks/Pulumi.<stack>.yaml`` — the stack's whole input.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from consortium.registry.errors import InputError, Problem
from consortium.registry.files import present
from consortium.registry.safeyaml import load_mapping
from consortium.registry.stackconfig import HUB_STACK, PROJECT

INSTALL_URL = "https://www.pulumi.com/docs/install/"
PROJECT_FILE = "Pulumi.yaml"


@dataclass(frozen=True)
class UpResult:
    stack: str
    summary: str  # e.g. "update succeeded: {'create': 12, 'same': 30}"


def pulumi_cli() -> str:
    """Path of the ``pulumi`` CLI, or a one-line :class:`InputError` on how to install it."""
    found = shutil.which("pulumi")
    if found is None:
        raise InputError(
            [
                Problem(
                    "pulumi",
                    "",
                    f"the Pulumi CLI is not installed (no `pulumi` on PATH); install it ({INSTALL_URL}) "
                    "or use `consortium plan` to see the changes offline",
                )
            ]
        )
    return found


def check_project(root: Path, stack: str, required_secrets: Iterable[str] = ()) -> None:
    """The registry root must hold the project file, the rendered stack config and its secrets.

    ``required_secrets`` are config keys (``vpn-psk-<site>``) that must have been set with
    ``pulumi config set --secret``: checking here gives one clear line per missing key instead of
    a deployment that fails halfway through.
    """
    problems = []
    if not (root / PROJECT_FILE).is_file():
        problems.append(Problem(PROJECT_FILE, "", f"not found in {root} (point --registry at the registry root)"))
    rel = f"stacks/Pulumi.{stack}.yaml"
    if not present(root / rel):  # a folder or a FIFO there is named by the reader below
        problems.append(Problem(rel, "", "stack config not rendered; run: consortium render"))
    else:
        config = load_mapping(root / rel, rel).get("config") or {}  # strict: a bad file is one line, not a traceback
        config = config if isinstance(config, dict) else {}
        for key in sorted(required_secrets):
            value = config.get(f"{PROJECT}:{key}")
            if not (isinstance(value, dict) and "secure" in value):
                hint = f"not set; run: pulumi config set --secret {key} --stack {stack}"
                problems.append(Problem(rel, f"config.{PROJECT}:{key}", hint))
    if problems:
        raise InputError(problems)


def up(
    root: Path,
    stack: str,
    *,
    required_secrets: Iterable[str] = (),
    preview: bool = False,
    on_output: Callable[[str], None] = print,
) -> UpResult:
    """Run ``pulumi up`` (or ``preview``) for ``stack`` (``hub`` or a member slug) in ``root``."""
    pulumi_cli()
    root = root.resolve()
    check_project(root, stack, required_secrets)
    from pulumi import automation as auto

    workspace = auto.create_or_select_stack(stack_name=stack, work_dir=str(root))
    if preview:
        result = workspace.preview(on_output=on_output)
        return UpResult(stack, f"preview: {dict(sorted(result.change_summary.items()))}")
    outcome = workspace.up(on_output=on_output, show_secrets=False)
    changes = dict(sorted((outcome.summary.resource_changes or {}).items()))
    return UpResult(stack, f"update {outcome.summary.result}: {changes}")


def stack_for(member: str | None, hub: bool) -> str:
    return HUB_STACK if hub else str(member)
