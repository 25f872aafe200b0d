"""The :class:`Lab`: brings the image, repository, network and hosts up in order, and takes them all
down again (idempotently, also after a failure half-way through ``up()``)."""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import http.server
import ipaddress
import os
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from . import hosts as hostlib
from . import network
from .apt_repo import build_cache, repo_is_current, start_repo_server, stop_repo_server
from .cleanup import cleanup_stale, leftovers
from .config import DEFAULT_PREFIX, DEFAULT_SUBNET, HOST_OFFSET, cache_dir, runs_root
from .errors import LabError
from .files import rmtree_safely
from .hosts import Host, stop_containers
from .image import image_dir, image_is_current
from .inventory import write_inventory
from .locks import open_lock
from .mounts import mounts_under, umount
from .network import delete_link, delete_netns
from .signals import signals_deferred, sigterm_to_interrupt


class Lab:
    """A set of booted Debian hosts reachable over SSH as root; use as a context manager or up()/down().

    ``up()`` cleans leftovers of an earlier run with the same prefix, makes sure the cache is built,
    starts the network, the apt server and the containers, and waits until every host answers SSH. Any
    failure or interrupt in ``up()`` tears down what was made. ``down()`` is idempotent, defers Ctrl-C
    until it has finished, and raises if something could not be removed. While a lab is up, SIGTERM
    raises KeyboardInterrupt (so pytest and the CLI tear down), and an atexit hook is the last resort.
    """

    def __init__(
        self,
        n_hosts: int = 3,
        *,
        prefix: str = DEFAULT_PREFIX,
        bridge: str | None = None,
        subnet: str = DEFAULT_SUBNET,
        apt_port: int = 0,
        boot_timeout: float = 90.0,
        shutdown_timeout: float = 5.0,
        capabilities: Sequence[str] = (),
    ) -> None:
        net = ipaddress.ip_network(subnet)
        if not 1 <= n_hosts <= min(50, net.num_addresses - HOST_OFFSET - 2):
            raise ValueError(f"n_hosts={n_hosts} does not fit {subnet}")
        self.n_hosts = n_hosts
        self.prefix = prefix
        self.bridge = bridge or f"{prefix}0"
        if len(self.bridge) > 15 or len(f"{prefix}-h{n_hosts}") > 15:
            raise ValueError("interface names are limited to 15 characters: use a shorter prefix/bridge")
        self.subnet = net
        self.bridge_ip = str(net.network_address + 1)
        self.apt_port = apt_port
        self.boot_timeout = boot_timeout
        self.shutdown_timeout = shutdown_timeout
        #: Extra capabilities for the containers (``--capability=``), e.g. CAP_NET_ADMIN so nftables can
        #: load a ruleset. Each host has its own netns, so that only reaches the host's own network.
        self.capabilities = tuple(capabilities)
        self.hosts: list[Host] = []
        self.run_dir: Path | None = None
        #: Seconds spent in the phases of up() (cache, network, boot), for reports.
        self.timings: dict[str, float] = {}
        self._prefix_lock: IO[str] | None = None
        self._cache_lock: IO[str] | None = None
        self._http: http.server.ThreadingHTTPServer | None = None
        self._http_log: IO[str] | None = None
        self._bridge_made = False
        self._up = False
        self._old_sigterm: Any = None

    # ---- public ------------------------------------------------------------------------------------

    @property
    def key_path(self) -> Path:
        """The private key root on every host accepts."""
        return image_dir() / "lab_key"

    @property
    def inventory_path(self) -> Path:
        """An Ansible YAML inventory of all hosts (root, the lab key, no host key checking)."""
        if self.run_dir is None:
            raise LabError("the lab is not up")
        return self.run_dir / "inventory.yml"

    @property
    def apt_url(self) -> str:
        """The URL of the local apt repository, as the hosts see it."""
        if self._http is None:
            raise LabError("the lab is not up")
        return f"http://{self.bridge_ip}:{self._http.server_address[1]}/"

    def host(self, name: str) -> Host:
        for h in self.hosts:
            if h.name == name:
                return h
        raise KeyError(f"no lab host {name!r} (have {[h.name for h in self.hosts]})")

    def up(self) -> list[Host]:
        """Start the lab (see the class docstring); returns the hosts. Calling it again is a no-op."""
        if self._up:
            return self.hosts
        self._up = True
        self._install_sigterm()
        atexit.register(self._atexit)
        try:
            self._up_inner()
        except BaseException:
            with contextlib.suppress(Exception):
                self.down()
            raise
        return self.hosts

    def down(self) -> None:
        """Stop and remove everything this lab made. Idempotent; Ctrl-C is deferred until it is done."""
        with signals_deferred():
            errors = self._down_inner()
        if errors:
            raise LabError("lab teardown incomplete:\n  " + "\n  ".join(errors))

    def __enter__(self) -> Lab:
        self.up()
        return self

    def __exit__(self, *exc: object) -> None:
        self.down()

    def ssh_command(self, host: str | Host) -> list[str]:
        """The ssh argv (without a remote command) to log into a host as root."""
        return hostlib.ssh_command(self.key_path, host if isinstance(host, Host) else self.host(host))

    def ssh(
        self,
        host: str | Host,
        cmd: str | Sequence[str],
        *,
        check: bool = False,
        timeout: float = 300,
        input: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run a shell command on a host as root; returns the CompletedProcess (text, output captured).

        A sequence is quoted for the remote shell; a string is passed to it as is.
        """
        h = host if isinstance(host, Host) else self.host(host)
        return hostlib.ssh_run(self.key_path, h, cmd, check=check, timeout=timeout, input=input)

    def ansible_env(self, **extra: str) -> dict[str, str]:
        """Environment for ``ansible``/``ansible-playbook`` subprocesses aimed at this lab."""
        return {
            **os.environ,
            "ANSIBLE_INVENTORY": str(self.inventory_path),
            "ANSIBLE_HOST_KEY_CHECKING": "False",
            "ANSIBLE_RETRY_FILES_ENABLED": "False",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_TIMEOUT": "10",
            **extra,
        }

    def stop_host(self, name: str, timeout: float | None = None) -> None:
        """Shut one host down (its address stops answering); the others and the network stay up."""
        h = self.host(name)
        self._end_ssh_clients([h])
        stop_containers([h], self.shutdown_timeout if timeout is None else timeout)

    def start_host(self, name: str) -> None:
        """Boot a stopped host again on the same overlay (like a reboot) and wait for SSH."""
        h = self.host(name)
        if not h.running:
            self._start_container(h)
            self._wait_ssh([h], time.monotonic() + self.boot_timeout)

    # ---- internals ---------------------------------------------------------------------------------

    def _up_inner(self) -> None:
        t0 = time.monotonic()
        self._prefix_lock = open_lock(cache_dir() / f"{self.prefix}.lock", fcntl.LOCK_EX, 0, "starting a lab")
        cleanup_stale(self.prefix, self.bridge)
        self._acquire_cache()
        t1 = time.monotonic()
        self.timings["cache"] = round(t1 - t0, 2)
        runs_root(self.prefix).mkdir(parents=True, exist_ok=True)
        self.run_dir = Path(tempfile.mkdtemp(prefix="run-", dir=runs_root(self.prefix)))
        self.run_dir.chmod(0o755)
        net = self.subnet
        self.hosts = [
            Host(
                name=f"{self.prefix}-h{i}",
                ip=str(net.network_address + HOST_OFFSET + i),
                netns=f"{self.prefix}-h{i}",
                veth=f"{self.prefix}-h{i}",
                dir=self.run_dir / "hosts" / f"{self.prefix}-h{i}",
            )
            for i in range(1, self.n_hosts + 1)
        ]
        self._make_bridge()
        self._start_http()
        for h in self.hosts:
            self._make_netns(h)
            self._mount_root(h)
        for h in self.hosts:
            self._configure_root(h)
        self._write_inventory()
        t2 = time.monotonic()
        self.timings["network_and_roots"] = round(t2 - t1, 2)
        for h in self.hosts:
            self._start_container(h)
        self._wait_ssh(self.hosts, time.monotonic() + self.boot_timeout)
        self.timings["boot_to_ssh"] = round(time.monotonic() - t2, 2)
        self.timings["up_total"] = round(time.monotonic() - t0, 2)

    def _acquire_cache(self) -> None:
        """Hold the build lock shared while up, so no rebuild swaps the image under running hosts.

        Labs of other prefixes share it; only a needed rebuild asks for it exclusively (and says so
        clearly if a running lab prevents that), then goes back to shared.
        """
        path = cache_dir() / "build.lock"
        self._cache_lock = open_lock(path, fcntl.LOCK_SH, 900, "using the lab cache")
        if image_is_current() and repo_is_current():
            return
        self._cache_lock.close()
        self._cache_lock = None
        build_cache()
        self._cache_lock = open_lock(path, fcntl.LOCK_SH, 900, "using the lab cache")

    def _make_bridge(self) -> None:
        network.add_bridge(self.bridge)
        self._bridge_made = True
        network.bring_up_bridge(self.bridge, self.bridge_ip, self.subnet.prefixlen)

    def _start_http(self) -> None:
        """Serve the repo on the bridge address only (never on the machine's other interfaces)."""
        assert self.run_dir is not None
        self._http_log = (self.run_dir / "apt-http.log").open("a")
        self._http = start_repo_server(self.bridge_ip, self.apt_port, self._http_log)

    def _make_netns(self, h: Host) -> None:
        network.make_netns(h.netns, h.veth, h.ip, self.bridge, self.subnet.prefixlen)

    def _mount_root(self, h: Host) -> None:
        hostlib.mount_root(h, self.prefix)

    def _configure_root(self, h: Host) -> None:
        """Per-host files, written through the overlay (the image stays untouched)."""
        hostlib.configure_root(h, self.hosts, self.bridge_ip, self.prefix, self.apt_url)

    def _write_inventory(self) -> None:
        assert self.run_dir is not None
        write_inventory(self.inventory_path, self.hosts, self.key_path, self.run_dir / "cp")

    def _end_ssh_clients(self, hosts: Sequence[Host]) -> None:
        """End ssh clients connected to these hosts (and, for all hosts, Ansible's ControlMasters)."""
        control_dir = None
        if self.run_dir is not None and hosts == self.hosts:
            control_dir = self.run_dir / "cp"
        hostlib.end_ssh_clients(hosts, control_dir)

    def _start_container(self, h: Host) -> None:
        hostlib.start_container(h, self.capabilities)

    def _wait_ssh(self, hosts: Sequence[Host], deadline: float) -> None:
        hostlib.wait_ssh(hosts, self.key_path, deadline, self.boot_timeout)

    def _down_inner(self) -> list[str]:
        errors: list[str] = []

        def attempt(what: str, fn: Any, *args: Any) -> None:
            try:
                fn(*args)
            except Exception as exc:
                errors.append(f"{what}: {exc}")

        # Ansible's ssh masters first: an open session would slow the container's clean shutdown.
        attempt("ending ssh clients", self._end_ssh_clients, self.hosts)
        attempt("stopping containers", stop_containers, self.hosts, self.shutdown_timeout)
        for h in self.hosts:
            if h.root.exists() and mounts_under(h.root):
                attempt(f"unmounting {h.root}", umount, str(h.root))
            attempt(f"deleting netns {h.netns}", delete_netns, h.netns)
            attempt(f"deleting {h.veth}", delete_link, h.veth)
        if self._http is not None:
            attempt("stopping the apt server", self._stop_http)
        if self._bridge_made and Path("/sys/class/net", self.bridge).exists():
            attempt(f"deleting {self.bridge}", delete_link, self.bridge)
        self._bridge_made = False
        if self.run_dir is not None and self.run_dir.exists():
            attempt(f"removing {self.run_dir}", rmtree_safely, self.run_dir)
        if self._prefix_lock is not None:
            remaining = leftovers(self.prefix, self.bridge)
            if remaining:  # belt and braces: whatever the steps above missed
                attempt("cleanup_stale", cleanup_stale, self.prefix, self.bridge)
            self._prefix_lock.close()
            self._prefix_lock = None
        if self._cache_lock is not None:
            self._cache_lock.close()
            self._cache_lock = None
        if self._up:
            self._up = False
            atexit.unregister(self._atexit)
            self._restore_sigterm()
        return errors

    def _stop_http(self) -> None:
        if self._http is not None:
            stop_repo_server(self._http)
            self._http = None
        if self._http_log is not None:
            self._http_log.close()
            self._http_log = None

    def _atexit(self) -> None:
        with contextlib.suppress(Exception):
            self.down()

    def _install_sigterm(self) -> None:
        if threading.current_thread() is threading.main_thread():
            self._old_sigterm = signal.signal(signal.SIGTERM, sigterm_to_interrupt)

    def _restore_sigterm(self) -> None:
        if self._old_sigterm is not None and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self._old_sigterm)
            self._old_sigterm = None
