"""Requests under a deadline: one exchange, a batch in flight together, a stream opened."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import anyio

from ..errors import AsyncApiError, ConnectionFailed, DeadlineExceeded
from ..httpclient import httpx
from ..streams import LiveStream
from ..targets import CONNECTIONS, Target

ELAPSED = "asyncapi_elapsed_ms"  # the response extension that carries the exchange's time


@contextmanager
def exchange_errors(request: httpx.Request, limit: float) -> Iterator[None]:
    """Turn the client's and anyio's exceptions into one sentence each."""
    try:
        yield
    except TimeoutError:
        raise DeadlineExceeded(
            f"{request.method} {request.url} got no answer within {limit:g} s."
        ) from None
    except httpx.TimeoutException as exc:
        raise DeadlineExceeded(
            f"{request.method} {request.url} timed out in httpx ({type(exc).__name__})."
        ) from None
    except httpx.ConnectError as exc:
        raise ConnectionFailed(
            f"Could not connect to {request.url.scheme}://{request.url.netloc.decode()} "
            f"for {request.method} {request.url.path}: {exc or 'connection refused'}."
        ) from None
    except httpx.HTTPError as exc:
        raise ConnectionFailed(
            f"{request.method} {request.url} failed: {type(exc).__name__}: {exc}."
        ) from None


async def exchange(target: Target, request: httpx.Request, limit: float) -> httpx.Response:
    """Send ``request`` and read the whole response within ``limit`` seconds."""
    started = time.perf_counter()
    with exchange_errors(request, limit), anyio.fail_after(limit):
        response = await target.send_whole(request)
    response.extensions[ELAPSED] = (time.perf_counter() - started) * 1000
    return response


async def gather(target: Target, requests: list[httpx.Request],
                 limit: float) -> list[httpx.Response]:
    """Every request in flight together, under one deadline for the whole batch.

    Over a socket, no more requests are handed to httpx at once than the client has
    connections: httpcore's pool rescans every queued request against every connection
    whenever one frees up, so 1,000 queued behind 100 connections cost seconds (15 s
    here, against 1 s with the queue kept short), and the pool carries no more at once.
    """
    results: list[Any] = [None] * len(requests)
    errors: list[AsyncApiError] = []
    waiting = iter(enumerate(requests))  # shared by the workers: each takes the next one

    async def worker() -> None:
        for index, request in waiting:
            try:
                with exchange_errors(request, limit):
                    results[index] = await target.send_whole(request)
            except AsyncApiError as exc:
                errors.append(exc)

    width = len(requests) if target.mode == "in-process" else CONNECTIONS
    try:
        with anyio.fail_after(limit):
            async with anyio.create_task_group() as group:
                for _ in range(min(width, len(requests))):
                    group.start_soon(worker)
    except TimeoutError:
        missing = sum(result is None for result in results) - len(errors)
        raise DeadlineExceeded(
            f"{missing} of {len(requests)} concurrent requests got no answer within {limit:g} s."
        ) from None
    if errors:
        raise type(errors[0])(f"{len(errors)} of {len(requests)} requests failed; first: {errors[0]}")
    return results


async def open_stream(target: Target, make_stream: Callable[[], LiveStream],
                      limit: float) -> LiveStream:
    """Build the stream in the loop (its anyio parts need it) and open it: one hand-over."""
    stream = make_stream()
    try:
        with exchange_errors(stream.request, limit), anyio.fail_after(limit):
            await stream.open(target.client, target.task_group, target.contract)
    except BaseException:  # refused, not a stream, its deadline, Robot's timeout, Ctrl-C
        stream.discard()
        raise
    return stream


async def open_streams(target: Target, makers: list[Callable[[], LiveStream]],
                       limit: float) -> list[LiveStream]:
    """Open every stream at once, under one deadline; all open, or none stays open."""
    opened: list[LiveStream | None] = [None] * len(makers)

    async def one(index: int) -> None:
        opened[index] = await open_stream(target, makers[index], limit)

    try:
        with one_failure(len(makers), "streams could not be opened"):
            async with anyio.create_task_group() as group:
                for index in range(len(makers)):
                    group.start_soon(one, index)
    except BaseException:
        with anyio.CancelScope(shield=True):
            for stream in opened:
                if stream is not None:
                    await stream.release()
        raise
    return [stream for stream in opened if stream is not None]


@contextmanager
def one_failure(total: int, what: str) -> Iterator[None]:
    """Library errors of tasks run together become one: how many, and the first."""
    try:
        yield
    except BaseExceptionGroup as group:
        errors = [e for e in group.exceptions if isinstance(e, AsyncApiError)]
        if not errors or len(errors) != len(group.exceptions):
            raise
        if len(errors) == 1:
            raise errors[0] from None
        raise type(errors[0])(f"{len(errors)} of {total} {what}; the first: {errors[0]}") from None
