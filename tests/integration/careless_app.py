"""An app with the async mistakes Python itself notices, each behind its own route.

A coroutine called without ``await``, a task whose exception nobody retrieves, a socket
never closed, a finalizer that raises: each only prints to stderr in production.
"""

from __future__ import annotations

import asyncio
import socket

from fastapi import FastAPI

app = FastAPI()


async def notify_upstream() -> None:
    """Something the handler meant to await."""


@app.get("/forgot-await")
async def forgot_await() -> dict[str, bool]:
    notify_upstream()  # the bug: the coroutine is created and dropped, never run
    return {"ok": True}


@app.get("/unretrieved")
async def unretrieved() -> dict[str, bool]:
    async def audit() -> None:
        raise RuntimeError("the audit log is down")

    done = asyncio.Event()
    task = asyncio.get_running_loop().create_task(audit())
    task.add_done_callback(lambda _: done.set())
    await done.wait()
    del task  # the bug: the task's exception is never looked at
    return {"ok": True}


@app.get("/unclosed")
async def unclosed() -> dict[str, bool]:
    connection = socket.socket()  # the bug: never closed
    del connection
    return {"ok": True}


class _Session:
    def __del__(self) -> None:
        raise RuntimeError("the session could not be closed")


@app.get("/finalizer-raises")
async def finalizer_raises() -> dict[str, bool]:
    _Session()  # the bug: its finalizer raises where nothing can catch it
    return {"ok": True}


@app.get("/careful")
async def careful() -> dict[str, bool]:
    return {"ok": True}


@app.get("/after-done")
async def after_done():
    from fastapi.responses import StreamingResponse

    body = "event: start\ndata: {}\n\nevent: done\ndata: {}\n\nevent: token\ndata: late\n\n"
    return StreamingResponse(iter([body]), media_type="text/event-stream")


async def _close_upstream() -> None:
    """A close that never completes: the upstream does not answer."""
    await asyncio.Event().wait()


@app.get("/fire-and-forget")
async def fire_and_forget() -> dict[str, bool]:
    asyncio.get_running_loop().create_task(_close_upstream())  # the bug: nobody awaits it
    return {"ok": True}
