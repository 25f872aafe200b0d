"""Run ansible-playbook from the tests and read its PLAY RECAP.

Everything goes through the real command line (no Python API): what the tests prove is what an
operator gets. ``ANSIBLE_CONFIG`` points at the repository's ``ansible.cfg`` so the tests use the
project's settings (forks, pipelining, SSH multiplexing) whatever the working directory.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PLAYBOOKS = REPO / "playbooks"
BIN = Path(sys.executable).parent
ANSIBLE_PLAYBOOK = str(BIN / "ansible-playbook")

_RECAP_LINE = re.compile(
    r"^(?P<host>\S+)\s*:\s*ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)"
    r"\s+failed=(?P<failed>\d+)\s+skipped=(?P<skipped>\d+)\s+rescued=(?P<rescued>\d+)\s+ignored=(?P<ignored>\d+)"
)


@dataclass
class PlaybookRun:
    args: list[str]
    rc: int
    stdout: str
    stderr: str
    seconds: float
    recap: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def tasks(self, host: str) -> int:
        """Tasks that ran on ``host`` (ok includes changed), skipped ones included."""
        r = self.recap[host]
        return r["ok"] + r["failed"] + r["skipped"]

    def explain(self, lines: int = 80) -> str:
        """The command and the tail of its output, for assertion messages."""
        tail = "\n".join(self.output.splitlines()[-lines:])
        return f"$ {' '.join(self.args)}\n(rc {self.rc}, {self.seconds:.1f} s)\n{tail}"


def parse_recap(text: str) -> dict[str, dict[str, int]]:
    """Host -> counters from the last PLAY RECAP of ``text``."""
    _, sep, tail = text.rpartition("PLAY RECAP")
    if not sep:
        return {}
    recap = {}
    for line in tail.splitlines():
        m = _RECAP_LINE.match(line.strip())
        if m:
            d = m.groupdict()
            host = d.pop("host")
            recap[host] = {k: int(v) for k, v in d.items()}
    return recap


def ansible_env(base: Mapping[str, str] | None = None, **extra: str) -> dict[str, str]:
    env = dict(base if base is not None else os.environ)
    env.update(
        {
            "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            "ANSIBLE_STDOUT_CALLBACK": "default",
            "ANSIBLE_LOCAL_TEMP": env.get("ANSIBLE_LOCAL_TEMP", "/tmp/.ansible-tests/tmp"),
            "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        }
    )
    env.update(extra)
    return env


def run_playbook(
    playbook: str | Path,
    *args: str,
    env: Mapping[str, str] | None = None,
    timeout: float = 900,
    cwd: Path = REPO,
) -> PlaybookRun:
    """Run ``ansible-playbook PLAYBOOK ARGS...``; never raises on a non-zero exit."""
    cmd = [ANSIBLE_PLAYBOOK, str(playbook), *args]
    t0 = time.monotonic()
    proc = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=ansible_env(env),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
    )
    run = PlaybookRun(cmd, proc.returncode, proc.stdout, proc.stderr, time.monotonic() - t0)
    run.recap = parse_recap(proc.stdout)
    return run


def extra_vars_file(path: Path, data: Mapping[str, object]) -> str:
    """Write extra vars as JSON (valid YAML) and return the ``@file`` argument for ``-e``."""
    import json

    path.write_text(json.dumps(data, indent=2) + "\n")
    return f"@{path}"


def changed_tasks(output: str) -> list[tuple[str, str]]:
    """(task name, host) of every "changed:" result in a default-callback output."""
    found = []
    task = None
    for line in output.splitlines():
        m = re.match(r"^(?:TASK|RUNNING HANDLER) \[(.*)\] \**$", line)
        if m:
            task = m.group(1)
            continue
        m = re.match(r"^changed: \[([^\]]+)\]", line)
        if m and task is not None:
            found.append((task, m.group(1)))
    return found


def hosts_of(run: PlaybookRun, names: Sequence[str]) -> dict[str, dict[str, int]]:
    return {n: run.recap.get(n, {}) for n in names}
