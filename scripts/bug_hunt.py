"""Run the sample suites once per catalogued bug and show which tests caught each.

Usage: ``python scripts/bug_hunt.py [--mode in-process|server] [--bug NAME ...]``

The correct app must pass every test, and every bug must fail at least one. The table is
printed and written to ``results/bughunt/<mode>/summary.txt``; the exit code is 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from suite_runs import ROOT, SuiteRun, run_suites  # noqa: E402

OUT = ROOT / "results" / "bughunt"


def hunt(bug: str | None, mode: str) -> SuiteRun:
    label = bug or "correct-app"
    return run_suites(OUT / mode / f"{label}.xml", mode, {"SAMPLE_APP_BUG": bug})


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(ROOT))
    from sample_app.bugs import BUGS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", default="in-process", choices=["in-process", "server"])
    parser.add_argument("--bug", action="append", choices=sorted(BUGS),
                        help="only these bugs (default: all)")
    args = parser.parse_args(argv)
    (OUT / args.mode).mkdir(parents=True, exist_ok=True)
    lines = [f"Bug hunt, MODE={args.mode}", ""]
    ok = True
    run = hunt(None, args.mode)
    total, failed, took = run.total, run.failed, run.seconds
    lines.append(f"{'correct-app':32} {len(failed):3} of {total} tests failed ({took:.1f} s)")
    if failed or total == 0:
        ok = False
        lines += [f"    unexpected failure: {name}" for name in failed]
    for bug in args.bug or list(BUGS):
        run = hunt(bug, args.mode)
        total, failed, took = run.total, run.failed, run.seconds
        verdict = "caught" if failed else "MISSED"
        ok = ok and bool(failed)
        lines.append(f"{bug:32} {len(failed):3} of {total} tests failed ({took:.1f} s): {verdict}")
        lines += [f"    {name}" for name in failed[:6]]
        if len(failed) > 6:
            lines.append(f"    ... and {len(failed) - 6} more")
    lines += ["", "every bug caught and the correct app green" if ok else "BUG HUNT FAILED"]
    text = "\n".join(lines)
    print(text)
    (OUT / args.mode / "summary.txt").write_text(text + "\n", encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
