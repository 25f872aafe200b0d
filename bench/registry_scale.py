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
from ipaddress import IPv4Network
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from consortium.ipam import allocate  # noqa: E402

KINDS = ["town", "city", "village", "district", "county"]
OSES = ["windows-server-2022", "debian-12", "ubuntu-24.04", "windows-server-2019"]


def build(root: Path, n: int) -> None:
    consortium = (REPO / "consortium.yaml").read_text()
    consortium = consortium.replace("supernet: 10.64.0.0/12", "supernet: 10.0.0.0/8").replace(
        "hub: 10.64.0.0/20", "hub: 10.0.0.0/20"
    )
    (root / "consortium.yaml").write_text(consortium)
    (root / "members").mkdir()
    supernet, hub = IPv4Network("10.0.0.0/8"), IPv4Network("10.0.0.0/20")
    taken = [hub]
    for i in range(n):
        cidr = allocate(supernet, 20, taken)
        taken.append(cidr)
        slug = f"town-{i:03d}"
        servers = "\n".join(
            f"  - {{name: t{i:03d}-srv{j}, os: {OSES[(i + j) % 4]}, role: file, address: 192.168.{i % 250}.{10 + j}}}"
            for j in range(i % 5)
        )
        (root / "members" / f"{slug}.yaml").write_text(
            f"""# synthetic member {i}
slug: {slug}
name: Town {i:03d}
kind: {KINDS[i % 5]}
population: {1000 + 137 * i}
joined: 2025-01-01
status: active
phase: {1 + i % 4}
contacts: {{it_lead: it@{slug}.example, billing: billing@{slug}.example}}
admins: [admin{i}@dane-consortium.example]
network:
  cidr: {cidr}
  onprem:
    - {{name: hall, public_ip: 52.{i // 250}.{i % 250}.10, cidrs: [192.168.{i % 250}.0/24]}}
endpoints: {{windows: {20 + i % 300}, macos: {i % 7}}}
servers:
{servers if servers else "  []"}
backup: {{retention_days: {30 + i % 60}, offsite: true}}
"""
        )


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
        build(root, args.members)
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
