"""End-to-end fixtures: start the real `scramjetd` binary and drive it with the official
Aerospike Python client (PyPI `aerospike` 19.x).

Server contract relied on here (see the lead's brief):
  * binary `target/release/scramjetd` under the repo root, overridable with $SCRAMJETD;
  * flags `--config-file PATH --address ADDR --port PORT [--service-threads N]`;
  * logs to stderr and prints a line containing `ready: accepting clients on ADDR:PORT` once
    every shard accepts clients;
  * SIGTERM stops it.

Fixtures:
  * `server`       -- one session-wide server running the embedded default config
                      (namespace `test`, in memory, default-ttl 0, nsup-period 120, ...).
  * `client`       -- a connected client for `server` (session-wide).
  * `start_server` -- factory for per-test servers with a special config; they are stopped
                      when the test ends.
  * `new_client`   -- factory for extra clients; closed when the test ends.
  * `key`          -- factory of keys unique to the running test, so tests sharing the
                      session server do not see each other's records.
"""

import re
import signal

import pytest

from scramjet_e2e import (
    DEFAULT_TEST_TIMEOUT_S,
    ScramjetServer,
    ServerStartError,
)


# ---------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def server():
    try:
        srv = ScramjetServer().spawn().wait_ready()
    except ServerStartError as e:
        pytest.fail(str(e), pytrace=False)
    yield srv
    rc = srv.stop()
    # A crash would show up as a negative return code (signal) other than SIGTERM.
    assert rc in (0, -signal.SIGTERM, 128 + signal.SIGTERM), (
        f"session scramjetd exited with unexpected code {rc}\n{srv.stderr_tail()}")


@pytest.fixture(scope="session")
def client(server):
    c = server.client()
    yield c
    c.close()


@pytest.fixture
def start_server():
    """Factory: start_server(config_text=None, extra_args=()) -> running ScramjetServer.

    `config_text` may contain the placeholder __PORT__ which is replaced by the chosen port
    (the port is also passed with --port).
    """
    started = []

    def _start(config_text=None, extra_args=(), wait=True):
        try:
            srv = ScramjetServer(config_text=config_text, extra_args=extra_args)
            started.append(srv)
            srv.spawn()
            if wait:
                srv.wait_ready()
        except ServerStartError as e:
            pytest.fail(str(e), pytrace=False)
        return srv

    yield _start
    for srv in started:
        srv.stop()


@pytest.fixture(autouse=True)
def _session_server_still_alive(request):
    """After each test that used the session server, check the process did not die."""
    yield
    if "server" in request.fixturenames:
        srv = request.getfixturevalue("server")
        assert srv.alive(), (
            f"session scramjetd died during this test (exit code {srv.proc.returncode})\n"
            f"--- stderr tail ---\n{srv.stderr_tail()}")


@pytest.fixture
def new_client():
    made = []

    def _new(srv, **config):
        c = srv.client(**config)
        made.append(c)
        return c

    yield _new
    for c in made:
        try:
            c.close()
        except Exception:
            pass


@pytest.fixture
def key(request):
    """key(x, set='demo') -> ('test', set, '<test name>:<x>') unique to this test."""
    prefix = re.sub(r"[^A-Za-z0-9_.-]", "_", request.node.name)[-60:]

    def _key(x="k", set="demo", ns="test"):
        return (ns, set, f"{prefix}:{x}")

    return _key


# ---------------------------------------------------------------------------------------
# Per-test timeout: pytest-timeout if installed (pytest.ini sets timeout = 60), otherwise a
# SIGALRM fallback so a hung server can never hang the suite.
# ---------------------------------------------------------------------------------------

def pytest_configure(config):
    config.addinivalue_line("markers", "timeout(seconds): per-test timeout (pytest-timeout)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    if item.config.pluginmanager.hasplugin("timeout") or not hasattr(signal, "SIGALRM"):
        yield
        return
    marker = item.get_closest_marker("timeout")
    seconds = int(marker.args[0]) if marker and marker.args else DEFAULT_TEST_TIMEOUT_S

    def _alarm(signum, frame):
        raise TimeoutError(f"test exceeded {seconds} s (SIGALRM fallback timeout)")

    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
