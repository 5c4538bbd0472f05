"""scramjet-perf against a started scramjetd: its JSON report counts what it did, and the
records it wrote are there for the official client to read."""

import json
import subprocess
import sys

from scramjet_e2e import REPO_ROOT

PERF = REPO_ROOT / "target" / "release" / "scramjet-perf"


def perf(server, tmp_path, *args, name="report"):
    out = tmp_path / f"{name}.json"
    done = subprocess.run([str(PERF), "-h", server.host, "-p", str(server.port), "-q", "--json", str(out), *args],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"scramjet-perf failed:\n{done.stdout}\n{done.stderr}"
    return json.loads(out.read_text()), done.stdout


def test_insert_then_read_update_counts_every_operation(server, client, tmp_path):
    report, out = perf(server, tmp_path, "-s", "perfset", "-w", "I", "-k", "2000", "-K", "100000", "-o", "I,S20",
                       "-z", "8", name="insert")
    assert report["ops"] == 2000 and report["errors"] == 0, report
    assert report["by_op"]["write"]["ops"] == 2000
    for field in ("p50", "p90", "p99", "p999", "max"):
        assert report["latency_us"][field] >= 1 and report["by_op"]["write"]["latency_us"][field] >= 1
    assert report["latency_us"]["p50"] <= report["latency_us"]["p99"] <= report["latency_us"]["max"]
    assert report["throughput"] > 0 and report["tool_cpu"]["us_per_op"] > 0
    assert "total: 2000 ops" in out
    # Every key of the range is there, with the object spec's bins.
    _, meta, bins = client.get(("test", "perfset", 100000))
    assert set(bins) == {"testbin", "testbin_2"} and isinstance(bins["testbin"], int) and len(bins["testbin_2"]) == 20
    _, meta, _ = client.get(("test", "perfset", 101999))
    assert meta is not None

    report, _ = perf(server, tmp_path, "-s", "perfset", "-w", "RU,70", "-k", "2000", "-K", "100000", "-o", "I,S20",
                     "--ops", "5000", "-z", "16", "--threads", "2", name="ru")
    assert report["ops"] == 5000 and report["errors"] == 0, report
    reads, writes = report["by_op"]["read"]["ops"], report["by_op"]["write"]["ops"]
    assert reads + writes == 5000 and 3200 < reads < 3800, (reads, writes)
    assert report["by_op"]["read"]["not_found"] == 0

    report, _ = perf(server, tmp_path, "-s", "perfset", "-w", "RU,100", "-k", "2000", "-K", "100000", "--ops", "300",
                     "--batch-size", "10", "--distribution", "hotspot:10,90", name="batch")
    assert report["ops"] == 300 and report["by_op"]["batch"]["ops"] == 300 and report["errors"] == 0, report

    report, _ = perf(server, tmp_path, "-s", "perfset", "-w", "D", "-k", "2000", "-K", "100000", name="delete")
    assert report["by_op"]["delete"]["ops"] == 2000 and report["by_op"]["delete"]["not_found"] == 0
    assert client.exists(("test", "perfset", 100500))[1] is None


def test_throttle_and_bad_flags(server, tmp_path):
    report, _ = perf(server, tmp_path, "-w", "RU,50", "-k", "1000", "-K", "200000", "-g", "500", "-t", "2",
                     name="throttle")
    # 2 s at 500/s: about 1000 operations; the count is the check, not the wall clock.
    assert 900 <= report["ops"] <= 1100, report["ops"]
    for bad in (["-o", "X9"], ["-w", "RU,120"], ["--distribution", "zipf"], ["-n", "nosuchns", "--ops", "1"]):
        done = subprocess.run([str(PERF), "-h", server.host, "-p", str(server.port), "-q", *bad],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode != 0 and "scramjet-perf:" in done.stderr, (bad, done.stderr)


def test_a_missing_server_is_a_clear_error():
    done = subprocess.run([str(PERF), "-h", "127.0.0.1", "-p", "1", "-q", "--ops", "1"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode != 0 and "127.0.0.1:1" in done.stderr, done.stderr


def test_charts_are_drawn_from_the_per_second_series(server, tmp_path):
    """scramjet-perf's JSON carries each second; scripts/charts.py draws them as a PNG."""
    report, _ = perf(server, tmp_path, "-w", "RU,50", "-k", "500", "-t", "2", "-z", "4", name="ru")
    seconds = report["per_second"]
    assert [s["second"] for s in seconds] == list(range(1, len(seconds) + 1)) and len(seconds) >= 2
    assert sum(s["ops"] for s in seconds) <= report["ops"]
    busy = [s for s in seconds if s["ops"] > 0]
    assert len(busy) >= 2 and all(0 < s["p50_us"] <= s["p99_us"] <= s["p999_us"] for s in busy), seconds
    png = tmp_path / "chart.png"
    done = subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / "charts.py"), str(png), "RU,50",
                           f"one={tmp_path / 'ru.json'}", f"two={tmp_path / 'ru.json'}"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
