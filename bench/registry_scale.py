"""Registry at state scale: a synthetic 351-member registry (Massachusetts has 351 cities and towns).

Builds the registry in a temp dir, then times the real CLI (`consortium validate`, `consortium
render` on an empty output tree, and `consortium render --check`) end to end, start-up included.
Prints figures; asserts nothing. Target: validate and render each under 5 s on a 2-core machine.

    .venv/bin/python bench/registry_scale.py [--members 351]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from synthetic import build_registry  # noqa: E402


def timed(args: list[str], cwd: Path) -> tuple[float, int, str]:
    exe = str(Path(sys.executable).parent / "consortium")
    start = time.perf_counter()
    proc = subprocess.run([exe, *args, "--registry", str(cwd)], capture_output=True, text=True)
    return time.perf_counter() - start, proc.returncode, (proc.stdout.strip().splitlines() or [""])[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=351)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="consortium-bench-"))
    try:
        t0 = time.perf_counter()
        build_registry(root, args.members)
        print(f"built a synthetic registry of {args.members} members in {time.perf_counter() - t0:.2f} s")
        for label, cmd in (
            ("validate", ["validate"]),
            ("render (all files new)", ["render"]),
            ("render --check (in sync)", ["render", "--check"]),
            ("render (no change)", ["render"]),
        ):
            seconds, rc, last = timed(cmd, root)
            print(f"{label:28s} {seconds:6.2f} s  exit {rc}  {last[:90]}")
        files = sum(1 for _ in root.rglob("*") if _.is_file())
        child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"files in the registry after render: {files}; peak RSS of the slowest CLI run: {child:.0f} MB")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
