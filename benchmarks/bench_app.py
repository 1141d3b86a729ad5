"""The app every benchmark contender talks to: a JSON echo, an SSE stream of n events,
and a stream that holds after its first event until the client leaves."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import anyio
from fastapi import FastAPI, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

app = FastAPI(title="benchmark app")


class Chat(BaseModel):
    message: str


@app.post("/chat")
async def chat(body: Chat) -> dict[str, str]:
    return {"reply": f"Echo: {body.message}", "message": body.message}


@app.get("/events")
async def events(n: int = Query(1000, ge=1, le=1_000_000)) -> StreamingResponse:
    async def stream() -> AsyncIterator[str]:
        for index in range(n):
            yield f"event: token\ndata: {{\"index\": {index}}}\n\n"
        yield "event: done\ndata: {}\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream")


@app.get("/hold")
async def hold() -> StreamingResponse:
    async def stream() -> AsyncIterator[str]:
        yield "event: start\ndata: {}\n\n"
        await anyio.sleep_forever()

    return StreamingResponse(stream(), media_type="text/event-stream")


@app.get("/stamped")
async def stamped(n: int = Query(20, ge=1, le=100_000),
                  gap_ms: float = Query(5.0, ge=0, le=1000)) -> StreamingResponse:
    """``n`` events, ``gap_ms`` apart, each carrying the moment it is handed to the server
    (``time.perf_counter()``: the monotonic clock, shared by every process on the machine),
    then a done event. The fidelity benchmark compares it with the arrival stamps."""

    async def stream() -> AsyncIterator[str]:
        for _ in range(n):
            await anyio.sleep(gap_ms / 1000)
            yield f"event: token\ndata: {time.perf_counter():.9f}\n\n"
        yield "event: done\ndata: {}\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream")


_TOKEN_ITEM = {
    "type": "object", "required": ["data"],
    "properties": {"event": {"type": "string"}, "data": {
        "type": "string", "contentMediaType": "application/json",
        "contentSchema": {"type": "object", "required": ["index", "text"], "properties": {
            "index": {"type": "integer"}, "text": {"type": "string"}}}}}}


@app.get("/typed-events", response_class=StreamingResponse, responses={
    200: {"content": {"text/event-stream": {"itemSchema": _TOKEN_ITEM}}}})
async def typed_events(n: int = Query(1000, ge=1, le=1_000_000)) -> StreamingResponse:
    """``n`` token events whose item and data schemas the OpenAPI document gives, sent as
    fast as ``/events`` sends its own, for the contract benchmark."""

    async def stream() -> AsyncIterator[str]:
        for index in range(n):
            yield f'event: token\ndata: {{"index": {index}, "text": "tok"}}\n\n'
        yield 'event: done\ndata: {"index": -1, "text": ""}\n\n'

    return StreamingResponse(stream(), media_type="text/event-stream")
