"""The gateway's OpenAI-compatible face: ``POST /v1/chat/completions``.

The same chat as ``/chat`` and ``/chat/stream`` (the same model, token check, upstream
deadline and cleanup), in the chat-completions shape. With ``stream: true``: a chunk with the
assistant role, one chunk per token, a last chunk whose ``finish_reason`` is ``length`` when
the reply reached ``max_tokens`` and ``stop`` otherwise, a usage chunk (empty ``choices``)
when ``stream_options.include_usage`` is set, then ``data: [DONE]``. A model failing half way
ends the stream with one ``{"error": ...}`` chunk and no ``[DONE]``. Without ``stream``: one
``chat.completion`` object, or the gateway's JSON error with its status.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Literal

from fastapi import Depends, FastAPI, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field, model_validator

from .chat import StreamCall, chat_events
from .config import Settings
from .deps import StreamCloser, check_token, get_gauges, get_llm_client, get_settings, stream_closer
from .llm import LLMClient, httpx
from .models import ChatRequest
from .ops import Gauges
from .upstream import map_upstream_error

Complete = Callable[[LLMClient, str, int, Settings], Awaitable[str]]


class Message(BaseModel):
    role: Literal["system", "user", "assistant"]
    content: str = Field(max_length=4000)


class StreamOptions(BaseModel):
    include_usage: bool = False


class CompletionRequest(BaseModel):
    model: str = "sample-model"
    messages: list[Message] = Field(min_length=1)
    max_tokens: int = Field(16, ge=1, le=256)
    stream: bool = False
    stream_options: StreamOptions | None = None

    @model_validator(mode="after")
    def _ends_with_a_question(self) -> CompletionRequest:
        last = self.messages[-1]
        if last.role != "user" or not last.content.strip():
            raise ValueError("The last message must be the user's, and not blank.")
        return self

    def chat(self) -> ChatRequest:
        return ChatRequest(message=self.messages[-1].content, max_tokens=self.max_tokens)


class Completion:
    """One completion's identity, shared by all its chunks."""

    def __init__(self, model: str) -> None:
        self.id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        self.created = int(time.time())
        self.model = model

    def chunk(self, choices: list[dict[str, Any]], **extra: Any) -> str:
        body = {"id": self.id, "object": "chat.completion.chunk", "created": self.created,
                "model": self.model, "choices": choices, **extra}
        return f"data: {json.dumps(body)}\n\n"

    def delta(self, delta: dict[str, Any], finish_reason: str | None = None) -> str:
        return self.chunk([{"index": 0, "delta": delta, "finish_reason": finish_reason}])


def usage(prompt: str, tokens: int) -> dict[str, int]:
    asked = len(prompt.split())
    return {"prompt_tokens": asked, "completion_tokens": tokens, "total_tokens": asked + tokens}


async def openai_chunks(body: CompletionRequest, events: AsyncIterator[Any],
                        bug: Callable[[str], bool]) -> AsyncIterator[str]:
    """The chat's events (start, token..., done or error) as chat-completion chunks."""
    completion = Completion(body.model)
    async for kind, data in events:
        if kind == "start":
            yield completion.delta({"role": "assistant", "content": ""})
        elif kind == "token":
            yield completion.delta({"content": data["text"]})
        elif kind == "error":
            error = {"message": data["message"], "type": data["kind"], "code": None}
            yield f"data: {json.dumps({'error': error})}\n\n"
            if bug("openai-done-after-error"):
                yield "data: [DONE]\n\n"
            return
        else:  # done
            cut = data["tokens"] >= body.max_tokens and not bug("openai-finish-reason-always-stop")
            reason = "length" if cut else "stop"
            yield completion.delta({}, reason)
            asked = body.stream_options and body.stream_options.include_usage
            if asked and not bug("openai-usage-ignored"):
                yield completion.chunk([], usage=usage(body.chat().message, data["tokens"]))
            yield "data: [DONE]\n\n"
            return


def add_openai_routes(app: FastAPI, settings: Settings, complete: Complete) -> None:
    """``POST /v1/chat/completions`` on ``app``; ``complete`` is the gateway's whole reply."""

    @app.post("/v1/chat/completions", response_model=None)
    async def chat_completions(
        request: Request, body: CompletionRequest,
        llm: LLMClient = Depends(get_llm_client), gauges: Gauges = Depends(get_gauges),
        closer: StreamCloser = Depends(stream_closer),
        current: Settings = Depends(get_settings),
    ) -> dict[str, Any] | StreamingResponse:
        """The chat in the OpenAI chat-completions shape, streamed or whole."""
        authorization = request.headers.get("authorization")
        check_token(authorization, current)
        chat = body.chat()
        if body.stream:
            events = chat_events(StreamCall(chat, authorization), llm, gauges, current,
                                 lambda kind, data: (kind, data))
            chunks = closer.track(openai_chunks(body, events, current.has_bug))
            return StreamingResponse(chunks, media_type="text/event-stream",
                                     headers={"Cache-Control": "no-cache"})
        try:
            reply = await complete(llm, chat.message, chat.max_tokens, current)
        except (TimeoutError, httpx.HTTPError) as exc:
            raise map_upstream_error(exc, current) from None
        tokens = len(reply.split())
        completion = Completion(body.model)
        return {"id": completion.id, "object": "chat.completion", "created": completion.created,
                "model": body.model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": reply},
                             "finish_reason": "length" if tokens >= chat.max_tokens else "stop"}],
                "usage": usage(chat.message, tokens)}
