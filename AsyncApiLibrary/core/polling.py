"""Asking a service again and again, with a deadline: is it up, has a field settled."""

from __future__ import annotations

import time
from typing import Any

import anyio

from ..errors import ExpectationFailed
from ..httpclient import httpx
from ..jsonpath import lookup, same_value
from ..targets import Target
from .exchange import exchange

UP_POLL = 0.05  # seconds between two tries of a service that is starting


async def wait_until_up(target: Target, request: httpx.Request,
                        limit: float) -> tuple[float | None, str]:
    """Milliseconds until ``request`` got a status below 500 (None at ``limit``), and the
    last outcome seen."""
    started = time.perf_counter()
    last = "no answer yet"
    with anyio.move_on_after(limit):
        while True:
            try:
                response = await target.client.send(request)
                await response.aclose()
                last = f"status {response.status_code}"
                if response.status_code < 500:
                    return (time.perf_counter() - started) * 1000, last
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            await anyio.sleep(UP_POLL)
    return None, last


async def poll_json_field(target: Target, request: httpx.Request, field: str, expected: Any,
                          limit: float, pause: float) -> tuple[float | None, Any]:
    """Milliseconds until JSON ``field`` of ``request``'s answer equals ``expected`` (None
    at ``limit``), and the last value seen."""
    started = time.perf_counter()
    last: Any = None
    with anyio.move_on_after(limit):
        while True:
            response = await exchange(target, target.client.build_request(
                request.method, request.url, headers=request.headers), limit)
            try:
                last = lookup(response.json(), field)
            except (ValueError, ExpectationFailed):
                last = f"<no field '{field}' in {response.status_code} response>"
            if same_value(last, expected):
                return (time.perf_counter() - started) * 1000, last
            await anyio.sleep(pause)
    return None, last
