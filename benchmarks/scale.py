"""Many streams at once: does the library stay as cheap per event with 10,000 open streams
as with one? Beside raw httpx2 reading the same streams.

Usage: ``python benchmarks/scale.py [--smoke] [--counts 1,100,1000,10000]``

For each count, the library opens that many SSE streams at once (`Start Streams
Concurrently`) and reads them all to done in one go, in process and over a socket (the app
under uvicorn in a separate process); raw httpx2 gathers the same streams. Reported per
count: wall time, per-event cost, the ratio to raw httpx2, and the memory each open stream
holds (resident set growth while they are open, over the count). Written to
``results/bench/scale.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from AsyncApiLibrary import AsyncApiLibrary  # noqa: E402
from AsyncApiLibrary.core import read_all_until_done  # noqa: E402
from AsyncApiLibrary.httpclient import httpx  # noqa: E402
from AsyncApiLibrary.transport import StreamingASGITransport  # noqa: E402
from benchmarks.fidelity import _server  # noqa: E402

APP = "benchmarks.bench_app:app"
OUT = ROOT / "results" / "bench"
EVENTS = 20


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def library_run(target: str, url: str, count: int) -> tuple[float, float]:
    library = AsyncApiLibrary(timeout=600, leak_check="off")
    try:
        if target == "in-process":
            library.open_app(APP)
        else:
            library.open_url(url)
        before = rss_mb()
        started = time.perf_counter()
        names = library.start_streams_concurrently("GET", f"/events?n={EVENTS}", count=count,
                                                    timeout=600)
        held = rss_mb() - before
        chosen = [library.ctx.streams.get(name) for name in names]
        read = library.ctx.run(read_all_until_done, chosen, 600.0)
        took = time.perf_counter() - started
        assert sum(map(len, read)) == count * EVENTS
        return took, held / count * 1024  # seconds, KB per open stream
    finally:
        library.ctx.shutdown()


async def _raw(target: str, url: str, count: int) -> float:
    limits = httpx.Limits(max_connections=count + 10, max_keepalive_connections=100)
    if target == "in-process":
        from benchmarks.bench_app import app

        client = httpx.AsyncClient(transport=StreamingASGITransport(app),
                                   base_url="http://testserver", timeout=600, limits=limits)
    else:
        client = httpx.AsyncClient(base_url=url, timeout=600, limits=limits)
    got = 0

    async def one() -> None:
        nonlocal got
        async with client.stream("GET", f"/events?n={EVENTS}") as response:
            async for line in response.aiter_lines():
                if line.startswith("event: token"):
                    got += 1

    started = time.perf_counter()
    async with client:
        await asyncio.gather(*(one() for _ in range(count)))
    assert got == count * EVENTS
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--counts", default="1,100,1000,10000")
    args = parser.parse_args()
    counts = [1, 10] if args.smoke else [int(c) for c in args.counts.split(",")]
    process, url = _server()
    rows = []
    try:
        for target in ("in-process", "socket"):
            for count in counts:
                took, per_stream_kb = library_run(target, url, count)
                raw = asyncio.run(_raw(target, url, count))
                rows.append({"target": target, "streams": count, "library_s": took,
                             "raw_s": raw, "ratio": took / raw,
                             "us_per_event": took / (count * EVENTS) * 1e6,
                             "kb_per_open_stream": per_stream_kb})
    finally:
        process.terminate()
        process.wait(10)
    print(f"{'target':11} {'streams':>7} {'library s':>9} {'raw s':>8} {'ratio':>6} "
          f"{'us/event':>9} {'KB/stream':>9}")
    for r in rows:
        print(f"{r['target']:11} {r['streams']:>7} {r['library_s']:>9.3f} {r['raw_s']:>8.3f} "
              f"{r['ratio']:>6.2f} {r['us_per_event']:>9.1f} {r['kb_per_open_stream']:>9.1f}")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "scale.json").write_text(json.dumps({"smoke": args.smoke, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
