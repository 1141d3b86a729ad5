"""Are the library's arrival stamps true? Its stamps beside the moment the app sent each event.

Usage: ``python benchmarks/fidelity.py [--smoke]``

The app (``benchmarks/bench_app.py``, ``/stamped``) puts ``time.perf_counter()`` into each
event as it hands it to the server; on Linux that is the monotonic clock, the same in
every process of the machine. Each event's error is its arrival stamp minus that moment.
The library (`Start Streams Concurrently`, read to done in one go) and raw httpx2 reading
the same streams the same way (``aiter_lines``, stamped as each data line arrives) are
measured at 1, 100 and 1,000 concurrent streams, in process (the app in the same loop;
raw httpx2 through the library's streaming ASGI transport, as httpx2's own buffers the
body) and over a socket (the app under uvicorn in a separate process). The table gives
the error's p50 and p99 per contender; the goal is the library's p99 within raw httpx2's
plus 0.5 ms at up to 100 streams. Written to ``results/bench/fidelity.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from AsyncApiLibrary import AsyncApiLibrary  # noqa: E402
from AsyncApiLibrary.completions import percentile  # noqa: E402
from AsyncApiLibrary.core import read_all_until_done  # noqa: E402
from AsyncApiLibrary.httpclient import httpx  # noqa: E402
from AsyncApiLibrary.transport import StreamingASGITransport  # noqa: E402

APP = "benchmarks.bench_app:app"
OUT = ROOT / "results" / "bench"


def library_errors(target: str, url: str, streams: int, events: int, gap_ms: float) -> list[float]:
    library = AsyncApiLibrary(timeout=120, leak_check="off")
    try:
        if target == "in-process":
            library.open_app(APP, buffer_size=0)
        else:
            library.open_url(url)
        names = library.start_streams_concurrently(
            "GET", f"/stamped?n={events}&gap_ms={gap_ms}", count=streams, timeout=120)
        chosen = [library.ctx.streams.get(name) for name in names]
        read = library.ctx.run(read_all_until_done, chosen, 120.0)
        return [(item.arrived - float(item.data)) * 1000 for items in read for item in items]
    finally:
        library.ctx.shutdown()


async def _raw_one(client: httpx.AsyncClient, path: str, errors: list[float]) -> None:
    async with client.stream("GET", path) as response:
        async for line in response.aiter_lines():
            now = time.perf_counter()
            if line.startswith("data: ") and line != "data: {}":
                errors.append((now - float(line[6:])) * 1000)


async def _raw(target: str, url: str, streams: int, events: int, gap_ms: float) -> list[float]:
    errors: list[float] = []
    path = f"/stamped?n={events}&gap_ms={gap_ms}"
    limits = httpx.Limits(max_connections=streams + 10, max_keepalive_connections=20)
    if target == "in-process":
        from benchmarks.bench_app import app

        transport = StreamingASGITransport(app, buffer_size=0)
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver",
                                   timeout=120, limits=limits)
    else:
        client = httpx.AsyncClient(base_url=url, timeout=120, limits=limits)
    async with client:
        await asyncio.gather(*(_raw_one(client, path, errors) for _ in range(streams)))
    return errors


def raw_errors(target: str, url: str, streams: int, events: int, gap_ms: float) -> list[float]:
    return asyncio.run(_raw(target, url, streams, events, gap_ms))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server() -> tuple[subprocess.Popen, str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", APP, "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning", "--no-access-log"], cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process, url
        except OSError:
            time.sleep(0.05)  # waiting for the server process to listen, not a test
    process.kill()
    raise SystemExit("The benchmark app did not start listening within 30 s.")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: only shows it works")
    args = parser.parse_args()
    levels, events, gap = ((1, 5), 3, 1.0) if args.smoke else ((1, 100, 1000), 20, 5.0)
    process, url = _server()
    rows = []
    try:
        for target in ("in-process", "socket"):
            for streams in levels:
                for contender, measure in (("library", library_errors), ("raw httpx2", raw_errors)):
                    errors = measure(target, url, streams, events, gap)
                    rows.append({"target": target, "streams": streams, "contender": contender,
                                 "events": len(errors), "p50_ms": percentile(errors, 50),
                                 "p99_ms": percentile(errors, 99)})
    finally:
        process.terminate()
        process.wait(10)
    print(f"Arrival-stamp fidelity, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
          f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"{'target':11} {'streams':>7} {'contender':11} {'events':>7} {'p50 ms':>8} {'p99 ms':>8}")
    for row in rows:
        print(f"{row['target']:11} {row['streams']:>7} {row['contender']:11} {row['events']:>7} "
              f"{row['p50_ms']:>8.3f} {row['p99_ms']:>8.3f}")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "fidelity.json").write_text(json.dumps({"smoke": args.smoke, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
