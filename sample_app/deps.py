"""FastAPI dependencies: the LLM client, the settings, the caller's token, the gauges."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any, TypeVar

from fastapi import Depends, HTTPException, Request

from .config import Settings
from .llm import LLMClient
from .ops import Gauges

T = TypeVar("T")


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_gauges(request: Request) -> Gauges:
    return request.app.state.gauges


def get_llm_client(request: Request) -> LLMClient:
    """The upstream model client. Tests replace this dependency with a fake."""
    return request.app.state.llm


def check_token(authorization: str | None, settings: Settings) -> str:
    """Return the caller's token or raise 401 with a sentence saying what is wrong."""
    if not authorization:
        raise HTTPException(401, "Missing bearer token.", headers={"WWW-Authenticate": "Bearer"})
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(401, "The Authorization header must be 'Bearer <token>'.",
                            headers={"WWW-Authenticate": "Bearer"})
    if token not in settings.tokens:
        raise HTTPException(401, "Invalid bearer token.", headers={"WWW-Authenticate": "Bearer"})
    return token


def require_token(request: Request, settings: Settings = Depends(get_settings)) -> str:
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
