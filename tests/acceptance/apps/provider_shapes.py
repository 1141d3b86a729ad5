"""Streams in the shapes LLM servers other than OpenAI's own send: a failed chat stream
closed by ``[DONE]`` (vLLM, LiteLLM), an older vLLM error object, a legacy text-completion
stream, a long stream, JSON lines whose last line says ``"done": true`` (Ollama), answers
that may carry no content, and a WebSocket answering each message with a reply."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

import anyio
from fastapi import FastAPI, Query, WebSocket, WebSocketDisconnect
from fastapi.responses import StreamingResponse

app = FastAPI()


def _events(chunks: list[dict], done: bool = True) -> StreamingResponse:
    def body() -> Iterator[str]:
        for chunk in chunks:
            yield f"data: {json.dumps(chunk)}\n\n"
        if done:
            yield "data: [DONE]\n\n"

    return StreamingResponse(body(), media_type="text/event-stream")


def _delta(content: str) -> dict:
    return {"id": "c1", "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": None}]}


@app.post("/failing")
async def failing() -> StreamingResponse:
    """Two tokens, an error chunk, then [DONE], as vLLM and LiteLLM close a failed stream."""
    error = {"error": {"message": "The model crashed.", "type": "server_error", "code": 500}}
    return _events([_delta("This "), _delta("answer "), error])


@app.post("/old-error")
async def old_error() -> StreamingResponse:
    """An older vLLM's error: an object whose ``object`` is ``error``, and no [DONE]."""
    error = {"object": "error", "message": "Out of memory.", "type": "InternalServerError",
             "code": 500}
    return _events([_delta("Hi"), error], done=False)


@app.post("/v1/completions")
async def completions() -> StreamingResponse:
    """A legacy text completion: the text in ``choices.0.text``."""
    return _events([{"id": "t1", "object": "text_completion",
                     "choices": [{"index": 0, "text": word, "finish_reason": None}]}
                    for word in ("the ", "quick ", "brown")])


@app.post("/long")
async def long(n: int = Query(250)) -> StreamingResponse:
    return _events([_delta(f"t{i} ") for i in range(n)])


@app.post("/api/chat")
async def ollama(last: bool = Query(True), failed: bool = Query(False)) -> StreamingResponse:
    """Ollama's chat: JSON lines; the last one says ``"done": true`` and counts tokens."""
    def body() -> Iterator[str]:
        for word in ("Hello", " there"):
            yield json.dumps({"message": {"content": word}, "done": False}) + "\n"
        if failed:
            yield json.dumps({"status": "error", "error": "model unloaded"}) + "\n"
        elif last:
            yield json.dumps({"message": {"content": ""}, "done": True, "done_reason": "stop",
                              "eval_count": 2}) + "\n"

    return StreamingResponse(body(), media_type="application/x-ndjson")


@app.post("/whole-at-done")
async def whole_at_done() -> StreamingResponse:
    """JSON lines whose done line repeats the whole text (as Cohere's stream-end does)."""
    lines = [{"text": "Hello"}, {"text": " there"}, {"done": True, "text": "Hello there"}]
    return StreamingResponse(iter([json.dumps(line) + "\n" for line in lines]),
                             media_type="application/x-ndjson")


@app.post("/gemini")
async def gemini() -> StreamingResponse:
    """Gemini's stream: text in parts; the last event has text too, its finishReason and
    the usage; no [DONE]."""
    def event(text: str, last: bool = False) -> dict:
        candidate: dict = {"content": {"parts": [{"text": text}], "role": "model"}}
        if last:
            candidate["finishReason"] = "STOP"
        chunk: dict = {"candidates": [candidate]}
        if last:
            chunk["usageMetadata"] = {"promptTokenCount": 4, "candidatesTokenCount": 3}
        return chunk

    return _events([event("Hi "), event("there, "), event("you", last=True)], done=False)


@app.post("/flood")
async def flood() -> StreamingResponse:
    """More tokens than a reader's buffer holds, and no end while they wait."""
    async def body() -> AsyncIterator[str]:
        for index in range(500):
            yield f"data: {json.dumps(_delta(f't{index}'))}\n\n"
        await anyio.sleep_forever()

    return StreamingResponse(body(), media_type="text/event-stream")


@app.post("/maybe")
async def maybe(body: dict) -> StreamingResponse:
    """Two tokens, none at all (``silent``: only [DONE]), or (``fail``) an error chunk."""
    if body.get("fail"):
        return _events([_delta("a"), {"error": {"message": "The model crashed."}}])
    return _events([] if body.get("silent") else [_delta("a"), _delta("b")])


@app.websocket("/ws/replies")
async def replies(ws: WebSocket) -> None:
    """Each message ``{"n": N, "tag": T}`` is answered by N tokens ``T0``, ``T1``... and a done."""
    await ws.accept()
    try:
        while True:
            asked = await ws.receive_json()
            for index in range(asked["n"]):
                await ws.send_json({"type": "token", "text": f"{asked['tag']}{index} "})
            await ws.send_json({"type": "done"})
    except WebSocketDisconnect:
        return
