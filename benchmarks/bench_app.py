"""The app every benchmark contender talks to: a JSON echo, an SSE stream of n events,
and a stream that holds after its first event until the client leaves."""

from __future__ import annotations

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
