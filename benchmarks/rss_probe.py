"""Bulk-read one stream with the library and print how much the peak RSS grew, as JSON.

Usage: ``python benchmarks/rss_probe.py EVENTS KEEP`` (KEEP is True or False). Run in a
fresh process by bench.py so that each figure is this reading alone.
"""

from __future__ import annotations

import json
import resource
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from AsyncApiLibrary import AsyncApiLibrary  # noqa: E402


def peak_mb() -> float:
    """This process's peak RSS. Linux's VmHWM starts afresh at exec; ``ru_maxrss`` can carry
    the peak of the process that forked this one (the benchmark, ~90 MB), which hid growth."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def main() -> None:
    events, keep = int(sys.argv[1]), sys.argv[2] == "True"
    library = AsyncApiLibrary(timeout=timedelta(minutes=10), leak_check="off")
    try:
        library.open_app("benchmarks.bench_app:app")
        library.start_stream("GET", "/events?n=100")  # warm up every code path once
        library.count_until_done()
        before = peak_mb()
        library.start_stream("GET", f"/events?n={events}")
        count = library.read_until_done() if keep else library.count_until_done()
        count = count if isinstance(count, int) else len(count)
        assert count == events, count
        print(json.dumps({"events": events, "keep": keep, "before_mb": round(before, 1),
                          "peak_mb": round(peak_mb(), 1),
                          "growth_mb": round(peak_mb() - before, 1)}))
    finally:
        library.ctx.shutdown()


if __name__ == "__main__":
    main()
