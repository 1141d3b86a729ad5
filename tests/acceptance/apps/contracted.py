"""An app whose OpenAPI document describes its streams item by item, and whose answers
drift from it on request: a renamed field in one event, a wrong type, a status it does
not declare. FastAPI writes the item schema from the annotations; the events are sent
as ``ServerSentEvent``s, which FastAPI does not check, as a drifting app's would be."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic import BaseModel

app = FastAPI()


class Token(BaseModel):
    index: int
    text: str


class Reply(BaseModel):
    reply: str
    tokens: int


@app.get("/tokens", response_class=EventSourceResponse)
async def tokens(n: int = 3, drift_at: int = -1, drift: str = "rename") -> AsyncIterator[Token]:
    for index in range(n):
        data: dict = {"index": index, "text": f"t{index}"}
        if index == drift_at:
            data = {"index": index, "txt": "t"} if drift == "rename" else {"index": "x", "text": "t"}
        yield ServerSentEvent(data=data, event="token")


class Done(BaseModel):
    tokens: int


@app.get("/finished", response_class=EventSourceResponse)
async def finished(n: int = 2, drift: str = "") -> AsyncIterator[Token | Done]:
    """Tokens, then a done event; ``drift=rename`` renames the done event's field,
    ``drift=swap`` sends a token's data in it (valid for one model of the two, the wrong one)."""
    for index in range(n):
        yield ServerSentEvent(data={"index": index, "text": "t"}, event="token")
    done = {"rename": {"token_count": n}, "swap": {"index": n, "text": "t"}}.get(drift)
    yield ServerSentEvent(data=done or {"tokens": n}, event="done")


@app.get("/lines")
async def lines(n: int = 2, drift_at: int = -1) -> AsyncIterator[Token]:
    for index in range(n):
        yield {"index": index, "text": "t"} if index != drift_at else {"index": index}


@app.get("/reply", response_model=Reply)
async def reply(drift: bool = False, teapot: bool = False) -> object:
    if teapot:
        return JSONResponse({"detail": "I am a teapot"}, status_code=418)
    if drift:
        return JSONResponse({"reply": "hi", "tokens": "two"})
    return Reply(reply="hi", tokens=2)


@app.post("/echo", response_model=Reply)
async def echo(body: Reply) -> Reply:
    return body


mounted = FastAPI()  # the same API served under /api, as behind a gateway's route
mounted.mount("/api", app)
