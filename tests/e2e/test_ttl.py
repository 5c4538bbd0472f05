"""Record TTL: explicit, never-expire, don't-update, namespace default, limits, expiry."""

import pytest

import aerospike
from aerospike import exception as ex

from scramjet_e2e import info, namespace_config, parse_kv, poll

NEVER = 4294967295  # the 19.x client reports void time 0 as ttl 0xFFFFFFFF (observed, 19.3.0)
MAX_TTL = 315360000  # 10 years, server MAX_ALLOWED_TTL (PROTOCOL.md section 2)


def ttl_of(client, k):
    _, meta, _ = client.get(k)
    return meta["ttl"]


def test_explicit_ttl(client, key):
    k = key()
    client.put(k, {"a": 1}, meta={"ttl": 100})
    ttl = ttl_of(client, k)
    assert 95 <= ttl <= 100, f"expected ttl ~100, got {ttl}"


def test_ttl_via_write_policy(client, key):
    # 19.x deprecates meta["ttl"] in favour of policy["ttl"]; both put the TTL in the as_msg
    # record_ttl field.
    k = key()
    client.put(k, {"a": 1}, policy={"ttl": 200})
    ttl = ttl_of(client, k)
    assert 195 <= ttl <= 200, f"expected ttl ~200, got {ttl}"


def test_ttl_never_expire(client, key):
    k = key()
    # aerospike.TTL_NEVER_EXPIRE == 0xFFFFFFFF in 19.x; -1 is accepted too (same wire value).
    client.put(k, {"a": 1}, meta={"ttl": aerospike.TTL_NEVER_EXPIRE})
    assert ttl_of(client, k) == NEVER
    client.put(k, {"a": 2}, meta={"ttl": 100})
    client.put(k, {"a": 3}, meta={"ttl": -1})
    assert ttl_of(client, k) == NEVER, "ttl -1 should also mean never expire"


def test_ttl_dont_update(client, key):
    k = key()
    client.put(k, {"a": 1}, meta={"ttl": 1000})
    client.put(k, {"a": 2}, meta={"ttl": aerospike.TTL_DONT_UPDATE})
    ttl = ttl_of(client, k)
    assert 990 <= ttl <= 1000, f"TTL_DONT_UPDATE must keep the previous ttl ~1000, got {ttl}"
    client.put(k, {"a": 3}, meta={"ttl": -2})
    ttl = ttl_of(client, k)
    assert 990 <= ttl <= 1000, f"ttl -2 must keep the previous ttl ~1000, got {ttl}"
    assert client.get(k)[2] == {"a": 3}


def test_ttl_dont_update_on_create_uses_default(client, key):
    k = key()
    client.put(k, {"a": 1}, meta={"ttl": aerospike.TTL_DONT_UPDATE})
    # On create, TTL_DONT_UPDATE is treated as "namespace default" (server write.c:
    # "Convert message TTL special value"); the default namespace has default-ttl 0 = never.
    assert ttl_of(client, k) == NEVER


def test_ttl_zero_is_namespace_default(client, key):
    k = key()
    client.put(k, {"a": 1}, meta={"ttl": 100})
    client.put(k, {"a": 2}, meta={"ttl": aerospike.TTL_NAMESPACE_DEFAULT})
    assert ttl_of(client, k) == NEVER, "ttl 0 = namespace default-ttl (0 = never) on update too"


def test_max_ttl_accepted(client, key):
    k = key()
    client.put(k, {"a": 1}, meta={"ttl": MAX_TTL})
    ttl = ttl_of(client, k)
    assert MAX_TTL - 10 <= ttl <= MAX_TTL, f"expected ttl ~{MAX_TTL}, got {ttl}"


def test_ttl_beyond_ten_years_rejected(client, key):
    k = key()
    # The client sends it (no client-side check, observed 19.3.0); the server rejects it with
    # AS_ERR_PARAMETER (write.c write_master_preprocessing: is_valid_ttl).
    with pytest.raises(ex.InvalidRequest) as ei:
        client.put(k, {"a": 1}, meta={"ttl": MAX_TTL + 1})
    assert ei.value.code == 4, f"expected code 4, got {ei.value.code}"
    with pytest.raises(ex.RecordNotFound):
        client.get(k)


def test_touch_without_ttl_uses_default(client, key):
    k = key()
    client.put(k, {"a": 1}, meta={"ttl": 500})
    client.touch(k)  # val defaults to 0 = namespace default
    assert ttl_of(client, k) == NEVER


def test_configured_default_ttl(start_server, new_client, key):
    srv = start_server(namespace_config(default_ttl=50, nsup_period=1))
    c = new_client(srv)
    k = key()
    c.put(k, {"a": 1})
    ttl = ttl_of(c, k)
    assert 45 <= ttl <= 50, f"namespace default-ttl 50 should apply, got {ttl}"
    c.put(k, {"a": 2}, meta={"ttl": aerospike.TTL_NEVER_EXPIRE})
    assert ttl_of(c, k) == NEVER, "explicit never-expire overrides the namespace default"


def test_expiry(start_server, new_client, key):
    srv = start_server(namespace_config(nsup_period=1))
    c = new_client(srv)
    k = key("short")
    keep = key("keep")
    c.put(keep, {"a": 0})
    c.put(k, {"a": 1}, meta={"ttl": 1})
    assert c.get(k)[2] == {"a": 1}  # read right away (1 s TTL)

    def gone():
        try:
            c.get(k)
            return False
        except ex.RecordNotFound:
            return True

    poll(gone, 10, interval_s=0.1, desc="record with ttl 1 becomes not found")
    _, meta = c.exists(k)
    assert meta is None, f"expired record must not exist, got meta {meta}"
    assert c.get(keep)[2] == {"a": 0}, "the never-expiring record must still be there"

    # nsup (period 1 s) removes the expired record from the namespace object count.
    def objects_is_one():
        return parse_kv(info(c, "namespace/test")).get("objects") == "1"

    poll(objects_is_one, 10, interval_s=0.1, desc="namespace objects drops to 1 after expiry")


def test_expired_record_can_be_recreated(start_server, new_client, key):
    srv = start_server(namespace_config(nsup_period=1))
    c = new_client(srv)
    k = key()
    c.put(k, {"a": 1, "old": True}, meta={"ttl": 1})

    def gone():
        return c.exists(k)[1] is None

    poll(gone, 10, interval_s=0.1, desc="record with ttl 1 expires")
    # Also wait for nsup to reap it, so the recreate below is a genuinely fresh record.
    poll(lambda: parse_kv(info(c, "namespace/test")).get("objects") == "0", 10, interval_s=0.1,
         desc="nsup removes the expired record (objects=0)")
    with pytest.raises(ex.RecordNotFound):
        c.put(k, {"a": 2}, policy={"exists": aerospike.POLICY_EXISTS_UPDATE})
    c.put(k, {"a": 3}, policy={"exists": aerospike.POLICY_EXISTS_CREATE})
    _, meta, bins = c.get(k)
    assert bins == {"a": 3}, f"expired bins must not come back, got {bins}"
    assert meta["gen"] == 1, f"an expired record is recreated at gen 1, got {meta}"
