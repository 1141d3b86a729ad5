"""Run the sample suites in a ``robot`` subprocess and read which tests failed.

Shared by the bug hunt, the soak run and the benchmark.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from robot.api import ExecutionResult

ROOT = Path(__file__).resolve().parent.parent
RUN_LIMIT = 300  # seconds; a robot process that does not exit is itself a failure


@dataclass
class SuiteRun:
    total: int = 0
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    output: Path | None = None  # the output.xml, when robot wrote one


def run_suites(output: Path, mode: str, env_changes: dict[str, str | None] | None = None,
               paths: Sequence[str] | None = None, options: Sequence[str] = (),
               quiet: bool = False) -> SuiteRun:
    """One robot run of ``paths`` (default: all of ``suites/``), writing only ``output``.

    ``${OUTPUT DIR}`` is the directory of ``output``, so runs with outputs in different
    directories can go on side by side. ``options`` are more robot options. ``quiet``
    sends what the run prints (a buggy app's tracebacks, say) to ``robot.log`` beside
    ``output`` instead.
    """
    env = dict(os.environ)
    for name, value in (env_changes or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    command = [sys.executable, "-m", "robot", "--outputdir", str(output.parent),
               "--output", str(output), "--log", "NONE", "--report", "NONE",
               "--console", "none", "--variable", f"MODE:{mode}", *options,
               *(paths or [str(ROOT / "suites")])]
    output.parent.mkdir(parents=True, exist_ok=True)
    output.unlink(missing_ok=True)
    started = time.perf_counter()
    try:
        if quiet:
            with open(output.parent / "robot.log", "wb") as printed:
                subprocess.run(command, env=env, cwd=ROOT, timeout=RUN_LIMIT, check=False,
                               stdout=printed, stderr=subprocess.STDOUT)
        else:
            subprocess.run(command, env=env, cwd=ROOT, timeout=RUN_LIMIT, check=False)
    except subprocess.TimeoutExpired:
        return SuiteRun(0, [f"robot did not exit within {RUN_LIMIT} s"], RUN_LIMIT)
    took = time.perf_counter() - started
    if not output.exists():
        return SuiteRun(0, ["robot wrote no output.xml"], took)
    result = ExecutionResult(str(output))
    tests = list(result.suite.all_tests)
    failed = [f"{test.parent.name}: {test.name}" for test in tests if not test.passed]
    return SuiteRun(len(tests), failed, took, output)
