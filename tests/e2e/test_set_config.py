"""Run-time settings: set-config changes take effect at once on every shard, bad changes are
refused with an ERROR value and change nothing."""

import aerospike
import pytest

from aerospike import exception as ex

import aswire
from scramjet_e2e import info, namespace_config, parse_kv, poll


def namespace_setting(c, item):
    return parse_kv(info(c, "get-config:context=namespace;id=test"))[item]


def objects(c):
    return int(parse_kv(info(c, "namespace/test"))["objects"])


def test_nsup_period_at_run_time_allows_ttls_and_reaps(start_server, new_client):
    # With nsup-period 0 a TTL is refused with 22 (write.c "disallowed ttl with nsup-period 0").
    srv = start_server(namespace_config(nsup_period=0))
    c = new_client(srv)
    with pytest.raises(ex.ForbiddenError):
        c.put(("test", "cfg", "early"), {"a": 1}, meta={"ttl": 1})
    c.put(("test", "cfg", "forever"), {"a": 1}, meta={"ttl": aerospike.TTL_NEVER_EXPIRE})

    assert info(c, "set-config:context=namespace;id=test;nsup-period=1") == "ok"
    assert namespace_setting(c, "nsup-period") == "1"
    # Many keys so that both shards hold some: every shard must have taken the change.
    keys = [("test", "cfg", i) for i in range(64)]
    for k in keys:
        c.put(k, {"a": 1}, meta={"ttl": 1})
    assert objects(c) == 65
    poll(lambda: objects(c) == 1, 15, interval_s=0.2, desc="nsup reaps the 64 expired records")
    for k in keys:
        with pytest.raises(ex.RecordNotFound):
            c.get(k)
    assert c.get(("test", "cfg", "forever"))[2] == {"a": 1}


@pytest.mark.parametrize("command, code", [
    ("set-config:context=namespace;id=test;default-ttl=soon", "4"),
    ("set-config:context=namespace;id=test;no-such-item=1", "4"),
    ("set-config:context=namespace;id=test;default-ttl=11000d", "4"),
    ("set-config:context=namespace;id=test;replication-factor=3", "4"),
    ("set-config:context=namespace;id=nope;default-ttl=1", "20"),
    ("set-config:context=namespace;default-ttl=1", "4"),
    ("set-config:default-ttl=1", "4"),
    ("set-config:context=service;proto-fd-max=0", "4"),
    ("set-config:context=namespace;id=test", "4"),
])
def test_bad_set_config_is_refused_and_changes_nothing(start_server, new_client, command, code):
    srv = start_server(namespace_config(default_ttl=0))
    text = aswire.info_raw(srv.host, srv.port, [command])
    assert text.startswith(f"{command}\tERROR:{code}:"), f"expected ERROR:{code} for {command!r}, got {text!r}"
    c = new_client(srv)
    assert namespace_setting(c, "default-ttl") == "0"


def test_service_settings_at_run_time(start_server, new_client):
    srv = start_server(namespace_config())
    c = new_client(srv)
    assert info(c, "set-config:context=service;proto-fd-idle-ms=1500;proto-fd-max=500") == "ok"
    service = parse_kv(info(c, "get-config:context=service"))
    assert service["proto-fd-idle-ms"] == "1500" and service["proto-fd-max"] == "500", service
    # The new idle limit applies to connections: a silent socket is closed.
    s = aswire.connect(srv.host, srv.port)
    try:
        assert aswire.wait_closed(s, 10), "a silent connection should be closed after proto-fd-idle-ms"
    finally:
        s.close()
