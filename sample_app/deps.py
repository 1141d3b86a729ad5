"""FastAPI dependencies: the LLM client, the settings, the caller's token, the gauges."""

from __future__ import annotations

import hmac
import time
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any, TypeVar

from fastapi import Depends, HTTPException, Request
from fastapi.requests import HTTPConnection

from .config import Settings
from .llm import LLMClient
from .ops import Gauges

T = TypeVar("T")


# These take an HTTPConnection, which FastAPI passes to HTTP and WebSocket routes alike.

def get_settings(conn: HTTPConnection) -> Settings:
    return conn.app.state.settings


def get_gauges(conn: HTTPConnection) -> Gauges:
    return conn.app.state.gauges


def get_llm_client(conn: HTTPConnection) -> LLMClient:
    """The upstream model client. Tests replace this dependency with a fake."""
    return conn.app.state.llm


def check_token(authorization: str | None, settings: Settings) -> str:
    """Return the caller's token or raise 401 with a sentence saying what is wrong.

    Every refusal is 401 with ``WWW-Authenticate: Bearer``: no header, a header that is not
    ``Bearer <token>`` (another scheme, or no token after it), an expired token, and a
    token that is not exactly one the gateway issued (tokens compare in constant time).
    """
    if not authorization:
        raise _refused("Missing bearer token.")
    if settings.has_bug("scheme-not-checked"):
        scheme, token = "bearer", authorization.split(" ")[-1]
    else:
        scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _refused("The Authorization header must be 'Bearer <token>'.")
    if not _issued(token, settings):
        if settings.has_bug("blocking-brute-force-delay"):
            time.sleep(0.5)  # slows down guessing, and every other request with it
        if settings.has_bug("invalid-token-403"):
            raise HTTPException(403, "Invalid bearer token.")
        if settings.has_bug("no-www-authenticate"):
            raise HTTPException(401, "Invalid bearer token.")
        raise _refused("Invalid bearer token.")
    if token in settings.expired_tokens and not settings.has_bug("expired-token-accepted"):
        raise _refused("The bearer token has expired.")
    return token


def _refused(sentence: str) -> HTTPException:
    return HTTPException(401, sentence, headers={"WWW-Authenticate": "Bearer"})


def _issued(token: str, settings: Settings) -> bool:
    """Whether the gateway ever issued ``token`` (valid or since expired)."""
    issued = settings.tokens | settings.expired_tokens
    if settings.has_bug("token-prefix-match"):
        return any(token.startswith(known) for known in issued)
    return any(hmac.compare_digest(token.encode(), known.encode()) for known in issued)


async def require_token(request: Request, settings: Settings = Depends(get_settings)) -> str:
    """The caller's token, checked before the route runs (401 otherwise)."""
    return check_token(request.headers.get("authorization"), settings)


class StreamCloser:
    """The stream generators of one request, closed once its response is over."""

    def __init__(self) -> None:
        self._streams: list[AsyncGenerator[Any, None]] = []

    def track(self, stream: AsyncGenerator[T, None]) -> AsyncGenerator[T, None]:
        self._streams.append(stream)
        return stream

    async def aclose(self) -> None:
        for stream in self._streams:
            await stream.aclose()  # a generator that already finished: nothing happens


async def stream_closer() -> AsyncIterator[StreamCloser]:
    """Runs a stream generator's ``finally`` even when FastAPI abandons the generator.

    FastAPI's native streaming pulls items with its own code between the generator and
    the response (a producer task for SSE, a wrapper with a checkpoint for JSON lines). A
    client that leaves while the stream is backed up gets that code cancelled while the
    generator waits at a ``yield``; nothing closes the generator then until garbage
    collection. This teardown runs after the response, whatever happened, and closes it.
    """
    closer = StreamCloser()
    try:
        yield closer
    finally:
        await closer.aclose()
