"""The auditors' scanners inside lab hosts: Lynis and OpenSCAP (SSG content for Debian 12).

The packages (lynis, openscap-scanner, linux-base) come from the lab's apt repository (config.py);
the SSG data stream is fetched once from Debian 13's archive into the cache (``ssg/``) and copied into
each host before a scan. The reports are parsed by ``consortium.audit.scanners``, the same code the
audit's evidence uses, so a test, the bench and an audit judge a host alike.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from consortium.audit.scanners import PROFILE_PREFIX, LynisReport, OscapResults, parse_arf, parse_lynis_report

from .apt_repo import _apt_env
from .config import SSG_DATASTREAM, SSG_PACKAGE, SSG_RECIPE_VERSION, SSG_SUITE, cache_dir
from .errors import LabError
from .files import digest, read_json, replace_dir, rmtree_safely
from .locks import flock
from .procs import run_cmd

if TYPE_CHECKING:
    from .harness import Lab
    from .hosts import Host

#: Installed in a host right before its scan (not part of any role): the scanners, and linux-base so
#: SSG judges the kernel, sysctl and sshd rules instead of calling them "not applicable".
SCANNER_PACKAGES: tuple[str, ...] = ("lynis", "openscap-scanner", "linux-base")
#: Where the data stream and the results sit inside a host.
HOST_SSG = "/var/tmp/consortium-scan/ssg-debian12-ds.xml"
HOST_RESULTS = "/var/tmp/consortium-scan"
LYNIS_REPORT = "/var/log/lynis-report.dat"
#: The profile the issue's targets are stated for.
ANSSI_INTERMEDIARY = "anssi_bp28_intermediary"


def ssg_dir() -> Path:
    return cache_dir() / "ssg"


def _ssg_digest() -> str:
    return digest({"v": SSG_RECIPE_VERSION, "suite": SSG_SUITE, "package": SSG_PACKAGE, "file": SSG_DATASTREAM})


def ssg_datastream(force: bool = False) -> Path:
    """The cached Debian 12 data stream, fetched first if needed (needs the lab image: its keyring)."""
    dest = ssg_dir()
    stream = dest / Path(SSG_DATASTREAM).name
    if not force and read_json(dest / "stamp.json").get("digest") == _ssg_digest() and stream.is_file():
        return stream
    with flock(cache_dir() / "ssg.lock", fcntl.LOCK_EX, 600, "fetching the SSG content"):
        if not force and read_json(dest / "stamp.json").get("digest") == _ssg_digest() and stream.is_file():
            return stream
        _fetch_ssg(dest)
    return stream


def _fetch_ssg(dest: Path) -> None:
    """``apt-get download`` of Debian 13's ssg-debian with a private apt configuration (nothing is
    installed, the machine's apt state is untouched), then ``dpkg-deb -x`` of the one file we need."""
    started = time.monotonic()
    cache_dir().mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="ssg.tmp-", dir=cache_dir()))
    state = cache_dir() / "apt-ssg"
    try:
        status = state / "status"
        status.parent.mkdir(parents=True, exist_ok=True)
        status.write_text("")
        env = _apt_env(state, status, SSG_SUITE)
        run_cmd(["apt-get", "update", "-q"], env=env)
        run_cmd(["apt-get", "download", "-q", SSG_PACKAGE], env=env, cwd=tmp)
        debs = sorted(tmp.glob(f"{SSG_PACKAGE}_*.deb"))
        if len(debs) != 1:
            raise LabError(f"apt-get download {SSG_PACKAGE} gave {[d.name for d in debs]}")
        version = run_cmd(["dpkg-deb", "-f", debs[0], "Version"]).stdout.strip()
        run_cmd(["dpkg-deb", "-x", debs[0], tmp / "x"])
        src = tmp / "x" / SSG_DATASTREAM
        if not src.is_file():
            raise LabError(f"{debs[0].name} has no {SSG_DATASTREAM}")
        out = tmp / "out"
        out.mkdir()
        shutil.copyfile(src, out / src.name)
        stamp = {"digest": _ssg_digest(), "version": version, "built_s": round(time.monotonic() - started, 1)}
        (out / "stamp.json").write_text(json.dumps(stamp, indent=2) + "\n")
        out.chmod(0o755)
        replace_dir(out, dest)
    finally:
        rmtree_safely(tmp)
        rmtree_safely(state)


def ssg_version() -> str:
    """The ssg-debian version of the cached content (for reports)."""
    return str(read_json(ssg_dir() / "stamp.json").get("version", "?"))


def install_scanners(lab: Lab, hosts: list[Host]) -> None:
    """Install the scanners in each host from the lab repository and copy the data stream in."""
    stream = ssg_datastream()
    for h in hosts:
        target = h.root / HOST_SSG.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.parent.chmod(0o700)
        shutil.copyfile(stream, target)
    cmd = (
        "export DEBIAN_FRONTEND=noninteractive; apt-get update -q >/dev/null"
        f" && apt-get install -y -q --no-install-recommends {' '.join(SCANNER_PACKAGES)} >/dev/null"
    )
    _on_all(lab, hosts, cmd, timeout=600, what="installing the scanners")


def _on_all(lab: Lab, hosts: list[Host], cmd: str, *, timeout: float, what: str) -> None:
    """Run ``cmd`` on every host at once (the scans take minutes each); raise with every failure."""
    procs = {h.name: subprocess.Popen([*lab.ssh_command(h), cmd], stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL)
             for h in hosts}  # fmt: skip
    errors = []
    for name, proc in procs.items():
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
            errors.append(f"{name}: timed out after {timeout} s")
            continue
        if proc.returncode != 0:
            errors.append(f"{name}: rc {proc.returncode}: {out[-2000:]}")
    if errors:
        raise LabError(f"{what} failed:\n" + "\n".join(errors))


#: Where Debian 12's aide.conf has AIDE's database (LNX-FIM-001), and the role's unit that builds it.
AIDE_DATABASE = "/var/lib/aide/aide.db"
AIDE_BUILD_UNIT = "consortium-aide-init.service"


def wait_for_aide_database(lab: Lab, hosts: list[Host], timeout: float = 900) -> dict[str, float]:
    """Wait until every host has AIDE's database, which the baseline builds in the background (the
    play does not wait for it) and which the scanners judge (SSG aide_build_database, Lynis FINT-4316).
    Returns the seconds waited per host; raises LabError naming the hosts still without one, with the
    build unit's state and its last journal lines, after ``timeout`` seconds."""
    started = time.monotonic()
    waited: dict[str, float] = {}
    pending = list(hosts)
    while pending:
        for h in list(pending):
            db = h.root / AIDE_DATABASE.lstrip("/")
            if db.is_file() and db.stat().st_size > 0:  # renamed into place only when complete
                waited[h.name] = round(time.monotonic() - started, 1)
                pending.remove(h)
        if not pending:
            break
        if time.monotonic() - started > timeout:
            details = []
            for h in pending:
                state = lab.ssh(h, f"systemctl is-active {AIDE_BUILD_UNIT}; journalctl -u {AIDE_BUILD_UNIT}"
                                   " --no-pager -n 15", timeout=60)  # fmt: skip
                details.append(f"{h.name}: {state.stdout.strip()} {state.stderr.strip()}")
            raise LabError(f"no AIDE database {AIDE_DATABASE} after {timeout:.0f} s:\n" + "\n".join(details))
        time.sleep(2)
    return waited


@dataclass(frozen=True)
class ScanResult:
    """What both scanners said about one host, and where their raw files are on the machine."""

    host: str
    lynis: LynisReport
    oscap: dict[str, OscapResults]  # profile -> results
    lynis_report: Path
    arf: dict[str, Path]


def scan(lab: Lab, hosts: list[Host], profiles: tuple[str, ...] = (ANSSI_INTERMEDIARY,)) -> dict[str, ScanResult]:
    """Run Lynis and one ``oscap xccdf eval`` per profile in every host (hosts in parallel).

    oscap exits 2 when a rule fails: that is a result, not an error (1 is one).
    """
    evals = " && ".join(
        f"{{ oscap xccdf eval --profile {PROFILE_PREFIX}{p} --results-arf {HOST_RESULTS}/arf-{p}.xml"
        f" {HOST_SSG} >{HOST_RESULTS}/oscap-{p}.log 2>&1; test $? -ne 1; }}"
        for p in profiles
    )
    cmd = f"lynis audit system --quick --no-colors >{HOST_RESULTS}/lynis.log 2>&1 && {evals}"
    _on_all(lab, hosts, cmd, timeout=1200, what="scanning")
    out: dict[str, ScanResult] = {}
    for h in hosts:
        results = h.root / HOST_RESULTS.lstrip("/")
        report = h.root / LYNIS_REPORT.lstrip("/")
        arfs = {p: results / f"arf-{p}.xml" for p in profiles}
        out[h.name] = ScanResult(
            host=h.name,
            lynis=parse_lynis_report(report.read_text(errors="replace"), f"{h.name}:{LYNIS_REPORT}"),
            oscap={p: parse_arf(path, f"{h.name}:{path.name}") for p, path in arfs.items()},
            lynis_report=report,
            arf=arfs,
        )
    return out


def control_scanner_rules(controls_file: Path, section: str = "scanners") -> dict[str, dict[str, str]]:
    """Scanner -> {rule id: control id} from a role's controls.yml: the one list of the scanner rules
    the baseline makes pass (``scanners``), or of those that pass only outside containers
    (``outside_containers``). The lab test asserts them, the bench reports them."""
    import yaml  # the lab package itself needs no YAML; only this reader does

    rules: dict[str, dict[str, str]] = {}
    for control in yaml.safe_load(controls_file.read_text())["controls"]:
        for scanner, ids in (control.get(section) or {}).items():
            for rule in ids:
                rules.setdefault(scanner, {})[rule] = control["id"]
    return rules
