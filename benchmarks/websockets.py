"""WebSocket messages per second read through the library, beside raw httpx2 WebSockets.

Usage: ``python benchmarks/websockets.py [--smoke]``

The app (``benchmarks/ws_bench_app.py``, ``/ws``) answers ``{"n": N}`` with N small JSON
messages ``{"type":"token","i":i}`` and ``{"type":"done"}``. Each figure is N over the
time from sending that request to reading the done message (the handshake is left out),
in two modes: in process, and over a socket to the library's own uvicorn
(``Open App ... mode=server``, which ``Target(..., TargetOptions(mode="server"))`` hosts
on the library's loop). Rows:

* one keyword at a time: ``Read Next Message`` once per message, through ``robot``;
* in bulk: ``Read Until Done`` on the WebSocket by name, through ``robot``; and the core
  without Robot: ``LiveSocket.arrived_item`` / ``next_item`` in a loop in pure asyncio
  (what ``Read Until Done`` runs on the library's loop);
* baselines, raw httpx2 reading the same messages (``receive_text`` and ``json.loads``,
  until the done message): over the socket, ``AsyncWebSocketClient`` against a uvicorn
  the library hosts in that same loop (the core row uses that same server); in process,
  httpx2's own ``ASGIWebSocketTransport`` on the same app.

Robot runs are subprocesses on a suite written to a temporary directory; their time is
taken from ``output.xml``: from the start of ``Send Json Message`` to the end of the
keyword that read the done message. Every contender runs in each of several interleaved
rounds and each figure is the median of its rounds; a bulk read is each side's fastest of
three per round, as in ``bench.py``. The ratio is library / raw in messages per second
(above 1: the library is faster). Written to ``results/bench/websockets.json``.
``--smoke`` runs every contender at a tiny size, only to show it still works.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Run as a script, this file's folder comes first on sys.path, and this file is named as
# the `websockets` package uvicorn imports: put the project root there instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from functools import partial  # noqa: E402
from typing import Any  # noqa: E402

from httpx2.websockets import ASGIWebSocketTransport, AsyncWebSocketClient  # noqa: E402
from robot.api import ExecutionResult  # noqa: E402

from AsyncApiLibrary import core  # noqa: E402
from AsyncApiLibrary.conventions import DoneRule, ErrorRule  # noqa: E402
from AsyncApiLibrary.httpclient import httpx  # noqa: E402
from AsyncApiLibrary.targets import Target, TargetOptions  # noqa: E402
from AsyncApiLibrary.websocket import LiveSocket, handshake_headers  # noqa: E402

APP = "benchmarks.ws_bench_app:app"
OUT = ROOT / "results" / "bench"
ROBOT_LIMIT = 600  # seconds per robot run: a hang fails the benchmark instead of stalling it
LIMIT = 300.0  # seconds any one read may take
MODES = (("in-process", "in-process"), ("socket", "server"))  # label, the library's mode


@dataclass
class Sizes:
    each: int  # messages read one keyword at a time
    bulk: int  # messages read in one go
    tries: int  # bulk reads per round; the fastest counts
    rounds: int


FULL = Sizes(each=2000, bulk=10_000, tries=3, rounds=5)
SMOKE = Sizes(each=20, bulk=50, tries=1, rounds=1)

SUITE = """*** Settings ***
Library           AsyncApiLibrary    timeout=300s    leak_check=off
Suite Setup       Open App    APP_PATH    mode=${MODE}
Suite Teardown    Close All Clients

*** Test Cases ***
Message By Message
    Open WebSocket    /ws    name=each
    Send Json Message    {"n": ${EACH}}
    FOR    ${i}    IN RANGE    ${EACH}
        Read Next Message
    END
    Expect Message    done
    Disconnect WebSocket

Bulk To Done
    FOR    ${i}    IN RANGE    ${TRIES}
        Open WebSocket    /ws    name=bulk${i}
        Send Json Message    {"n": ${BULK}}
        ${items} =    Read Until Done    stream=bulk${i}
        Should Be Equal As Integers    ${{len($items)}}    ${BULK}
        Disconnect WebSocket
    END

Keyword Floor
    FOR    ${i}    IN RANGE    ${EACH}
        No Operation
    END
""".replace("APP_PATH", APP)


# -- through robot ----------------------------------------------------------------------
def robot_rates(mode: str, sizes: Sizes) -> dict[str, float]:
    """One robot run: messages/s one keyword at a time, in bulk (fastest try), and
    Robot's own keyword call in ms (``No Operation``), for scale."""
    with tempfile.TemporaryDirectory(prefix="ws-bench-") as folder:
        suite, output = Path(folder) / "ws_bench.robot", Path(folder) / "output.xml"
        suite.write_text(SUITE, encoding="utf-8")
        command = [sys.executable, "-m", "robot", "--output", str(output), "--log", "NONE",
                   "--report", "NONE", "--console", "none", "--variable", f"MODE:{mode}",
                   "--variable", f"EACH:{sizes.each}", "--variable", f"BULK:{sizes.bulk}",
                   "--variable", f"TRIES:{sizes.tries}", str(suite)]
        done = subprocess.run(command, cwd=ROOT, timeout=ROBOT_LIMIT, check=False)
        result = ExecutionResult(str(output))
    tests = {test.name: test for test in result.suite.all_tests}
    failed = [f"{t.name}: {t.message}" for t in tests.values() if not t.passed]
    if done.returncode != 0 or failed:
        raise RuntimeError(f"The robot run in mode {mode} failed: "
                           f"{'; '.join(failed) or done.returncode}")
    each = tests["Message By Message"].body  # Open, Send, FOR, Expect Message done, Disconnect
    per_message = _seconds(each[1], each[3])
    loop = next(item for item in tests["Bulk To Done"].body if item.type == "FOR")
    bulk = min(_seconds(it.body[1], it.body[2]) for it in loop.body)  # Send .. Read Until Done
    floor = tests["Keyword Floor"].elapsed_time.total_seconds()
    return {"each": sizes.each / per_message, "bulk": sizes.bulk / bulk,
            "keyword_ms": floor / sizes.each * 1000}


def _seconds(first: Any, last: Any) -> float:
    """From the start of keyword ``first`` to the end of keyword ``last``."""
    return (last.end_time - first.start_time).total_seconds()


# -- the core, and raw httpx2, in pure asyncio ------------------------------------------------
async def core_read(target: Target, count: int) -> float:
    """Open a LiveSocket as `Open WebSocket` does, send the request, and read to the done
    message with the loop of `Read Until Done` (arrived_item, else next_item)."""
    request = target.client.build_request("GET", target.url_for("/ws"),
                                          headers=handshake_headers([]))
    make = partial(LiveSocket, "bench", request, subprotocols=[],
                   done=DoneRule.parse("event:done"), error_rule=ErrorRule.parse("event:error"),
                   buffer_size=target.options.buffer_size)
    socket = await core.open_socket(target, make, LIMIT)
    try:
        started = time.perf_counter()
        await socket.send_message(json.dumps({"n": count}), "request")
        seen = 0
        while True:
            item = socket.arrived_item() or await socket.next_item(None)
            if item is socket.done_item:
                break
            seen += 1
        took = time.perf_counter() - started
    finally:
        await socket.release()
    assert seen == count, seen
    return took


async def raw_read(client: httpx.AsyncClient, url: str, count: int) -> float:
    """The same with httpx2's WebSocket client alone."""
    websockets = AsyncWebSocketClient(client, max_message_size_bytes=16 * 1024 * 1024,
                                      keepalive_ping_interval_seconds=None)
    async with websockets.connect(url) as session:
        started = time.perf_counter()
        await session.send_text(json.dumps({"n": count}))
        seen = 0
        while json.loads(await session.receive_text())["type"] != "done":
            seen += 1
        took = time.perf_counter() - started
    assert seen == count, seen
    return took


async def asyncio_rates(label: str, mode: str, sizes: Sizes) -> dict[str, float]:
    """The core and raw httpx2, in one loop: over a socket both talk to the one uvicorn
    the library hosts in that loop; in process, each through its own ASGI transport."""
    rates: dict[str, float] = {}
    async with Target("bench", APP, TargetOptions(mode=mode, timeout=LIMIT)) as target:
        if label == "socket":
            raw_client = httpx.AsyncClient(base_url=target.base_url, timeout=LIMIT)
        else:
            from benchmarks.ws_bench_app import app  # the app object the target serves

            raw_client = httpx.AsyncClient(transport=ASGIWebSocketTransport(app),
                                           base_url="http://testserver", timeout=LIMIT)
        async with raw_client:
            raw_each = await raw_read(raw_client, "/ws", sizes.each)
            core_bulk, raw_bulk = [], []
            for _ in range(sizes.tries):  # interleaved: drift hits both sides alike
                core_bulk.append(await core_read(target, sizes.bulk))
                raw_bulk.append(await raw_read(raw_client, "/ws", sizes.bulk))
    rates["raw each"] = sizes.each / raw_each
    rates["core bulk"] = sizes.bulk / min(core_bulk)
    rates["raw bulk"] = sizes.bulk / min(raw_bulk)
    return rates


# -- the table ----------------------------------------------------------------------------
ROWS = (  # key of the library's figure, key of its baseline, what is measured
    ("each", "raw each", "Read Next Message, one keyword per message (robot)"),
    ("bulk", "raw bulk", "Read Until Done, bulk (robot)"),
    ("core bulk", "raw bulk", "core: arrived_item/next_item loop, bulk (no Robot)"),
)


def table(figures: dict[str, dict[str, float]], sizes: Sizes) -> list[dict[str, Any]]:
    rows = []
    for label, _ in MODES:
        got = figures[label]
        for library, raw, what in ROWS:
            count = sizes.each if library == "each" else sizes.bulk
            rows.append({"mode": label, "measurement": what, "messages": count,
                         "library_per_s": got[library], "raw_per_s": got[raw],
                         "ratio": got[library] / got[raw]})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes; checks it works")
    args = parser.parse_args(argv)
    sizes = SMOKE if args.smoke else FULL
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    started = time.perf_counter()
    rounds: dict[str, list[dict[str, float]]] = {label: [] for label, _ in MODES}
    for _ in range(sizes.rounds):  # rounds interleave the contenders, so drift hits all
        for label, mode in MODES:
            measured = robot_rates(mode, sizes)
            measured.update(asyncio.run(asyncio_rates(label, mode, sizes)))
            rounds[label].append(measured)
    figures = {label: {key: statistics.median(r[key] for r in measured)
                       for key in measured[0]} for label, measured in rounds.items()}
    rows = table(figures, sizes)
    seconds = time.perf_counter() - started
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"WebSocket messages per second, {date}, {machine}, median of {sizes.rounds} "
          f"round{'s' if sizes.rounds > 1 else ''}"
          f"{' (smoke size: figures mean nothing)' if args.smoke else ''}")
    print("\n| mode | measurement | messages | AsyncApiLibrary msg/s | raw httpx2 msg/s | "
          "library/raw |\n| --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['mode']} | {r['measurement']} | {r['messages']} | "
              f"{r['library_per_s']:,.0f} | {r['raw_per_s']:,.0f} | {r['ratio']:.2f} |")
    floors = [figures[label]["keyword_ms"] for label, _ in MODES]
    print(f"\nRobot's own keyword call (No Operation): {statistics.median(floors):.3f} ms. "
          "Raw httpx2 in process is its ASGIWebSocketTransport (every message framed and "
          "parsed by wsproto); over a socket, both sides use the uvicorn the library hosts.")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "websockets.json").write_text(json.dumps(
        {"date": date, "machine": machine, "smoke": args.smoke, "sizes": vars(sizes),
         "rounds": rounds, "rows": rows, "seconds": round(seconds, 1)}, indent=1) + "\n",
        encoding="utf-8")
    print(f"written to {OUT / 'websockets.json'} in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
