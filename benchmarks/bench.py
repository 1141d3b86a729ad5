"""Speed and scale of AsyncApiLibrary, side by side with RequestsLibrary and raw httpx.

Usage: ``python benchmarks/bench.py [--smoke]``

Every contender runs in this one invocation on this one machine, so the ratios hold even
when absolute times drift. Robot contenders run through the ``robot`` command (a
subprocess each); their time is the elapsed time Robot records for the measured test, so
suite setup and teardown are left out. The raw httpx floors run in this process. The
table is printed and written, one object per measurement, to
``results/bench/summary.json``. ``--smoke`` runs every measurement at a tiny size, only
to show the benchmark still works; its figures mean nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2 as httpx  # the client the library uses (AsyncApiLibrary.httpclient)
from robot.api import ExecutionResult

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "results" / "bench"
APP = "benchmarks.bench_app:app"
ROBOT_LIMIT = 900  # seconds per robot run; a hang fails the benchmark instead of stalling it
BULK_TRIES = 3  # bulk reads are short: each side's fastest of three, in every round


@dataclass
class Sizes:
    requests: int
    events_each: int
    events_bulk: int
    chats: int
    streams: int
    events_per_stream: int
    cleanups: int
    rss_events: int
    rounds: int


FULL = Sizes(requests=1000, events_each=2000, events_bulk=20_000, chats=1000, streams=200,
             events_per_stream=50, cleanups=100, rss_events=100_000, rounds=5)
SMOKE = Sizes(requests=30, events_each=50, events_bulk=200, chats=20, streams=5,
              events_per_stream=5, cleanups=5, rss_events=1000, rounds=1)

SETTINGS = """*** Settings ***
Library           AsyncApiLibrary    timeout=300s    leak_check=off
Library           benchmarks.handover.HandOver
Suite Setup       Open Target
Suite Teardown    Close All Clients

*** Variables ***
${TARGET}         in-process
${URL}            ${EMPTY}

*** Keywords ***
Open Target
    IF    '${TARGET}' == 'url'
        Open Url    ${URL}
    ELSE
        Open App    APP_PATH    mode=${TARGET}
    END
""".replace("APP_PATH", APP)

SUITES = {
    "requests_library": SETTINGS + """
*** Test Cases ***
Round Trips
    &{body} =    Create Dictionary    message=hi
    FOR    ${i}    IN RANGE    ${N}
        Send Request    POST    /chat    json=${body}
    END

Keyword Floor
    FOR    ${i}    IN RANGE    ${N}
        No Operation
    END

Hand-Over Floor
    FOR    ${i}    IN RANGE    ${N}
        Hand Over Nothing
    END
""",
    "requests_requestslibrary": """*** Settings ***
Library           RequestsLibrary
Suite Setup       Create Session    gateway    ${URL}

*** Test Cases ***
Round Trips
    &{body} =    Create Dictionary    message=hi
    FOR    ${i}    IN RANGE    ${N}
        POST On Session    gateway    /chat    json=${body}
    END
""",
    "streams": SETTINGS + """
*** Test Cases ***
Event By Event
    Start Stream    GET    /events?n=${EACH}
    FOR    ${i}    IN RANGE    ${EACH}
        Read Next Event
    END
    Expect Done Event

Bulk To Done
    FOR    ${i}    IN RANGE    ${TRIES}
        Start Stream    GET    /events?n=${BULK}    name=bulk${i}
        ${count} =    Count Until Done
        Should Be Equal As Integers    ${count}    ${BULK}
    END
""",
    "concurrency": SETTINGS + """
*** Test Cases ***
Prepare
    ${messages} =    Evaluate    [f"m{i}" for i in range(${CHATS})]
    Set Suite Variable    ${MESSAGES}    ${messages}

Concurrent Chats
    Send Chats Concurrently    ${MESSAGES}

Concurrent Streams
    FOR    ${i}    IN RANGE    ${STREAMS}
        Start Stream    GET    /events?n=${PER_STREAM}    name=s${i}
    END
    FOR    ${i}    IN RANGE    ${STREAMS}
        Count Until Done    stream=s${i}
    END
""",
    "cleanup": SETTINGS + """
*** Test Cases ***
Disconnect Then Cleanup
    FOR    ${i}    IN RANGE    ${K}
        Start Stream    GET    /hold    name=held
        Read Next Event
        Disconnect Client
        Expect Cleanup
    END
""",
}


# -- running contenders -------------------------------------------------------------------
def robot_run(suite: str, label: str, variables: dict[str, Any]) -> ExecutionResult:
    suites = OUT / "suites"
    suites.mkdir(parents=True, exist_ok=True)
    path = suites / f"{suite}.robot"
    path.write_text(SUITES[suite], encoding="utf-8")
    output = OUT / "outputs" / f"{label}.xml"
    output.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "robot", "--output", str(output), "--log", "NONE",
               "--report", "NONE", "--console", "none"]
    for name, value in variables.items():
        command += ["--variable", f"{name}:{value}"]
    command.append(str(path))
    done = subprocess.run(command, cwd=ROOT, timeout=ROBOT_LIMIT, check=False)
    result = ExecutionResult(str(output))
    failed = [f"{t.name}: {t.message}" for t in result.suite.all_tests if not t.passed]
    if done.returncode != 0 or failed:
        raise RuntimeError(f"The benchmark run '{label}' failed: {'; '.join(failed) or done.returncode}")
    return result


def fastest_iteration(result: ExecutionResult, name: str) -> float:
    """The quickest round of the test's FOR loop: the one least disturbed by the machine."""
    for test in result.suite.all_tests:
        if test.name == name:
            loop = next(item for item in test.body if item.type == "FOR")
            return min(iteration.elapsed_time.total_seconds() for iteration in loop.body)
    raise KeyError(name)


def test_seconds(result: ExecutionResult, name: str) -> float:
    for test in result.suite.all_tests:
        if test.name == name:
            return test.elapsed_time.total_seconds()
    raise KeyError(name)


class ExternalServer:
    """The benchmark app under uvicorn in its own process, for RequestsLibrary and URL mode."""

    def __init__(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> ExternalServer:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", APP, "--host", "127.0.0.1", "--port",
             str(self.port), "--log-level", "warning", "--no-access-log"], cwd=ROOT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.post(f"{self.url}/chat", json={"message": "up?"}, timeout=1)
                return self
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError("The benchmark app did not start under uvicorn within 30 s.")

    def __exit__(self, *exc: Any) -> None:
        assert self.process is not None
        self.process.terminate()
        self.process.wait(10)


def asgi_client() -> httpx.AsyncClient:
    from benchmarks.bench_app import app

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench",
                             timeout=httpx.Timeout(300))


async def raw_requests(client: httpx.AsyncClient, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        (await client.post("/chat", json={"message": "hi"})).raise_for_status()
    return time.perf_counter() - started


async def raw_stream(client: httpx.AsyncClient, count: int) -> float:
    """Read an SSE stream event by event with httpx alone (blank line ends an event)."""
    started = time.perf_counter()
    seen = 0
    async with client.stream("GET", "/events", params={"n": count}) as response:
        async for line in response.aiter_lines():
            if line == "":
                seen += 1
    assert seen == count + 1, seen
    return time.perf_counter() - started


async def raw_gather(client: httpx.AsyncClient, count: int) -> float:
    started = time.perf_counter()
    replies = await asyncio.gather(
        *(client.post("/chat", json={"message": f"m{i}"}) for i in range(count)))
    assert all(r.status_code == 200 for r in replies)
    return time.perf_counter() - started


async def raw_gather_bounded(client: httpx.AsyncClient, count: int) -> float:
    """The same, with no more requests handed to httpx at once than it has connections."""
    gate = asyncio.Semaphore(100)

    async def one(i: int) -> httpx.Response:
        async with gate:
            return await client.post("/chat", json={"message": f"m{i}"})

    started = time.perf_counter()
    replies = await asyncio.gather(*(one(i) for i in range(count)))
    assert all(r.status_code == 200 for r in replies)
    return time.perf_counter() - started


async def raw_streams(client: httpx.AsyncClient, streams: int, each: int) -> float:
    started = time.perf_counter()
    await asyncio.gather(*(raw_stream(client, each) for _ in range(streams)))
    return time.perf_counter() - started


def raw(coro_factory: Any, url: str | None) -> float:
    async def main() -> float:
        # The library's clients wait up to their keyword timeout; so may these.
        limits, timeout = httpx.Limits(max_connections=100, max_keepalive_connections=20), httpx.Timeout(300)
        client = asgi_client() if url is None else httpx.AsyncClient(
            base_url=url, limits=limits, timeout=timeout)
        async with client:
            return await coro_factory(client)

    return asyncio.run(main())


# -- measurements -------------------------------------------------------------------------
Row = dict[str, Any]


def row(name: str, unit: str, figures: dict[str, float], baseline: str, note: str = "") -> Row:
    """One measurement; every ratio is contender / baseline in the row's unit."""
    base = figures[baseline]
    ratios = {}
    for key, value in figures.items():
        if key != baseline and base and value:
            ratios[key] = round(value / base, 3)
    return {"name": name, "unit": unit, "baseline": baseline,
            "figures": {k: round(v, 4) for k, v in figures.items()},
            "ratio_to_baseline": ratios, "note": note}


def measure_requests(sizes: Sizes, server: ExternalServer) -> Row:
    n = sizes.requests
    per = {}
    floors: list[float] = []
    hand_overs: list[float] = []
    for target in ("in-process", "server", "url"):
        result = robot_run("requests_library", f"requests-{target}",
                           {"N": n, "TARGET": target, "URL": server.url})
        per[f"AsyncApiLibrary {target}"] = test_seconds(result, "Round Trips") / n * 1000
        floors.append(test_seconds(result, "Keyword Floor") / n * 1000)
        hand_overs.append(test_seconds(result, "Hand-Over Floor") / n * 1000)
    result = robot_run("requests_requestslibrary", "requests-requestslibrary",
                       {"N": n, "URL": server.url})
    per["RequestsLibrary POST On Session"] = test_seconds(result, "Round Trips") / n * 1000
    per["raw httpx, ASGI in-process"] = raw(lambda c: raw_requests(c, n), None) / n * 1000
    per["raw httpx, loopback socket"] = raw(lambda c: raw_requests(c, n), server.url) / n * 1000
    per["Robot's own keyword call (No Operation)"] = statistics.median(floors)
    per["keyword handing nothing to a library loop"] = statistics.median(hand_overs)
    return row(f"request round trip through robot ({n} POST /chat)", "ms per request", per,
               "RequestsLibrary POST On Session",
               "ratio = contender time / RequestsLibrary time; below 1 is faster. "
               "'url' and RequestsLibrary use the same uvicorn process. Every Robot "
               "contender's time includes Robot's own keyword call, the floor shown, and "
               "every AsyncApiLibrary keyword also its trip to the loop thread and back, "
               "the second floor shown.")


def measure_streams(sizes: Sizes, server: ExternalServer) -> list[Row]:
    rows = []
    each, bulk = sizes.events_each, sizes.events_bulk
    per_event = {}
    bulk_rate = {}
    for target, url in (("in-process", None), ("url", server.url)):
        result = robot_run("streams", f"streams-{target}",
                           {"EACH": each, "BULK": bulk, "TARGET": target, "URL": server.url,
                            "TRIES": BULK_TRIES})
        per_event[f"Read Next Event, {target}"] = test_seconds(result, "Event By Event") / each * 1000
        bulk_rate[f"Read Until Done, {target}"] = bulk / fastest_iteration(result, "Bulk To Done")
        where = "ASGI in-process" if url is None else "loopback socket"
        per_event[f"raw httpx, {where}"] = raw(lambda c: raw_stream(c, each), url) / each * 1000
        bulk_rate[f"raw httpx, {where}"] = bulk / min(
            raw(lambda c: raw_stream(c, bulk), url) for _ in range(BULK_TRIES))
    rows.append(row(f"stream read event by event ({each} events, one keyword per event)",
                    "ms per event", per_event, "raw httpx, loopback socket",
                    "the difference from raw httpx is the per-event cost of a Robot keyword "
                    "call plus the library's read"))
    rows.append(row(f"stream bulk read to done ({bulk} events, one keyword)", "events per second",
                    bulk_rate, "raw httpx, loopback socket",
                    "ratio = contender throughput / raw httpx throughput over the same socket "
                    "(above 1 is faster), each side's fastest of 3 reads (opening the stream "
                    "included); raw httpx in-process reads a body that httpx.ASGITransport "
                    "buffered whole"))
    return rows


def measure_concurrency(sizes: Sizes, server: ExternalServer) -> list[Row]:
    chats, streams, per_stream = sizes.chats, sizes.streams, sizes.events_per_stream
    chat_times: dict[str, float] = {}
    stream_times: dict[str, float] = {}
    for target, url in (("in-process", None), ("url", server.url)):
        result = robot_run("concurrency", f"concurrency-{target}",
                           {"CHATS": chats, "STREAMS": streams, "PER_STREAM": per_stream,
                            "TARGET": target, "URL": server.url})
        where = "ASGI in-process" if url is None else "loopback socket"
        chat_times[f"Send Chats Concurrently, {target}"] = test_seconds(result, "Concurrent Chats")
        chat_times[f"raw asyncio.gather, {where}"] = raw(lambda c: raw_gather(c, chats), url)
        if url is not None:
            chat_times[f"raw asyncio.gather, 100 at a time, {where}"] = raw(
                lambda c: raw_gather_bounded(c, chats), url)
        stream_times[f"Start Stream + Read Until Done, {target}"] = test_seconds(
            result, "Concurrent Streams")
        stream_times[f"raw httpx streams gathered, {where}"] = raw(
            lambda c: raw_streams(c, streams, per_stream), url)
    return [
        row(f"{chats} concurrent chats from one keyword", "seconds", chat_times,
            "raw asyncio.gather, loopback socket",
            "all use httpx's pool of 100 connections; plain gather queues them all in that "
            "pool, whose bookkeeping grows with the queue, so the library and the bounded "
            "gather hand it 100 at a time"),
        row(f"{streams} concurrent streams of {per_stream} events, each read to done",
            "seconds", stream_times, "raw httpx streams gathered, loopback socket",
            f"the library opens them with {streams} keywords, then reads each with one"),
    ]


_CLEANUP = re.compile(r"([\d.]+) ms after the disconnect")


def combine(rounds: list[list[Row]]) -> list[Row]:
    """Rows measured in several rounds, each figure the median of its rounds."""
    combined = []
    for same in zip(*rounds, strict=True):
        first = same[0]
        figures = {key: statistics.median(r["figures"][key] for r in same)
                   for key in first["figures"]}
        note = first["note"] + (f" (median of {len(same)} rounds)" if len(same) > 1 else "")
        combined.append(row(first["name"], first["unit"], figures, first["baseline"], note))
    return combined


def measure_cleanup(sizes: Sizes) -> Row:
    figures = {}
    for target in ("in-process", "server"):
        robot_run("cleanup", f"cleanup-{target}", {"K": sizes.cleanups, "TARGET": target})
        latencies = [float(m) for m in _CLEANUP.findall(
            (OUT / "outputs" / f"cleanup-{target}.xml").read_text(encoding="utf-8"))]
        if len(latencies) != sizes.cleanups:
            raise RuntimeError(f"Expected {sizes.cleanups} cleanup figures, found {len(latencies)}.")
        latencies.sort()
        figures[f"{target} median"] = statistics.median(latencies)
        figures[f"{target} p95"] = latencies[max(int(len(latencies) * 0.95) - 1, 0)]
    return row(f"cleanup latency, Disconnect Client to handler finished ({sizes.cleanups} each)",
               "ms", figures, "in-process median",
               "measured by the library: server-side end of the request minus the disconnect")


def measure_suites() -> Row:
    sys.path.insert(0, str(ROOT / "scripts"))
    from suite_runs import run_suites

    figures = {}
    for mode in ("in-process", "server"):
        run = run_suites(OUT / "outputs" / f"suites-{mode}.xml", mode)
        if run.failed or not run.total:
            raise RuntimeError(f"The sample suites failed in {mode} mode: {run.failed}")
        figures[f"{mode} ({run.total} tests)"] = run.seconds
    first = next(iter(figures))
    return row("sample suites, wall time of the robot command", "seconds", figures, first)


def measure_memory(sizes: Sizes) -> Row:
    figures = {}
    small = max(sizes.rss_events // 10, 100)
    for label, events, keep in ((f"{small} events, keep=False", small, False),
                                (f"{sizes.rss_events} events, keep=False", sizes.rss_events, False),
                                (f"{sizes.rss_events} events, keep=True", sizes.rss_events, True)):
        done = subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "rss_probe.py"), str(events), str(keep)],
            cwd=ROOT, capture_output=True, text=True, timeout=ROBOT_LIMIT, check=True)
        probe = json.loads(done.stdout.strip().splitlines()[-1])
        figures[label] = probe["growth_mb"]
        figures[f"{label}: peak RSS"] = probe["peak_mb"]
    return row("memory while bulk-reading a stream (growth: peak RSS minus peak before reading)",
               "MB", figures, f"{small} events, keep=False: peak RSS",
               "keep=False counts items without holding them; keep=True returns them all; "
               "peak RSS is the whole process's, app and Python included")


# -- output --------------------------------------------------------------------------------
def show(rows: list[Row]) -> str:
    lines = []
    for item in rows:
        lines.append(f"\n{item['name']}  [{item['unit']}]")
        for key, value in item["figures"].items():
            ratio = item["ratio_to_baseline"].get(key)
            mark = "baseline" if key == item["baseline"] else (f"x{ratio:g}" if ratio else "")
            lines.append(f"  {key:48} {value:>12.4g}   {mark}")
        if item["note"]:
            lines.append(f"  ({item['note']})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes; checks it works")
    args = parser.parse_args(argv)
    sizes = SMOKE if args.smoke else FULL
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    sys.path.insert(0, str(ROOT))
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    rows: list[Row] = []
    with ExternalServer() as server:
        rounds = []
        for _ in range(sizes.rounds):  # rounds interleave the contenders, so drift hits all
            rounds.append([measure_requests(sizes, server), *measure_streams(sizes, server),
                           *measure_concurrency(sizes, server)])
        rows += combine(rounds)
    rows.append(measure_cleanup(sizes))
    if not args.smoke:
        rows.append(measure_suites())
    rows.append(measure_memory(sizes))
    summary = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "smoke": args.smoke,
        "seconds": round(time.perf_counter() - started, 1),
        "measurements": rows,
    }
    (OUT / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(f"AsyncApiLibrary benchmark, {summary['date']}, {summary['machine']}"
          f"{' (smoke size: figures mean nothing)' if args.smoke else ''}")
    print(show(rows))
    print(f"\nwritten to {OUT / 'summary.json'} in {summary['seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
