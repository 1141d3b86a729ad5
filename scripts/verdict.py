"""Print the whole test run's verdict as one line: ``N passed, N failed``.

Usage: ``python scripts/verdict.py PYTEST_JUNIT_XML ROBOT_OUTPUT_XML ...``

Counts pytest's tests (from its JUnit XML) and every Robot test in the given output files.
The bug hunt's runs are not given: their failures are the point of them.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from robot.api import ExecutionResult


def pytest_counts(path: Path) -> tuple[int, int]:
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    total = sum(int(s.get("tests", 0)) for s in suites)
    failed = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
    skipped = sum(int(s.get("skipped", 0)) for s in suites)
    return total - failed - skipped, failed


def robot_counts(path: Path) -> tuple[int, int]:
    stats = ExecutionResult(str(path)).statistics.total
    return stats.passed, stats.failed


def main(argv: list[str]) -> int:
    passed, failed = pytest_counts(Path(argv[0]))
    for output in argv[1:]:
        more_passed, more_failed = robot_counts(Path(output))
        passed, failed = passed + more_passed, failed + more_failed
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
