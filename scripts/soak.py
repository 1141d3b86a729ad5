"""Run every sample suite K times in both modes and count failures per test.

Usage: ``python scripts/soak.py [--runs K] [--mode MODE ...] [--busy]``

``--busy`` keeps one other core busy with a spinning process for the whole run, the way a
crowded CI machine would. The figure that matters is the total number of failures: it must
be 0. A table of the tests that failed (if any) is printed and written to
``results/soak/summary.txt``; the exit code is 1 when any test failed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from suite_runs import ROOT, run_suites  # noqa: E402

OUT = ROOT / "results" / "soak"
SPIN = "while True: pass"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="times to run each mode (20)")
    parser.add_argument("--mode", action="append", choices=["in-process", "server"],
                        help="modes to soak (default: both)")
    parser.add_argument("--busy", action="store_true", help="keep another core busy meanwhile")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error(f"--runs must be 1 or more, got {args.runs}.")
    modes = args.mode or ["in-process", "server"]
    spinner = subprocess.Popen([sys.executable, "-c", SPIN]) if args.busy else None
    failures: Counter[str] = Counter()
    tests_run = 0
    started = time.perf_counter()
    try:
        for index in range(1, args.runs + 1):
            for mode in modes:
                run = run_suites(OUT / f"{mode}-{index}.xml", mode)
                tests_run += run.total
                failures.update(f"[{mode}] {name}" for name in run.failed)
                print(f"run {index}/{args.runs} {mode:10}: {run.total} tests, "
                      f"{len(run.failed)} failed, {run.seconds:.1f} s", flush=True)
    finally:
        if spinner is not None:
            spinner.kill()
            spinner.wait()
    took = time.perf_counter() - started
    busy = " with another core kept busy" if args.busy else ""
    lines = [f"Soak: {args.runs} runs x {', '.join(modes)}{busy}: {tests_run} test runs, "
             f"{sum(failures.values())} failures, {took:.0f} s."]
    lines += [f"    {count:3}x {name}" for name, count in failures.most_common()]
    text = "\n".join(lines)
    print(text)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "summary.txt").write_text(text + "\n", encoding="utf-8")
    return 1 if failures or tests_run == 0 else 0


if __name__ == "__main__":
    raise SystemExit(main())
