"""Recipe constants and environment-derived settings: what goes into the image and the apt repository,
where the cache lives, and the default prefix and subnet (``CONSORTIUM_LAB_*``).

The recipe versions here feed the image and repository digests: bumping one rebuilds that part of the
cache on every machine.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Debian packages the *machine running the tests* needs for the lab (the Makefile prints them with
#: ``python -m tests.playbooks.lab host-packages``). restic is here for the backup tests, which run
#: restic on the machine against a local S3 server.
HOST_PACKAGES: tuple[str, ...] = (
    "debootstrap",
    "debian-archive-keyring",
    "gpgv",
    "systemd-container",
    "iproute2",
    "mount",
    "dpkg-dev",
    "openssh-client",
    "restic",
)

#: Packages the roles install on the test hosts. They, their Depends and Recommends that the base image
#: lacks are downloaded once into the local apt repository (the hosts cannot reach a Debian mirror).
LAB_APT_PACKAGES: tuple[str, ...] = (
    "nftables",
    "chrony",
    "unattended-upgrades",
    "auditd",
    "libpam-pwquality",
    "rsyslog",
    "rsyslog-gnutls",
    "logrotate",
    "cracklib-runtime",
    "restic",
    "libpam-tmpdir",
    "debsums",
    "apt-show-versions",
    "acct",
    "cron",
    "needrestart",
    # File integrity monitoring (LNX-FIM-001): the role installs aide alone; aide-common (Debian's rules, aideinit,
    # its daily check) stays here for hosts where an admin installed it (the README's upgrade path).
    "aide",
    "aide-common",
    # What dev-sec's os_hardening installs (its defaults): bench/hardening_score.py --devsec runs it beside ours.
    "libpam-passwdqc",
    "kmod",
    # The auditors' scanners, installed inside a host by tests/playbooks/lab/scanners.py (never by a
    # role): Lynis, OpenSCAP's oscap, and linux-base, without which SSG judges every kernel, sysctl and
    # sshd rule "not applicable" (FACTS.md, "Scanners for Linux hardening").
    "lynis",
    "openscap-scanner",
    "linux-base",
)

#: SSG content for Debian 12: Debian 12's own ssg-debian stops at Debian 11, Debian 13's (architecture
#: ``all``) carries Debian 12's data stream and works with Debian 12's oscap. It is downloaded with a
#: private apt configuration naming SSG_SUITE and unpacked into the cache; nothing of Debian 13 is
#: installed anywhere.
SSG_SUITE = "trixie"
SSG_PACKAGE = "ssg-debian"
SSG_DATASTREAM = "usr/share/xml/scap/ssg/content/ssg-debian12-ds.xml"
#: Bump when the way the SSG content is fetched changes.
SSG_RECIPE_VERSION = 1

SUITE = "bookworm"
#: ``--include`` of the debootstrap call (FACTS.md: enough for Ansible, sshd and a booting systemd).
IMAGE_INCLUDE: tuple[str, ...] = (
    "python3",
    "python3-apt",
    "openssh-server",
    "sudo",
    "iproute2",
    "procps",
    "systemd",
    "systemd-sysv",
    "dbus",
    "libpam-systemd",
)
#: Bump when the image customisation (``image._customise_image``) changes in a way the digest of the
#: constants cannot see.
IMAGE_RECIPE_VERSION = 1
#: Bump when the way the repository is built changes.
REPO_RECIPE_VERSION = 1

DEFAULT_CACHE = "/var/cache/consortium-lab"
#: Overridable so two labs can run side by side on one machine (say, a debugging ``up`` and the tests).
DEFAULT_PREFIX = os.environ.get("CONSORTIUM_LAB_PREFIX", "cslab")
DEFAULT_SUBNET = os.environ.get("CONSORTIUM_LAB_SUBNET", "10.231.0.0/24")
#: Host *i* gets the subnet's address number ``HOST_OFFSET + i`` (10.231.0.11, .12, ...).
HOST_OFFSET = 10


def mirror() -> str:
    """The Debian mirror for debootstrap and the repository download (``CONSORTIUM_LAB_MIRROR``)."""
    return os.environ.get("CONSORTIUM_LAB_MIRROR", "http://deb.debian.org/debian")


def security_mirror() -> str:
    """The Debian security mirror for the repository download (``CONSORTIUM_LAB_SECURITY_MIRROR``)."""
    return os.environ.get("CONSORTIUM_LAB_SECURITY_MIRROR", "http://deb.debian.org/debian-security")


def cache_dir() -> Path:
    """The lab cache: outside the repo so ``git clean`` and fresh clones keep the 220 MB image."""
    return Path(os.environ.get("CONSORTIUM_LAB_CACHE", DEFAULT_CACHE))


def runs_root(prefix: str = DEFAULT_PREFIX) -> Path:
    """Where the per-run directories of labs with this prefix live (scanned by :func:`cleanup_stale`)."""
    return cache_dir() / "runs" / prefix
