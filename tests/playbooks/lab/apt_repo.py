"""The hosts' only apt source: LAB_APT_PACKAGES downloaded with a private apt configuration, indexed
with dpkg-scanpackages into a flat repository in the cache, and served over HTTP on the bridge address."""

from __future__ import annotations

import contextlib
import email.utils
import fcntl
import functools
import gzip
import hashlib
import http.server
import json
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Any

from .config import LAB_APT_PACKAGES, REPO_RECIPE_VERSION, SUITE, cache_dir, mirror, security_mirror
from .errors import LabError
from .files import digest, read_json, replace_dir, rmtree_safely
from .image import build_image_locked, clean_tmp_builds, image_dir, image_is_current
from .locks import flock
from .procs import run_cmd


def repo_dir() -> Path:
    return cache_dir() / "repo"


def _repo_digest() -> str:
    image_build = read_json(image_dir() / "stamp.json").get("build_id")
    return digest(
        {
            "v": REPO_RECIPE_VERSION,
            "packages": LAB_APT_PACKAGES,
            "image": image_build,
            "mirrors": [mirror(), security_mirror()],
        }
    )


def repo_is_current() -> bool:
    stamp = read_json(repo_dir() / "stamp.json")
    return stamp.get("digest") == _repo_digest() and (repo_dir() / "Packages.gz").is_file()


def _apt_env(state: Path, status: Path, suite: str = SUITE) -> dict[str, str]:
    """An apt configuration of our own: the machine's sources, pins, hooks and lists stay untouched.

    APT_CONFIG is read before /etc/apt/apt.conf.d, so pointing ``Dir::Etc::parts`` at an empty directory
    keeps out hooks such as Debian docker images' docker-clean (which would delete the downloads).
    Resolving against the *image's* dpkg status makes apt download exactly what the hosts lack.
    ``suite`` is the Debian release whose archive the sources name (the SSG content comes from another).
    """
    empty = state / "empty.d"
    for sub in (empty, state / "lists/partial", state / "cache", state / "state"):
        sub.mkdir(parents=True, exist_ok=True)
    keyring = image_dir() / "rootfs/usr/share/keyrings/debian-archive-keyring.gpg"
    (state / "sources.list").write_text(
        f"deb [signed-by={keyring}] {mirror()} {suite} main\n"
        f"deb [signed-by={keyring}] {mirror()} {suite}-updates main\n"
        f"deb [signed-by={keyring}] {security_mirror()} {suite}-security main\n"
    )
    conf = {
        "Dir::Etc::main": "/dev/null",
        "Dir::Etc::parts": empty,
        "Dir::Etc::sourcelist": state / "sources.list",
        "Dir::Etc::sourceparts": empty,
        "Dir::Etc::preferences": state / "preferences",
        "Dir::Etc::preferencesparts": empty,
        "Dir::State": state / "state",
        "Dir::State::lists": state / "lists",
        "Dir::State::status": status,
        "Dir::Cache": state / "cache",
        "APT::Install-Recommends": "true",
        "APT::Sandbox::User": "root",
        "Acquire::Languages": "none",
        "Debug::NoLocking": "true",
    }
    (state / "apt.conf").write_text("".join(f'{k} "{v}";\n' for k, v in conf.items()))
    return {**os.environ, "APT_CONFIG": str(state / "apt.conf"), "DEBIAN_FRONTEND": "noninteractive"}


def _write_release(repo: Path) -> None:
    """A Release file with hashes, so apt fetches the flat repo without 'no Release file' complaints."""
    lines = [
        "Origin: consortium-lab",
        "Label: consortium-lab",
        "Suite: lab",
        "Codename: lab",
        f"Date: {email.utils.formatdate(usegmt=True)}",
        "Architectures: amd64 all",
        "Description: packages the consortium roles install on lab hosts",
    ]
    for field, algo in (("MD5Sum", "md5"), ("SHA256", "sha256")):
        lines.append(f"{field}:")
        for name in ("Packages", "Packages.gz"):
            data = (repo / name).read_bytes()
            lines.append(f" {hashlib.new(algo, data).hexdigest()} {len(data)} {name}")
    (repo / "Release").write_text("\n".join(lines) + "\n")


def build_repo(force: bool = False) -> Path:
    """Download LAB_APT_PACKAGES (+ what the image lacks for them) and index them; returns ``repo/``."""
    with flock(cache_dir() / "build.lock", fcntl.LOCK_EX, 600, "building the lab apt repository"):
        return _build_repo_locked(force)


def _build_repo_locked(force: bool) -> Path:
    dest = repo_dir()
    if not force and repo_is_current():
        return dest
    if not image_is_current():
        raise LabError("build the image first (build_image())")
    clean_tmp_builds()
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="repo.tmp-", dir=cache_dir()))
    try:
        env = _apt_env(cache_dir() / "apt", image_dir() / "rootfs/var/lib/dpkg/status")
        run_cmd(["apt-get", "update", "-q"], env=env)
        (tmp / "partial").mkdir()
        run_cmd(
            [
                "apt-get",
                "install",
                "-y",
                "-q",
                "--download-only",
                "-o",
                f"Dir::Cache::archives={tmp}",
                *LAB_APT_PACKAGES,
            ],
            env=env,
        )
        rmtree_safely(tmp / "partial")
        (tmp / "lock").unlink(missing_ok=True)
        debs = sorted(p.name for p in tmp.glob("*.deb"))
        if not debs:
            raise LabError("apt downloaded no packages for the lab repository")
        packages = run_cmd(["dpkg-scanpackages", "--multiversion", ".", "/dev/null"], cwd=tmp).stdout
        (tmp / "Packages").write_text(packages)
        (tmp / "Packages.gz").write_bytes(gzip.compress(packages.encode(), mtime=0))
        _write_release(tmp)
        seconds = round(time.monotonic() - started, 1)
        stamp = {"digest": _repo_digest(), "debs": debs, "built_s": seconds}
        (tmp / "stamp.json").write_text(json.dumps(stamp, indent=2) + "\n")
        tmp.chmod(0o755)
        replace_dir(tmp, dest)
    except BaseException:
        rmtree_safely(tmp)
        raise
    finally:
        rmtree_safely(cache_dir() / "apt")  # 120 MB of lists, refreshed by every repo build anyway
    return dest


def build_cache(force: bool = False) -> tuple[Path, Path]:
    """Image and repository, (re)built as needed; returns (image dir, repo dir)."""
    with flock(cache_dir() / "build.lock", fcntl.LOCK_EX, 600, "building the lab cache"):
        return build_image_locked(force), _build_repo_locked(force)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the repo; logs to the run's apt-http.log instead of the test output."""

    log_file: IO[str] | None = None

    def log_message(self, format: str, *args: Any) -> None:
        if self.log_file is not None:
            with contextlib.suppress(ValueError):
                self.log_file.write(f"{self.address_string()} {format % args}\n")
                self.log_file.flush()


def _handler_with_log(log: IO[str]) -> type[_QuietHandler]:
    return type("_LabRepoHandler", (_QuietHandler,), {"log_file": log})


def start_repo_server(address: str, port: int, log: IO[str]) -> http.server.ThreadingHTTPServer:
    """Serve the repo on ``address`` only (never on the machine's other interfaces), from a daemon
    thread; requests are logged to ``log``. ``port`` 0 picks a free port (see ``server_address``)."""
    handler = functools.partial(_handler_with_log(log), directory=str(repo_dir()))
    server = http.server.ThreadingHTTPServer((address, port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="cslab-apt-http", daemon=True).start()
    return server


def stop_repo_server(server: http.server.ThreadingHTTPServer) -> None:
    """Stop serving and close the listening socket."""
    server.shutdown()
    server.server_close()
