"""truncate / truncate-namespace: records last updated before the truncate time disappear at
once, on every shard, and stay gone after a restart; later writes are kept."""

import time

import pytest
from aerospike import exception as ex

import aswire
from scramjet_e2e import info, namespace_config, parse_kv, poll
from test_storage import device_config


def count(c, set_name):
    return sum(1 for i in range(200) if c.exists(("test", set_name, i))[1])


def test_truncate_set_keeps_other_sets_and_later_writes(start_server, new_client):
    srv = start_server(namespace_config())
    c = new_client(srv)
    for i in range(200):
        c.put(("test", "doomed", i), {"i": i})
        c.put(("test", "kept", i), {"i": i})
    c.truncate("test", "doomed", 0)
    assert count(c, "doomed") == 0, "truncated records must be invisible at once"
    assert count(c, "kept") == 200
    c.put(("test", "doomed", 5), {"again": 1})
    assert c.get(("test", "doomed", 5))[2] == {"again": 1}
    # The sweep reaps them: object counts follow.
    poll(lambda: parse_kv(info(c, "namespace/test"))["objects"] == "201", 15, desc="truncated records reaped")
    sets = info(c, "sets/test/doomed")
    assert "objects=1:" in sets and "truncate_lut=0:" not in sets, sets


def test_truncate_namespace(start_server, new_client):
    srv = start_server(namespace_config())
    c = new_client(srv)
    for i in range(200):
        c.put(("test", "a", i), {"i": i})
        c.put(("test", "b", i), {"i": i})
    c.truncate("test", None, 0)
    assert count(c, "a") == 0 and count(c, "b") == 0


def test_truncate_with_lut_keeps_newer_records(start_server, new_client):
    srv = start_server(namespace_config())
    c = new_client(srv)
    for i in range(100):
        c.put(("test", "lut", i), {"i": i})
    # Last-update times are in milliseconds: keep a few of them between the batches and the cut.
    before = time.time_ns()
    poll(lambda: time.time_ns() > before + 5_000_000, 1, interval_s=0.001, desc="clock moved on")
    cut = time.time_ns()
    poll(lambda: time.time_ns() > cut + 5_000_000, 1, interval_s=0.001, desc="clock moved past the cut")
    for i in range(100, 200):
        c.put(("test", "lut", i), {"i": i})
    c.truncate("test", "lut", cut)
    assert count(c, "lut") == 100
    assert all(c.exists(("test", "lut", i))[1] for i in range(100, 200))


@pytest.mark.parametrize("command, code", [
    ("truncate:namespace=test", "4"),
    ("truncate-namespace:namespace=test;lut=99999999999999999999", "4"),
    (f"truncate:namespace=test;set=x;lut={(int(time.time()) + 3600) * 10**9}", "4"),
])
def test_bad_truncate_is_refused(server, command, code):
    text = aswire.info_raw(server.host, server.port, [command])
    assert text.startswith(f"{command}\tERROR:{code}:"), text


def test_truncate_of_an_unknown_namespace_answers_ok(client, server):
    """Aerospike accepts a truncate of a namespace it does not have (as_truncate_cmd does not
    look the namespace up): the official client gets 0, the info command "ok"."""
    assert client.truncate("no_such_namespace", "some_set", 0) == 0
    assert client.truncate("no_such_namespace", None, 0) == 0
    for command in ("truncate:namespace=nope;set=x", "truncate-namespace:namespace=nope"):
        text = aswire.info_raw(server.host, server.port, [command])
        assert text == f"{command}\tok\n", text


def test_truncate_survives_restart_on_device(start_server, new_client, tmp_path):
    path = tmp_path / "test.dat"
    # commit-to-device, so that the write after the truncate is durable when acknowledged.
    srv = start_server(device_config(path, commit=True))
    c = new_client(srv)
    for i in range(200):
        c.put(("test", "doomed", i), {"i": i})
        c.put(("test", "kept", i), {"i": i})
    c.truncate("test", "doomed", 0)
    c.put(("test", "doomed", 7), {"after": 1})
    srv.kill()  # the truncate answered only once its markers were durable
    srv = start_server(device_config(path, commit=True))
    c = new_client(srv)
    assert count(c, "doomed") == 1
    assert c.get(("test", "doomed", 7))[2] == {"after": 1}
    assert count(c, "kept") == 200
    with pytest.raises(ex.RecordNotFound):
        c.get(("test", "doomed", 8))
