"""Latency histograms and the ticker (issue 18): `latencies:` in Aerospike's format
(cf/src/hist.c, thr_info.c cmd_latencies): `name:msec,TPS,>1ms%,>2ms%,...,>65536ms%;` per
histogram, as of the last ticker dump; the ticker's block in the log."""

import pytest

from aerospike import exception as ex

from scramjet_e2e import info, namespace_config, poll

NAMES = ["batch-index"] + [f"{{test}}-{k}" for k in (
    "read", "write", "udf", "batch-sub-read", "batch-sub-write", "batch-sub-udf", "pi-query", "si-query")]


def parse(text):
    """{name: None (no dump yet) or (tps, [17 percentages])}"""
    out = {}
    for item in filter(None, text.split(";")):
        name, _, value = item.partition(":")
        if not value:
            out[name] = None
            continue
        unit, tps, *pcts = value.split(",")
        assert unit == "msec" and len(pcts) == 17, item
        out[name] = (float(tps), [float(p) for p in pcts])
    return out


def test_latencies_count_each_kind_and_the_ticker_logs(start_server, new_client, tmp_path):
    srv = start_server(namespace_config(extra_service="    ticker-interval 1"))
    c = new_client(srv)
    # Before two dumps every histogram is there, empty.
    first = parse(info(c, "latencies:"))
    assert list(first) == NAMES and all(v is None or v[0] == 0 for v in first.values())
    module = tmp_path / "lat.lua"
    module.write_text("function f(rec) return 1 end")
    c.udf_put(str(module))
    keys = [("test", "lat", i) for i in range(50)]

    def load_seen():
        # Load while waiting: the next dump covers an interval with operations of every kind.
        for k in keys:
            c.put(k, {"a": 1})
            c.get(k)
        c.apply(keys[0], "lat", "f", [])
        c.batch_read(keys[:10])
        c.scan("test", "lat").results()
        got = parse(info(c, "latencies:"))
        wanted = ["{test}-read", "{test}-write", "{test}-udf", "batch-index", "{test}-batch-sub-read",
                  "{test}-pi-query"]
        return got if all(got[n] is not None and got[n][0] > 0 for n in wanted) else None

    got = poll(load_seen, 30, desc="a dump with operations of every kind")
    for name, value in got.items():
        if value is None:
            continue
        tps, pcts = value
        assert tps >= 0 and all(0 <= p <= 100 for p in pcts), (name, value)
        # The share at or over a threshold only falls as the threshold grows.
        assert pcts == sorted(pcts, reverse=True), (name, pcts)
    one = info(c, "latencies:hist={test}-read")
    assert one.startswith("{test}-read:msec,") and one.count(";") == 1
    for bad in ("{nope}-read", "bogus"):
        with pytest.raises(ex.InvalidRequest):
            info(c, f"latencies:hist={bad}")
    # The ticker's block is in the log, with the histograms that saw operations.
    poll(lambda: any("histogram dump: {test}-read" in line for line in srv.stderr_lines()), 10,
         desc="a histogram dump in the log")
    lines = srv.stderr_lines()
    assert any("NODE-ID" in line and "CLUSTER-SIZE 1" in line for line in lines)
    assert any("{test} objects: all 50" in line for line in lines)
    assert any("{test} client: read (" in line for line in lines)
