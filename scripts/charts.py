#!/usr/bin/env python3
"""PNG charts of benchmark runs, second by second, from scramjet-perf's `--json` reports.

    scripts/charts.py OUT.png "TITLE" LABEL=REPORT.json [LABEL=REPORT.json ...]
    scripts/charts.py --from SERIES.json      (the series bench_perf.py --charts saves: draws
                                               SERIES.png again)

One chart, two panels sharing the time axis: operations per second above; below, the p50
(dashed) and p99 (solid) latency of each second on a log scale. One line (one colour) per
labelled report: a server, a build, or a phase of a run. `bench_perf.py --charts DIR` calls
`write_chart` for its runs. Needs matplotlib (`pip install matplotlib`; the test venv has it).
"""

import json
import sys
from pathlib import Path


def write_chart(path, title, runs, marks=()):
    """`runs`: [(label, per_second)], `per_second` as scramjet-perf's JSON gives it; `marks`:
    [(second, label)], events drawn as vertical lines across both panels (a node killed, ...)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(9, 6), constrained_layout=True)
    for i, (label, seconds) in enumerate(runs):
        colour = f"C{i}"
        xs = [s["second"] for s in seconds]
        top.plot(xs, [s["ops"] for s in seconds], color=colour, label=label)
        bottom.plot(xs, [max(s["p50_us"], 1) for s in seconds], color=colour, linestyle="--",
                    label=f"{label} p50")
        bottom.plot(xs, [max(s["p99_us"], 1) for s in seconds], color=colour, label=f"{label} p99")
    for j, (second, label) in enumerate(marks):
        for axis in (top, bottom):
            axis.axvline(second, color="grey", linestyle=":", linewidth=1)
        top.annotate(label, (second, 0), xytext=(3, 4 + 12 * j), textcoords="offset points", fontsize="small",
                     color="dimgrey")
    top.set_title(title)
    top.set_ylabel("operations / s")
    top.set_ylim(bottom=0)
    top.grid(True, alpha=0.3)
    top.legend(loc="lower right", fontsize="small")
    bottom.set_yscale("log")
    bottom.yaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
    bottom.yaxis.set_minor_locator(matplotlib.ticker.LogLocator(subs=(2, 5)))
    bottom.yaxis.set_minor_formatter(matplotlib.ticker.ScalarFormatter())
    bottom.set_ylabel("latency (µs)")
    bottom.set_xlabel("second of the run")
    bottom.grid(True, which="both", alpha=0.3)
    bottom.legend(loc="center right", fontsize="small", ncol=2, framealpha=0.8)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv):
    if len(argv) == 3 and argv[1] == "--from":
        saved = json.loads(Path(argv[2]).read_text())
        write_chart(Path(argv[2]).with_suffix(".png"), saved["title"], saved["runs"], saved.get("marks", ()))
        return
    if len(argv) < 4:
        raise SystemExit(__doc__)
    out, title, pairs = argv[1], argv[2], argv[3:]
    runs = []
    for pair in pairs:
        label, _, report = pair.partition("=")
        if not report:
            raise SystemExit(f"expected LABEL=REPORT.json, got {pair!r}")
        runs.append((label, json.loads(Path(report).read_text())["per_second"]))
    write_chart(out, title, runs)


if __name__ == "__main__":
    main(sys.argv)
