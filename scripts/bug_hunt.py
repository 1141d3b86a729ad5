"""Run the sample suites once per catalogued bug and check that its named tests catch it.

Usage: ``python scripts/bug_hunt.py [--mode in-process|server] [--bug NAME ...] [--jobs N]
[--all-suites]``

The correct app runs every suite and must pass every test. Each bug of the catalogue
(``sample_app/bugs.py``) runs, with ``SAMPLE_APP_BUG`` set, the tests it names
(``--all-suites``: every test, to see what else catches it), at ``--loglevel DEBUG``. Every failing test is
classified by what made it fail: the exception class of the traceback Robot logs at DEBUG
for the keyword that failed, or the end-of-test check's own verdict.

- caught: ``ExpectationFailed``, ``StreamFailure``, ``DeadlineExceeded``, Robot's own
  ``AssertionError`` (``Should Be Equal``, ``Run Keyword And Expect Error``...), and the
  end-of-test check (``Test '...' left behind ...``, a blocked loop, a coroutine never
  awaited, ...);
- not caught: ``UsageError``, ``AppLoadError``, ``ConnectionFailed``, any other Python
  error, a missing traceback (a Robot error), a failed suite setup.

A bug is caught when every test it names failed, each by an assertion. The hunt fails when
the correct app fails a test, when a named test does not exist, or when a bug is missed,
caught only by other tests, or caught only by a library error. Bugs run ``--jobs`` at a
time (default 2), each robot in its own process and output directory
(``results/bughunt/<mode>/<bug>/``: ``output.xml``, and what it printed in ``robot.log``).
The table is printed and written to ``results/bughunt/<mode>/summary.txt``; the exit code
is 1 when the hunt failed.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from robot.api import ExecutionResult, TestSuiteBuilder

sys.path.insert(0, str(Path(__file__).resolve().parent))
from suite_runs import ROOT, SuiteRun, run_suites  # noqa: E402

OUT = ROOT / "results" / "bughunt"
SUITES = ROOT / "suites"
ASSERTIONS = {"ExpectationFailed", "StreamFailure", "DeadlineExceeded", "AssertionError"}
TRACEBACK = "Traceback (most recent call last):"
SHOWN = 6  # failing tests listed per bug


@dataclass
class Failure:
    test: str
    suite: str
    cause: str  # an exception class, "end-of-test check", or why there is none

    @property
    def caught(self) -> bool:
        return self.cause in ASSERTIONS or self.cause == "end-of-test check"


@dataclass
class Hunt:
    label: str
    run: SuiteRun
    failures: list[Failure] = field(default_factory=list)


def test_files() -> dict[str, list[Path]]:
    """Every test of the suites by name, with the files that hold a test of that name."""
    found: dict[str, list[Path]] = {}
    for test in TestSuiteBuilder().build(str(SUITES)).all_tests:
        found.setdefault(test.name, []).append(Path(test.source))
    return found


# -- what made a test fail ------------------------------------------------------------------
def cause_of(test: Any) -> str:
    """The exception class (or verdict) that failed ``test``; see the module docstring."""
    message = test.message or ""
    if message.startswith(f"Test '{test.name}' "):
        return "end-of-test check"
    if message.startswith("Parent suite setup failed:"):
        return "a failed suite setup"
    for step in (test.setup, *test.body, test.teardown):
        found = _step_cause(step)
        if found is not None:
            return found
    return "no failing keyword"


def _step_cause(step: Any) -> str | None:
    """The cause of ``step``'s failure (None if it did not fail), depth first: a step that
    logged its own traceback failed itself (a library keyword, or one such as ``Run Keyword
    And Expect Error`` whose children failed as it wanted); any other step failed through
    the first of its own steps that failed."""
    if not step or getattr(step, "type", "") == "MESSAGE" or getattr(step, "status", "") != "FAIL":
        return None
    own = _traceback_class(step)
    if own is not None:
        return own
    for child in getattr(step, "body", ()):
        found = _step_cause(child)
        if found is not None:
            return found
    return "no traceback (a Robot error)"


def _traceback_class(step: Any) -> str | None:
    """The class of the keyword's own failure: the first traceback after its FAIL message
    (the app's errors the library logged at DEBUG come before it)."""
    messages = [m for m in getattr(step, "body", ()) if getattr(m, "type", "") == "MESSAGE"]
    failed = next((n for n, m in enumerate(messages) if m.level == "FAIL"), -1)
    for message in messages[failed + 1:]:
        if not message.message.startswith(TRACEBACK):
            continue
        for line in message.message.splitlines()[1:]:
            if line and not line.startswith(" "):
                return line.split(":", 1)[0].rsplit(".", 1)[-1]
    return None


def failures(output: Path | None) -> list[Failure]:
    if output is None or not output.exists():
        return []
    result = ExecutionResult(str(output))
    return [Failure(test.name, test.parent.name, cause_of(test))
            for test in result.suite.all_tests if not test.passed]


# -- running ----------------------------------------------------------------------------------
def hunt(bug: str | None, mode: str, paths: list[str] | None = None,
         tests: Iterable[str] = ()) -> Hunt:
    """One robot run with ``bug`` on: ``paths`` (default: every suite), only ``tests`` if given."""
    label = bug or "correct-app"
    output = OUT / mode / label / "output.xml"
    options = ["--loglevel", "DEBUG"] + [arg for name in tests for arg in ("--test", name)]
    run = run_suites(output, mode, {"SAMPLE_APP_BUG": bug}, paths, options, quiet=True)
    return Hunt(label, run, failures(run.output))


def suites_of(names: Iterable[str], files: dict[str, list[Path]]) -> list[str]:
    return sorted({str(path) for name in names for path in files.get(name, [])})


def verdict(named: tuple[str, ...], found: list[Failure]) -> tuple[bool, str]:
    if not named:
        return False, "NAMES NO TEST"
    by_name = {failure.test: failure for failure in found}
    mine = [by_name[name] for name in named if name in by_name]
    if len(mine) == len(named) and all(f.caught for f in mine):
        return True, "caught"
    if not found:
        return False, "MISSED"
    missed = [name for name in named if name not in by_name]
    crashed = [f for f in mine if not f.caught]
    said = []
    if missed:
        said.append(f"{len(missed)} of its {len(named)} tests passed")
    if crashed:
        said.append(f"{len(crashed)} failed only by a library error")
    if not mine and found:
        said.append("caught only by other tests")
    return False, "NOT CAUGHT AS NAMED: " + "; ".join(said)


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(ROOT))
    from sample_app.bugs import BY_NAME, CATALOGUE

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", default="in-process", choices=["in-process", "server"])
    parser.add_argument("--bug", action="append", choices=sorted(BY_NAME),
                        help="only these bugs (default: all)")
    parser.add_argument("--jobs", type=int, default=2, help="robot runs at a time (2)")
    parser.add_argument("--all-suites", action="store_true",
                        help="run every test for every bug, not only the tests it names")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be 1 or more, got {args.jobs}.")
    started = time.perf_counter()
    files = test_files()
    chosen = [BY_NAME[name] for name in args.bug] if args.bug else list(CATALOGUE)
    lines = [f"Bug hunt, MODE={args.mode}, {len(chosen)} bugs, {args.jobs} at a time", ""]
    ok = True
    unknown = [(bug.name, name) for bug in chosen for name in bug.caught_by if name not in files]
    unknown += [(bug.name, "(names no test)") for bug in chosen if not bug.caught_by]
    for bug_name, test in unknown:
        lines.append(f"{bug_name}: no test is named '{test}' in suites/")
        ok = False
    here = [bug for bug in chosen if args.mode in bug.modes]
    elsewhere = [bug for bug in chosen if args.mode not in bug.modes]
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        correct = pool.submit(hunt, None, args.mode, None)
        hunts = {bug.name: pool.submit(hunt, bug.name, args.mode) if args.all_suites
                 else pool.submit(hunt, bug.name, args.mode, suites_of(bug.caught_by, files),
                                  bug.caught_by)
                 for bug in here}
        base = correct.result()
        lines.append(f"{'correct-app':36} {len(base.run.failed):3} of {base.run.total} tests "
                     f"failed ({base.run.seconds:.1f} s)")
        if base.run.failed or base.run.total == 0:
            ok = False
            lines += [f"    unexpected failure: {name}" for name in base.run.failed]
        for bug in here:
            done = hunts[bug.name].result()
            caught, said = verdict(bug.caught_by, done.failures)
            ok = ok and caught
            named = sum(1 for f in done.failures if f.test in bug.caught_by and f.caught)
            lines.append(f"{bug.name:36} {len(done.failures):3} of {done.run.total} failed, "
                         f"{named}/{len(bug.caught_by)} named ({done.run.seconds:.1f} s): "
                         f"{said}")
            shown = sorted(done.failures, key=lambda f: (f.test not in bug.caught_by, f.test))
            for failure in shown[:SHOWN]:
                mark = "*" if failure.test in bug.caught_by else " "
                lines.append(f"   {mark} {failure.suite}: {failure.test} [{failure.cause}]")
            if len(shown) > SHOWN:
                lines.append(f"     ... and {len(shown) - SHOWN} more")
            lines += [f"   * {name} [passed]" for name in bug.caught_by
                      if name not in {f.test for f in done.failures}]
    for bug in elsewhere:
        lines.append(f"{bug.name:36} not run: only in {', '.join(bug.modes)} mode")
    took = time.perf_counter() - started
    lines += ["", f"{'every bug caught as named and the correct app green' if ok else 'BUG HUNT FAILED'}"
                  f" ({took:.0f} s)"]
    text = "\n".join(lines)
    print(text)
    (OUT / args.mode).mkdir(parents=True, exist_ok=True)
    (OUT / args.mode / "summary.txt").write_text(text + "\n", encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
