"""The command line, ``python -m tests.playbooks.lab ...`` (see the package docstring)."""

from __future__ import annotations

import argparse
import fcntl
import os
import signal
import sys
import time
from collections.abc import Sequence

from . import __doc__ as package_doc
from .apt_repo import build_cache
from .cleanup import cleanup_stale
from .config import DEFAULT_PREFIX, DEFAULT_SUBNET, HOST_PACKAGES, LAB_APT_PACKAGES, cache_dir
from .errors import LabError
from .files import read_json
from .harness import Lab
from .host_packages import ensure_host_packages
from .locks import flock
from .signals import sigterm_to_interrupt


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.playbooks.lab", description=package_doc.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("host-packages", help="print HOST_PACKAGES, space-separated")
    sub.add_parser("apt-packages", help="print LAB_APT_PACKAGES, space-separated")
    build = sub.add_parser("build-image", help="build or refresh the image and apt repository cache")
    build.add_argument("--force", action="store_true", help="rebuild even if the stamps are current")
    up = sub.add_parser("up", help="start N hosts and keep them until Ctrl-C (for manual debugging)")
    up.add_argument("n", type=int, nargs="?", default=3)
    down = sub.add_parser("down", help="remove what a crashed lab left behind")
    for p in (up, down):
        p.add_argument("--prefix", default=DEFAULT_PREFIX)
        p.add_argument("--bridge", default=None)
    up.add_argument("--subnet", default=DEFAULT_SUBNET)
    up.add_argument("--capability", action="append", default=[], help="e.g. CAP_NET_ADMIN (repeatable)")
    args = parser.parse_args(argv)

    if args.command == "host-packages":
        print(" ".join(HOST_PACKAGES))
        return 0
    if args.command == "apt-packages":
        print(" ".join(LAB_APT_PACKAGES))
        return 0
    if os.geteuid() != 0:
        print("the lab needs root", file=sys.stderr)
        return 2
    # Interrupts must run the cleanup code: a shell starts background jobs with SIGINT ignored, and
    # SIGTERM would otherwise kill us on the spot (leaving a half build or a running lab).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, sigterm_to_interrupt)
    try:
        if args.command == "build-image":
            ensure_host_packages()
            t0 = time.monotonic()
            image, repo = build_cache(force=args.force)
            print(f"image: {image} ({read_json(image / 'stamp.json').get('built_s')} s when built)")
            print(f"repo:  {repo} ({len(read_json(repo / 'stamp.json').get('debs', []))} packages)")
            print(f"took {time.monotonic() - t0:.1f} s")
        elif args.command == "down":
            with flock(cache_dir() / f"{args.prefix}.lock", fcntl.LOCK_EX, 0, "cleaning up"):
                for item in cleanup_stale(args.prefix, args.bridge):
                    print(f"removed {item}")
        else:
            ensure_host_packages()
            lab = Lab(args.n, prefix=args.prefix, bridge=args.bridge, subnet=args.subnet, capabilities=args.capability)
            try:
                lab.up()
                print(f"inventory: {lab.inventory_path}")
                print(f"apt repo:  {lab.apt_url}")
                for h in lab.hosts:
                    print(f"{h.name} {h.ip}: {' '.join(lab.ssh_command(h))}")
                print(f"timings: {lab.timings}")
                print("READY (Ctrl-C to tear down)", flush=True)
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                print("tearing down", flush=True)
            finally:
                lab.down()
    except LabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0
