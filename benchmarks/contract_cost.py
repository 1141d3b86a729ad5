"""What checking every streamed event against the OpenAPI contract costs a bulk read.

Usage: ``python benchmarks/contract_cost.py [--smoke]``

Reads a stream of typed SSE events (``/typed-events``, whose item and data schemas the
app's OpenAPI document gives) to done in one go, in process, with ``contract=openapi``
and without, in interleaved rounds; prints events per second of each and the ratio (the
target: at least 0.5). Written to ``results/bench/contract.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from AsyncApiLibrary import AsyncApiLibrary  # noqa: E402

OUT = ROOT / "results" / "bench"


def rate(contract: str | None, events: int) -> float:
    library = AsyncApiLibrary(timeout=300, leak_check="off")
    try:
        library.open_app("benchmarks.bench_app:app", contract=contract)
        library.start_stream("GET", f"/typed-events?n={events}")
        started = time.perf_counter()
        count = library.count_until_done()
        took = time.perf_counter() - started
        assert count == events, count
        return events / took
    finally:
        library.ctx.shutdown()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    events, rounds = (200, 1) if args.smoke else (20_000, 5)
    off, on = [], []
    for _ in range(rounds):
        off.append(rate(None, events))
        on.append(rate("openapi", events))
    result = {"events": events, "off_per_s": statistics.median(off),
              "on_per_s": statistics.median(on)}
    result["ratio"] = result["on_per_s"] / result["off_per_s"]
    print(f"bulk read of {events} typed events, in process (median of {rounds} rounds): "
          f"contract off {result['off_per_s']:.0f}/s, on {result['on_per_s']:.0f}/s, "
          f"ratio {result['ratio']:.2f} (target >= 0.5)")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "contract.json").write_text(json.dumps({"smoke": args.smoke, **result}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
