"""bench/bench.py's verdicts: each target on the medians and in each run (a slope: run i of one size
against run i of the next)."""

import importlib.util
import os

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC = importlib.util.spec_from_file_location("bench", os.path.join(HERE, "..", "..", "bench", "bench.py"))
bench = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(bench)


def run(nodes, index, **seconds):
    return {"nodes": nodes, "run": index, "seconds": seconds, "errors": []}


RUNS = [
    run(10, 1, ours=13.0, ours_plain=10.0, peer=4.0, floor=4.0),   # TLS/plain 1.30: met
    run(10, 2, ours=14.0, ours_plain=10.0, peer=4.0, floor=4.0),   # 1.40: not met
    run(20, 1, ours=23.0, ours_plain=20.0, peer=9.0, floor=6.0),   # slope ours 1.0, peer 0.5
    run(20, 2, ours=16.0, ours_plain=20.0, peer=9.0, floor=6.0),   # slope ours 0.2, peer 0.5
]


def check(label, checks):
    return next(c for c in checks if c["target"].startswith(label))


def test_each_run_gets_its_own_verdict_and_the_medians_theirs():
    table, slopes = bench.summarize(RUNS)
    checks = bench.targets(table, slopes, RUNS)
    tls = check("N=10: site.yml fresh, TLS <= 1.3x plain", checks)
    assert [(r["value"], r["met"]) for r in tls["runs"]] == [(1.3, True), (1.4, False)]
    assert (tls["value"], tls["met"]) == (1.35, False)
    slope = check("slope N=10->20", checks)
    assert [(r["value"], r["limit"], r["met"]) for r in slope["runs"]] == [(1.0, 0.5, False), (0.2, 0.5, True)]
    # Not measured in these runs: no verdict, in the runs or on the medians.
    rerun = check("N=10: site.yml re-run, TLS", checks)
    assert rerun["met"] is None and [r["met"] for r in rerun["runs"]] == [None, None]


def test_the_markdown_says_each_runs_verdict():
    table, slopes = bench.summarize(RUNS)
    text = bench.render(table, slopes, bench.targets(table, slopes, RUNS))
    line = next(x for x in text.splitlines() if x.startswith("- N=10: site.yml fresh, TLS <= 1.3x plain"))
    assert line.endswith("-> NOT met (run 1: 1.30 met; run 2: 1.40 NOT met)"), line
