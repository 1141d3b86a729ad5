"""Run the sample suites once per catalogued bug and show which tests caught each.

Usage: ``python scripts/bug_hunt.py [--mode in-process|server] [--bug NAME ...]``

The correct app must pass every test, and every bug must fail at least one. The table is
printed and written to ``results/bughunt/summary.txt``; the exit code is 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from robot.api import ExecutionResult

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "results" / "bughunt"
RUN_LIMIT = 300  # seconds; a hanging robot process is itself a failure


def run_suites(bug: str | None, mode: str) -> tuple[int, list[str], float]:
    """Return (tests run, names of failed tests, seconds) for one robot run."""
    label = bug or "correct-app"
    output = OUT / f"{label}.xml"
    env = dict(os.environ)
    env.pop("SAMPLE_APP_BUG", None)
    if bug:
        env["SAMPLE_APP_BUG"] = bug
    started = time.perf_counter()
    command = [sys.executable, "-m", "robot", "--output", str(output), "--log", "NONE",
               "--report", "NONE", "--console", "none", "--variable", f"MODE:{mode}",
               str(ROOT / "suites")]
    try:
        subprocess.run(command, env=env, cwd=ROOT, timeout=RUN_LIMIT, check=False)
    except subprocess.TimeoutExpired:
        return 0, [f"robot did not exit within {RUN_LIMIT} s"], RUN_LIMIT
    took = time.perf_counter() - started
    if not output.exists():
        return 0, ["robot wrote no output.xml"], took
    result = ExecutionResult(str(output))
    failed: list[str] = []
    total = 0

    def visit(suite) -> None:
        nonlocal total
        for test in suite.tests:
            total += 1
            if not test.passed:
                failed.append(f"{suite.name}: {test.name}")
        for child in suite.suites:
            visit(child)

    visit(result.suite)
    return total, failed, took


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(ROOT))
    from sample_app.bugs import BUGS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", default="in-process", choices=["in-process", "server"])
    parser.add_argument("--bug", action="append", choices=sorted(BUGS),
                        help="only these bugs (default: all)")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    lines = [f"Bug hunt, MODE={args.mode}", ""]
    ok = True
    total, failed, took = run_suites(None, args.mode)
    lines.append(f"{'correct-app':32} {len(failed):3} of {total} tests failed ({took:.1f} s)")
    if failed or total == 0:
        ok = False
        lines += [f"    unexpected failure: {name}" for name in failed]
    for bug in args.bug or list(BUGS):
        total, failed, took = run_suites(bug, args.mode)
        verdict = "caught" if failed else "MISSED"
        ok = ok and bool(failed)
        lines.append(f"{bug:32} {len(failed):3} of {total} tests failed ({took:.1f} s): {verdict}")
        lines += [f"    {name}" for name in failed[:6]]
        if len(failed) > 6:
            lines.append(f"    ... and {len(failed) - 6} more")
    lines += ["", "every bug caught and the correct app green" if ok else "BUG HUNT FAILED"]
    text = "\n".join(lines)
    print(text)
    (OUT / "summary.txt").write_text(text + "\n", encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
