"""Chat-completion streams in the OpenAI shape, one well formed and one that breaks the
rules clients rely on (a second id, content after finish_reason, a tool-call delta with
no index, no usage chunk although asked)."""

from __future__ import annotations

import json

from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

app = FastAPI()


class Chunk(BaseModel):
    id: str
    object: str
    choices: list[dict]


def _sse(chunks: list[dict]) -> StreamingResponse:
    body = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    return StreamingResponse(iter([body]), media_type="text/event-stream")


def _chunk(id_: str, delta: dict, finish: str | None = None) -> dict:
    return {"id": id_, "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


@app.post("/good")
async def good(body: dict) -> StreamingResponse:
    calls = [{"index": 0, "id": "call_1", "type": "function",
              "function": {"name": "get_weather", "arguments": '{"city": '}}]
    chunks = [_chunk("c1", {"role": "assistant"}), _chunk("c1", {"content": "Hi"}),
              _chunk("c1", {"tool_calls": calls}),
              _chunk("c1", {"tool_calls": [{"index": 0, "function": {"arguments": '"Paris"}'}}]}),
              _chunk("c1", {}, "tool_calls")]
    if body.get("stream_options", {}).get("include_usage"):
        chunks.append({"id": "c1", "object": "chat.completion.chunk", "choices": [],
                       "usage": {"prompt_tokens": 5, "completion_tokens": 3}})
    return _sse(chunks)


@app.post("/bad")
async def bad(body: dict) -> StreamingResponse:
    return _sse([_chunk("c1", {"content": "Hi"}, "stop"), _chunk("c2", {"content": "again"}),
                 _chunk("c2", {"tool_calls": [{"function": {"name": "x"}}]})])


class ChunkWithModel(Chunk):
    model: str
