"""The gateway's OpenAI-compatible face: ``POST /v1/chat/completions``.

The same chat as ``/chat`` and ``/chat/stream`` (the same model, token check, upstream
deadline and cleanup), in the chat-completions shape. With ``stream: true``: a chunk with the
assistant role, one chunk per token, a last chunk whose ``finish_reason`` is ``length`` when
the reply reached ``max_tokens`` and ``stop`` otherwise, a usage chunk (empty ``choices``)
when ``stream_options.include_usage`` is set, then ``data: [DONE]``. A model failing half way
ends the stream with one ``{"error": ...}`` chunk and no ``[DONE]``. Without ``stream``: one
``chat.completion`` object, or the gateway's JSON error with its status.

With ``tools`` (OpenAI function tools), the model is offered them; the tool calls it makes
stream as ``delta.tool_calls`` pieces, each with its call's ``index`` (``id``, ``type`` and
the function's name on the first piece of each call, the arguments' JSON text in pieces),
and the last chunk says ``finish_reason: "tool_calls"``; whole, the message carries
``tool_calls`` (its ``content`` null when the model wrote no text) and the same finish
reason. A tool call the client could not run or the request's ``tool_choice`` did not allow,
or no call where it required one (see :mod:`sample_app.tools` and
:mod:`sample_app.conversation`), is the model's failure: an ``upstream_error`` error chunk and
no ``[DONE]``, or 502 when whole. The model's prompt is the last message (the user's
question, or a tool's result); a longer conversation is passed on to it whole.

The route declares both answers of 200 in the OpenAPI document: the ``chat.completion``
object as ``application/json``, and the chunks as the ``itemSchema`` of
``text/event-stream`` (each event's ``data`` a :class:`ChatCompletionChunk` or an
:class:`ErrorChunk`; the last one, ``[DONE]``, is the stream's sentinel, not JSON).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Literal

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field, model_validator
from pydantic.json_schema import SkipJsonSchema, models_json_schema

from . import bugs
from .chat import StreamCall, chat_events
from .config import Settings
from .conversation import (
    Message,
    ToolChoice,
    ToolResult,
    ToolRules,
    choice_problem,
    conversation_problem,
)
from .deps import StreamCloser, check_token, get_gauges, get_llm_client, get_settings, stream_closer
from .llm import LLMClient, Reply, httpx
from .models import REFUSED, UPSTREAM_FAILED, ChatRequest, UpstreamErrorKind
from .ops import Gauges
from .tools import MalformedToolCall, StreamedCalls, Tool, ToolCall, ToolCallDelta, whole_calls
from .upstream import UpstreamFailure, map_upstream_error

Complete = Callable[[LLMClient, str, int, Settings, dict[str, Any]], Awaitable[Reply]]


class StreamOptions(BaseModel):
    include_usage: bool = False


class CompletionRequest(BaseModel):
    model: str = "sample-model"
    messages: list[Message] = Field(min_length=1)
    max_tokens: int = Field(16, ge=1, le=256)
    stream: bool = False
    stream_options: StreamOptions | None = None
    tools: list[Tool] | None = Field(None, max_length=128,
                                     description="Functions the model may call.")
    tool_choice: ToolChoice | SkipJsonSchema[None] = Field(
        None, description="Which of the tools the model may call: auto (the default), none, "
                          "required, or the one function named.")

    @model_validator(mode="after")
    def _checked(self) -> CompletionRequest:
        problem = (conversation_problem(self.messages, lambda name: bugs.active() == name)
                   or choice_problem(self.tool_choice, self.tool_names()))
        if problem:
            raise ValueError(problem)
        return self

    def chat(self) -> ChatRequest:
        """The prompt: the user's question, or the tool's result, that ends the conversation
        (a tool's result may be empty: the model still has the conversation)."""
        last = self.messages[-1]
        if isinstance(last, ToolResult):
            return ChatRequest.model_construct(message=last.content, max_tokens=self.max_tokens)
        return ChatRequest(message=last.content, max_tokens=self.max_tokens)

    def tool_names(self) -> set[str]:
        """The names of the functions offered: the only tools the model may call."""
        return {tool.function.name for tool in self.tools or []}

    def rules(self, bug: Callable[[str], bool]) -> ToolRules:
        return ToolRules(self.tool_names(), self.tool_choice, bug)

    def offered(self, bug: Callable[[str], bool]) -> dict[str, Any]:
        """What the model is given beside its prompt: the tools and the tool_choice, and
        the whole conversation when it is more than the one question (each only if any)."""
        offered: dict[str, Any] = {}
        if self.tools:
            offered["tools"] = [tool.model_dump(exclude_none=True) for tool in self.tools]
        if self.tool_choice is not None and not bug("openai-tool-choice-dropped"):
            offered["tool_choice"] = (self.tool_choice if isinstance(self.tool_choice, str)
                                      else self.tool_choice.model_dump())
        if len(self.messages) > 1 and not bug("openai-conversation-dropped"):
            offered["messages"] = [message.model_dump(exclude_unset=True)
                                   for message in self.messages]
        return offered


FinishReason = Literal["stop", "length", "tool_calls"]


class Usage(BaseModel):
    """What a completion cost, in the model's tokens (here: words)."""
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class AssistantMessage(BaseModel):
    """The reply; a reply that calls tools has ``tool_calls``, and null ``content`` when
    the model wrote no text."""
    role: Literal["assistant"]
    content: str | None
    tool_calls: list[ToolCall] | SkipJsonSchema[None] = None


class CompletionChoice(BaseModel):
    index: int
    message: AssistantMessage
    finish_reason: FinishReason


class ChatCompletion(BaseModel):
    """The whole reply, without ``stream``."""
    id: str
    object: Literal["chat.completion"]
    created: int = Field(description="When the completion was created, in Unix seconds.")
    model: str
    choices: list[CompletionChoice]
    usage: Usage


# A field that some chunks leave out is never null in the others: SkipJsonSchema keeps
# null out of the document.
class ChunkDelta(BaseModel):
    """What a chunk adds to the reply: the role (first chunk), some text, a piece of a
    tool call, or nothing (the last chunk)."""
    role: Literal["assistant"] | SkipJsonSchema[None] = None
    content: str | SkipJsonSchema[None] = None
    tool_calls: list[ToolCallDelta] | SkipJsonSchema[None] = None


class ChunkChoice(BaseModel):
    index: int
    delta: ChunkDelta
    finish_reason: FinishReason | None


class ChatCompletionChunk(BaseModel):
    """One chunk of a streamed reply; the usage chunk has no choices and carries ``usage``."""
    id: str
    object: Literal["chat.completion.chunk"]
    created: int = Field(description="When the completion was created, in Unix seconds.")
    model: str
    choices: list[ChunkChoice]
    usage: Usage | SkipJsonSchema[None] = None


class StreamError(BaseModel):
    message: str
    type: UpstreamErrorKind
    code: str | None


class ErrorChunk(BaseModel):
    """The chunk that ends a stream whose model failed half way (no ``[DONE]`` follows)."""
    error: StreamError


CHUNK_MODELS = (ChatCompletionChunk, ErrorChunk)

CHUNK_EVENTS = {
    "type": "object",
    "properties": {"data": {
        "type": "string",
        "contentMediaType": "application/json",
        # An object with "error" is the error chunk, any other a chunk: a chunk that drifts
        # is then reported at the field that drifted, not as matching neither model.
        "contentSchema": {"if": {"type": "object", "required": ["error"]},
                          "then": {"$ref": "#/components/schemas/ErrorChunk"},
                          "else": {"$ref": "#/components/schemas/ChatCompletionChunk"}},
        "description": "A chat.completion.chunk, or the error chunk that ends a failed "
                       "stream; after the last chunk of a finished stream, the sentinel "
                       "[DONE] (not JSON).",
    }},
    "required": ["data"],
}


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


def usage(prompt: str, tokens: int, bug: Callable[[str], bool]) -> dict[str, int]:
    asked = len(prompt.split())
    if bug("openai-usage-renamed"):  # the Responses API's names, not chat-completions'
        return {"input_tokens": asked, "output_tokens": tokens, "total_tokens": asked + tokens}
    return {"prompt_tokens": asked, "completion_tokens": tokens, "total_tokens": asked + tokens}


async def openai_chunks(body: CompletionRequest, events: AsyncIterator[Any],
                        bug: Callable[[str], bool]) -> AsyncIterator[str]:
    """The chat's events (start, token or tool_call..., done or error) as chat-completion
    chunks; a tool call the client could not run ends them with an error chunk."""
    completion = Completion(body.model)
    calls = StreamedCalls(bug, body.rules(bug))
    async for kind, data in events:
        if kind == "start":
            if bug("openai-role-chunk-without-index"):
                # the role chunk written out by hand: its choice has no index
                yield completion.chunk([{"delta": {"role": "assistant", "content": ""},
                                         "finish_reason": None}])
                continue
            yield completion.delta({"role": "assistant", "content": ""})
        elif kind == "token":
            yield completion.delta({"content": data["text"]})
        elif kind == "tool_call":
            try:
                piece = calls.relay(data)
            except MalformedToolCall as exc:
                yield error_chunk(exc.message)
                return
            yield completion.delta({"tool_calls": [piece]})
        elif kind == "error":
            error = {"message": data["message"], "type": data["kind"], "code": None}
            yield f"data: {json.dumps({'error': error})}\n\n"
            if bug("openai-done-after-error"):
                yield "data: [DONE]\n\n"
            return
        else:  # done
            cut = data["tokens"] >= body.max_tokens and not bug("openai-finish-reason-always-stop")
            problem = None if cut else calls.problem()
            if problem:
                yield error_chunk(problem)
                return
            called = calls.calls and not bug("openai-tool-calls-finish-with-stop")
            reason = "length" if cut else "tool_calls" if called else "stop"
            yield completion.delta({}, reason)
            asked = body.stream_options and body.stream_options.include_usage
            if asked and not bug("openai-usage-ignored"):
                yield completion.chunk([], usage=usage(body.chat().message, data["tokens"], bug))
            yield "data: [DONE]\n\n"
            return


def error_chunk(message: str) -> str:
    """The error chunk of a model whose tool call cannot be used."""
    error = {"message": message, "type": "upstream_error", "code": None}
    return f"data: {json.dumps({'error': error})}\n\n"


def whole_message(reply: Reply, bug: Callable[[str], bool], rules: ToolRules,
                  max_tokens: int) -> tuple[dict[str, Any], int]:
    """The assistant message of a whole reply, and its tokens (the words of its text and
    of its calls' arguments); 502 when a tool call cannot be used, or is missing from a
    reply that was not cut at ``max_tokens``."""
    if isinstance(reply, str):
        reply = {"content": reply}
    content = reply.get("content")
    try:
        calls = whole_calls(reply.get("tool_calls") or [], bug, rules)
    except MalformedToolCall as exc:
        raise UpstreamFailure(502, "upstream_error", exc.message) from None
    text = " ".join([content or ""] + [call["function"]["arguments"] for call in calls])
    missing = rules.missing_call_problem(bool(calls))
    if missing and len(text.split()) < max_tokens:  # a reply cut short is not checked
        raise UpstreamFailure(502, "upstream_error", missing)
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if calls:
        message["tool_calls"] = calls
    return message, len(text.split())


def add_openai_routes(app: FastAPI, settings: Settings, complete: Complete) -> None:
    """``POST /v1/chat/completions`` on ``app``; ``complete`` is the gateway's whole reply."""
    document_chunks(app)

    @app.post("/v1/chat/completions", response_model=None, responses={
        200: {"model": ChatCompletion,
              "description": "The whole reply; with stream, its chunks as Server-Sent Events.",
              "content": {"text/event-stream": {"itemSchema": CHUNK_EVENTS}}},
        **REFUSED, **UPSTREAM_FAILED})
    async def chat_completions(
        request: Request, body: CompletionRequest,
        llm: LLMClient = Depends(get_llm_client), gauges: Gauges = Depends(get_gauges),
        closer: StreamCloser = Depends(stream_closer),
        current: Settings = Depends(get_settings),
    ) -> dict[str, Any] | StreamingResponse | JSONResponse:
        """The chat in the OpenAI chat-completions shape, streamed or whole."""
        authorization = request.headers.get("authorization")
        check_token(authorization, current)
        chat = body.chat()
        if body.stream:
            call = StreamCall(chat, authorization, body.offered(current.has_bug))
            events = closer.track(chat_events(call, llm, gauges, current,
                                              lambda kind, data: (kind, data)))
            chunks = closer.track(openai_chunks(body, events, current.has_bug))
            return StreamingResponse(chunks, media_type="text/event-stream",
                                     headers={"Cache-Control": "no-cache"})
        try:
            reply = await complete(llm, chat.message, chat.max_tokens, current,
                                   body.offered(current.has_bug))
        except (TimeoutError, httpx.HTTPError) as exc:
            failure = map_upstream_error(exc, current)
            if current.has_bug("openai-error-in-openai-shape"):
                # an OpenAI client expects OpenAI's error object: the stream's error chunk
                error = {"message": failure.message, "type": failure.kind, "code": failure.status}
                return JSONResponse({"error": error}, status_code=failure.status,
                                    headers=failure.headers)
            raise failure from None
        message, tokens = whole_message(reply, current.has_bug, body.rules(current.has_bug),
                                        chat.max_tokens)
        completion = Completion(body.model)
        created = time.time() if current.has_bug("openai-created-float") else completion.created
        called = "tool_calls" in message and not current.has_bug(
            "openai-tool-calls-finish-with-stop")
        reason = "tool_calls" if called else "length" if tokens >= chat.max_tokens else "stop"
        return {"id": completion.id, "object": "chat.completion", "created": created,
                "model": body.model,
                "choices": [{"index": 0, "message": message, "finish_reason": reason}],
                "usage": usage(chat.message, tokens, current.has_bug)}


def document_chunks(app: FastAPI) -> None:
    """Add the chunk models, which only the ``itemSchema`` of the stream names, to the
    components of ``app``'s OpenAPI document (FastAPI adds those of ``responses=`` models
    only)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            _, found = models_json_schema([(model, "serialization") for model in CHUNK_MODELS],
                                          ref_template="#/components/schemas/{model}")
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            for name, schema in found.get("$defs", {}).items():
                schemas.setdefault(name, schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
