"""Helpers shared by the scramjet end-to-end tests (server process control, info parsing,
polling). Fixtures live in conftest.py."""

import atexit
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections import deque
from pathlib import Path


import aerospike

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
READY_MARK = "ready: accepting clients on"
READY_DEADLINE_S = 30.0
STOP_DEADLINE_S = 10.0
DEFAULT_TEST_TIMEOUT_S = 60

# Placeholder that config templates use for the service port; `start_server` replaces it.
PORT_PLACEHOLDER = "__PORT__"

# Generous timeouts: the machine is small (2 cores) and may be compiling at the same time.
CLIENT_POLICIES = {
    "read": {"total_timeout": 5000},
    "write": {"total_timeout": 5000},
    "operate": {"total_timeout": 5000},
    "remove": {"total_timeout": 5000},
    "apply": {"total_timeout": 5000},
    "info": {"timeout": 5000},
}


def binary_path():
    env = os.environ.get("SCRAMJETD")
    if env:
        return Path(env)
    return REPO_ROOT / "target" / "release" / "scramjetd"


def _ephemeral_low():
    try:
        return int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _bindable(port):
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        with socket.socket(socket.AF_INET, kind) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


_HANDED_OUT = set()


def free_ports(n):
    """The first of `n` consecutive ports (TCP and UDP) that were free a moment ago, taken below
    the kernel's ephemeral range: a port the kernel hands out could be the local port of one of
    the many outgoing connections (clients, fabric) by the time a server binds it."""
    low = max(_ephemeral_low(), 12000)
    while True:
        first = random.randrange(10000, low - n)
        ports = range(first, first + n)
        if not _HANDED_OUT.intersection(ports) and all(_bindable(p) for p in ports):
            _HANDED_OUT.update(ports)  # never twice in one run, even before a server binds it
            return first


def free_port():
    """A port that was free a moment ago (see free_ports)."""
    return free_ports(1)


class ServerStartError(Exception):
    pass


class ScramjetServer:
    """One running scramjetd process."""

    def __init__(self, config_text=None, extra_args=(), host="127.0.0.1", port=None,
                 workdir=None):
        self.host = host
        self.port = port or free_port()
        self.binary = binary_path()
        self.config_path = None
        self.proc = None
        self._lines = deque(maxlen=400)
        self._lines_lock = threading.Lock()
        self._ready = threading.Event()
        self._reader = None
        self._tmpdir = None

        if not self.binary.exists():
            raise ServerStartError(
                f"scramjetd binary not found at {self.binary} "
                "(build it with `cargo build --release` or set $SCRAMJETD)")

        args = [str(self.binary), "--address", self.host, "--port", str(self.port)]
        if config_text is not None:
            if workdir is None:
                self._tmpdir = tempfile.TemporaryDirectory(prefix="scramjet-e2e-")
                workdir = self._tmpdir.name
            self.config_path = Path(workdir) / f"scramjetd-{self.port}.conf"
            self.config_path.write_text(config_text.replace(PORT_PLACEHOLDER, str(self.port)))
            args += ["--config-file", str(self.config_path)]
        args += list(extra_args)
        # Each server keeps its system metadata (index definitions) in its own work directory,
        # kept across restarts of this object and removed when the tests end.
        if "--work-directory" not in args and "work-directory" not in (config_text or ""):
            self.work_directory = tempfile.mkdtemp(prefix="scramjet-work-")
            atexit.register(shutil.rmtree, self.work_directory, True)
            args += ["--work-directory", self.work_directory]
        self.args = args

    # -- process control -------------------------------------------------------------

    def spawn(self):
        """Start the process without waiting for readiness."""
        self.proc = subprocess.Popen(
            self.args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=str(REPO_ROOT),
        )
        self._reader = threading.Thread(target=self._drain, name=f"scramjetd-{self.port}-stderr",
                                        daemon=True)
        self._reader.start()
        return self

    def _drain(self):
        # Keep reading forever so the pipe never fills; remember the last lines.
        for raw in iter(self.proc.stderr.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self._lines_lock:
                self._lines.append(line)
            if READY_MARK in line:
                self._ready.set()
        self.proc.stderr.close()

    def wait_ready(self, deadline_s=READY_DEADLINE_S):
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            if self._ready.wait(timeout=0.05):
                return self
            if self.proc.poll() is not None:
                # Give the reader a moment to collect the last lines, then report.
                self._reader.join(timeout=2)
                raise ServerStartError(
                    f"scramjetd exited with code {self.proc.returncode} before printing "
                    f"{READY_MARK!r}; args={self.args}\n--- stderr tail ---\n"
                    + self.stderr_tail())
        self.stop()
        raise ServerStartError(
            f"scramjetd did not print {READY_MARK!r} within {deadline_s} s; args={self.args}\n"
            "--- stderr tail ---\n" + self.stderr_tail())

    def wait_exit(self, timeout_s):
        """Wait for the process to exit on its own; return its exit code (None on timeout)."""
        try:
            rc = self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return None
        self._reader.join(timeout=2)
        return rc

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_DEADLINE_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=STOP_DEADLINE_S)
        if self._reader is not None:
            self._reader.join(timeout=2)
        if self._tmpdir is not None:
            self._tmpdir.cleanup()
            self._tmpdir = None
        return self.proc.returncode

    def kill(self):
        """SIGKILL: the process gets no chance to flush anything, as in a crash."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=STOP_DEADLINE_S)
        if self._reader is not None:
            self._reader.join(timeout=2)
        return self.proc.returncode

    def stderr_lines(self):
        with self._lines_lock:
            return list(self._lines)

    def stderr_tail(self, n=60):
        return "\n".join(self.stderr_lines()[-n:])

    # -- conveniences ------------------------------------------------------------------

    def client(self, **config):
        cfg = {"hosts": [(self.host, self.port)], "policies": dict(CLIENT_POLICIES),
               "lua": {"user_path": LUA_USER_PATH}}
        cfg.update(config)
        try:
            return aerospike.client(cfg).connect()
        except Exception as e:  # pragma: no cover - failure path
            raise AssertionError(
                f"official client could not connect to scramjetd at {self.host}:{self.port}: "
                f"{e!r}\n--- stderr tail ---\n{self.stderr_tail()}") from e

    def __repr__(self):
        return f"<scramjetd {self.host}:{self.port} pid={self.proc.pid if self.proc else None}>"


# Where the clients look for the Lua modules of aggregations (the client runs their final
# steps). The C client configures its Lua once per process, from the first client made, so every
# client of the test process gets the same directory; tests put their modules there.
LUA_USER_PATH = tempfile.mkdtemp(prefix="scramjet-e2e-lua-")


def info(client, command):
    """Run an info command on the (single) node through the official client.

    `info_all` returns {node_name: (error, text)}; the client strips the echoed
    `command\\t` prefix and leaves the trailing newline (observed with aerospike 19.3.0;
    aerospike-client-python src/main/client/info.c does strchr(res, '\\t') + 1).
    Returns the value text without the trailing newline.
    """
    res = client.info_all(command)
    assert isinstance(res, dict) and len(res) == 1, (
        f"info_all({command!r}): expected a dict with exactly one node, got {res!r}")
    (node, (err, text)), = res.items()
    assert err is None, f"info_all({command!r}) on node {node}: error {err!r}"
    assert isinstance(text, str), f"info_all({command!r}): expected str, got {text!r}"
    return text.rstrip("\n")


def parse_kv(text, sep=";"):
    """Parse `k=v;k=v` into a dict (values kept as strings)."""
    out = {}
    for item in text.split(sep):
        if not item:
            continue
        k, eq, v = item.partition("=")
        out[k] = v if eq else None
    return out


def poll(fn, deadline_s, interval_s=0.05, desc="condition"):
    """Call fn() until it returns a truthy value or the deadline passes.

    Returns the truthy value; on timeout raises AssertionError naming the last value seen.
    This is how tests wait for something that needs time (expiry, stats, closed sockets).
    """
    end = time.monotonic() + deadline_s
    last = None
    while True:
        last = fn()
        if last:
            return last
        if time.monotonic() >= end:
            raise AssertionError(f"{desc}: not reached within {deadline_s} s (last value {last!r})")
        time.sleep(interval_s)


def wait_for_job(client, job_id, deadline_s=30):
    """Wait until background job `job_id` has finished on the server, as `job_info` reports it
    (the server answers `execute_background` as soon as the job starts); returns the job info."""

    def finished():
        info = client.job_info(job_id, aerospike.JOB_QUERY)
        return info if info["status"] == aerospike.JOB_STATUS_COMPLETED else None

    return poll(finished, deadline_s, interval_s=0.01, desc=f"background job {job_id} finished")


def namespace_config(extra_ns="", extra_service="", data_size="64M", nsup_period=1,
                     default_ttl=0, max_record_size=None):
    """A complete config file text in Aerospike stanza syntax (port placeholder included)."""
    mrs = f"    max-record-size {max_record_size}\n" if max_record_size else ""
    return f"""# scramjet e2e config
service {{
{extra_service}
}}
network {{
    service {{
        address 127.0.0.1
        port {PORT_PLACEHOLDER}
    }}
}}
namespace test {{
    default-ttl {default_ttl}
    nsup-period {nsup_period}
{mrs}{extra_ns}
    storage-engine memory {{
        data-size {data_size}
    }}
}}
"""


CLUSTER_NODE_CONFIG = """
service {
    node-id %(id)X
    auto-pin none
    %(name)s
}
network {
    heartbeat {
        mode mesh
        address 127.0.0.1
        port %(hb)d
        mesh-seed-address-port 127.0.0.1 %(seed)d
        interval 150
        timeout 10
    }
    fabric {
        port %(fabric)d
    }
}
namespace test {
    %(rf)s
    %(storage)s
}
"""


def cluster_node_config(node_id, hb, seed, name="", replication_factor=None, data_size="128M", device=None):
    """A node of a local cluster on 127.0.0.1: heartbeats on UDP port `hb`, seeded by the node
    whose heartbeat port is `seed`; its fabric on a port of its own. With `device` (a file
    path) the namespace is on that file with commit-to-device, else in memory."""
    if device:
        storage = (f"storage-engine device {{\n        file {device}\n        filesize 64M\n"
                   "        commit-to-device true\n    }")
    else:
        storage = f"storage-engine memory {{\n        data-size {data_size}\n    }}"
    return CLUSTER_NODE_CONFIG % {
        "id": node_id, "hb": hb, "seed": seed, "fabric": free_port(), "storage": storage,
        "name": f"cluster-name {name}" if name else "",
        "rf": f"replication-factor {replication_factor}" if replication_factor else "",
    }


def netns_available():
    """Network namespace tests need root and iproute2."""
    return os.geteuid() == 0 and shutil.which("ip") is not None
