"""Real Debian SSH test hosts for the playbook tests, without Docker.

Why this exists: the roles in ``playbooks/`` must be proven against real hosts over SSH (systemd, apt,
sshd, sysctl), not against mocks. There is no Docker engine on the developers' machines or in CI, but
we are root on Debian 12, so each test host is a ``systemd-nspawn`` container booting a cached Debian
image through an overlayfs, living in its own network namespace that is plugged into a private bridge.
The measured recipe behind every choice here is in ``shared/FACTS.md`` ("Real test hosts for Ansible").

Layout of the cache (outside the repo; ``CONSORTIUM_LAB_CACHE`` overrides the default)::

    /var/cache/consortium-lab/
      image/rootfs/          debootstrap'ed bookworm, shared read-only lower layer of every host
      image/lab_key(.pub)    the SSH key root on every host accepts (made with the image)
      image/stamp.json       recipe digest; a changed recipe rebuilds the image
      repo/                  *.deb + Packages(.gz) + Release: the hosts' only apt source
      apt/                   private apt state while the repo is downloaded (removed afterwards)
      runs/<prefix>/run-*/   one directory per running lab: overlay upper/work dirs, logs, inventory
      *.lock                 flock files: one lab per prefix, no rebuild under a running lab

Network (defaults): bridge ``cslab0`` with 10.231.0.1/24 on the machine, host *i* is ``cslab-h<i>`` with
10.231.0.(10+i) in network namespace ``cslab-h<i>``. There is no NAT and no default route: the hosts reach
only each other and the bridge address, where an in-process HTTP server serves the apt repository.

Everything the lab creates carries the prefix (``cslab``) or lives under ``runs/<prefix>/``, so
:func:`cleanup_stale` can find and remove what a crashed run left behind, and :func:`leftovers` can prove
that nothing is left.

Command line (``python -m tests.playbooks.lab ...``): ``host-packages``, ``apt-packages``, ``build-image``,
``up N`` (runs until Ctrl-C, then tears down), ``down`` (removes leftovers of a crashed run).

Modules (importers use the names re-exported here, not the modules)::

    config.py         recipe constants (packages, suite, recipe versions), CONSORTIUM_LAB_* settings, paths
    errors.py         LabError
    host_packages.py  the machine's own packages for the lab (HOST_PACKAGES), checked and installed
    image.py          debootstrap'ed base image in the cache, customised and stamped with its recipe digest
    apt_repo.py       the local apt repository: download, dpkg-scanpackages, Release, HTTP server
    network.py        bridge, one network namespace per host, veth pairs
    hosts.py          Host, overlay roots, systemd-nspawn boot, SSH and waiting for it, stopping hosts
    inventory.py      the Ansible inventory of a running lab
    cleanup.py        leftovers() and cleanup_stale(): what a lab with a prefix left behind
    harness.py        Lab, which brings all of the above up in order and down again
    signals.py        SIGTERM as KeyboardInterrupt, interrupts deferred during teardown
    cli.py            the command line (``__main__.py`` runs it)
    procs.py, mounts.py, files.py, locks.py
                      helpers: commands and processes, the mount table, files and trees, flock files
"""

from __future__ import annotations

from .apt_repo import build_cache, build_repo, repo_dir, repo_is_current
from .cleanup import cleanup_stale, leftovers
from .cli import main
from .config import (
    DEFAULT_CACHE,
    DEFAULT_PREFIX,
    DEFAULT_SUBNET,
    HOST_OFFSET,
    HOST_PACKAGES,
    IMAGE_INCLUDE,
    IMAGE_RECIPE_VERSION,
    LAB_APT_PACKAGES,
    REPO_RECIPE_VERSION,
    SUITE,
    cache_dir,
    mirror,
    runs_root,
    security_mirror,
)
from .errors import LabError
from .harness import Lab
from .host_packages import ensure_host_packages, missing_host_packages
from .hosts import NSPAWN_ENV, SSH_OPTIONS, Host
from .image import build_image, image_dir, image_is_current

__all__ = [
    "DEFAULT_CACHE",
    "DEFAULT_PREFIX",
    "DEFAULT_SUBNET",
    "HOST_OFFSET",
    "HOST_PACKAGES",
    "IMAGE_INCLUDE",
    "IMAGE_RECIPE_VERSION",
    "LAB_APT_PACKAGES",
    "NSPAWN_ENV",
    "REPO_RECIPE_VERSION",
    "SSH_OPTIONS",
    "SUITE",
    "Host",
    "Lab",
    "LabError",
    "build_cache",
    "build_image",
    "build_repo",
    "cache_dir",
    "cleanup_stale",
    "ensure_host_packages",
    "image_dir",
    "image_is_current",
    "leftovers",
    "main",
    "mirror",
    "missing_host_packages",
    "repo_dir",
    "repo_is_current",
    "runs_root",
    "security_mirror",
]
