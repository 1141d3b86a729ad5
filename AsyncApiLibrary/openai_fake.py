"""A fake OpenAI-compatible upstream, served over HTTP on loopback and scripted by a test.

It answers ``POST /v1/chat/completions`` the way such services do: a JSON completion, or,
with ``"stream": true``, Server-Sent Events carrying ``data: {"choices": [{"delta": ...}]}``
chunks and a final ``data: [DONE]``. What it answers is the :class:`~.fakes.Script` of a
:class:`~.fakes.FakeUpstream`, so the same script and assertion keywords work for it as for
an in-process fake. Over HTTP the scripted failures become:

- ``status``: that HTTP status with an OpenAI-style error body (and ``Retry-After``); after
  some tokens, an error chunk ``data: {"error": ...}`` and the end of the stream;
- ``timeout``: the server stops sending and waits, so the caller's own timeout fires;
- ``disconnect``: the connection is cut without a complete response;
- ``hang``: it waits until the caller goes away.

A scripted dictionary item is one streamed tool-call piece (``delta.tool_calls``), and a
stream that carried one finishes with ``finish_reason: tool_calls``; a scripted whole
reply that is a dictionary with ``tool_calls`` is answered as a tool-calling message.

Each request is one call on the fake, recorded with the body's fields plus ``prompt`` (the
last message's content). A call is closed when the server has finished with the request,
and cancelled when the caller disconnected while the server was still waiting on it.
"""

from __future__ import annotations

import json
import time
from typing import Any

from .asgi_helpers import (
    JSON_HEADERS,
    HostedFake,
    ScriptedHangUp,
    answer_call,
    lifespan,
    read_body,
    send_json,
    stall,
)
from .fakes import FakeCall, FakeUpstream
from .httpclient import httpx

PATH = "/v1/chat/completions"



class FakeOpenAIServer(HostedFake):
    """An async context manager that serves a scripted fake on 127.0.0.1:<free port>."""

    def __init__(self, fake: FakeUpstream, *, name: str = "openai") -> None:
        super().__init__(fake, name=name, title="fake OpenAI server")

    # -- the ASGI app -------------------------------------------------------------------
    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        raw = await read_body(receive)
        if scope["method"] != "POST" or scope["path"] != PATH:
            await send_json(send, 404, {"error": {"message": f"Only POST {PATH} is served."}})
            return
        try:
            body = json.loads(raw or b"{}")
            if not isinstance(body, dict):
                raise ValueError("not an object")
        except ValueError:
            await send_json(send, 400, {"error": {"message": "The body is not a JSON object."}})
            return
        call = self.fake.chat_completions(**_recorded_fields(body))
        reply = _stream_reply if body.get("stream") else _whole_reply
        await answer_call(call, receive, lambda: reply(call, send))


def _recorded_fields(body: dict) -> dict[str, Any]:
    fields = {str(k): v for k, v in body.items()}
    messages = body.get("messages")
    if isinstance(messages, list) and messages and isinstance(messages[-1], dict):
        fields.setdefault("prompt", messages[-1].get("content"))
    return fields


async def _whole_reply(call: FakeCall, send: Any) -> None:
    try:
        text = await call
    except httpx.HTTPStatusError as exc:
        await _send_status_error(send, exc)
        return
    except httpx.TimeoutException:
        await stall()
        return
    except httpx.TransportError:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [*JSON_HEADERS, (b"content-length", b"1000")]})
        await send({"type": "http.response.body", "body": b'{"choices": [', "more_body": True})
        raise ScriptedHangUp("The fake OpenAI server cut the connection as scripted.") from None
    message: dict[str, Any] = {"role": "assistant", "content": text}
    finish = "stop"
    if isinstance(text, dict) and "tool_calls" in text:  # a scripted tool-calling reply
        message = {"role": "assistant", "content": text.get("content"),
                   "tool_calls": text["tool_calls"]}
        finish = "tool_calls"
    await send_json(send, 200, {
        "id": f"chatcmpl-fake-{len(call.fake.calls)}",
        "object": "chat.completion",
        "created": int(time.time()),
        "choices": [{"index": 0, "finish_reason": finish, "message": message}],
    })


async def _stream_reply(call: FakeCall, send: Any) -> None:
    # Real services send their headers at once; only a status failure before any token
    # is an HTTP error response rather than an event stream.
    refused = call.script.fail_after == 0 and call.script.failure == "status"
    if not refused:
        await _start_events(send)
    tool_calls = False
    try:
        async for token in call:
            # A scripted dictionary is one piece of a tool call, as OpenAI streams it.
            delta = {"tool_calls": [token]} if isinstance(token, dict) else {"content": token}
            tool_calls = tool_calls or isinstance(token, dict)
            await _send_event(send, {"object": "chat.completion.chunk",
                                     "choices": [{"index": 0, "delta": delta}]})
        if tool_calls:
            await _send_event(send, {"object": "chat.completion.chunk", "choices": [
                {"index": 0, "delta": {}, "finish_reason": "tool_calls"}]})
    except httpx.HTTPStatusError as exc:
        if refused:
            await _send_status_error(send, exc)
            return
        await _send_event(send, _error_body(exc))
        await send({"type": "http.response.body", "body": b""})
        return
    except httpx.TimeoutException:
        await stall()
        return
    except httpx.TransportError:
        raise ScriptedHangUp("The fake OpenAI server cut the stream as scripted.") from None
    await send({"type": "http.response.body", "body": b"data: [DONE]\n\n"})


async def _start_events(send: Any) -> None:
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/event-stream"),
                            (b"cache-control", b"no-cache")]})


async def _send_event(send: Any, payload: dict) -> None:
    data = b"data: " + json.dumps(payload).encode() + b"\n\n"
    await send({"type": "http.response.body", "body": data, "more_body": True})


def _error_body(exc: httpx.HTTPStatusError) -> dict:
    status = exc.response.status_code
    kind = "rate_limit_exceeded" if status == 429 else "server_error"
    return {"error": {"message": f"The fake upstream failed with status {status}.",
                      "type": kind, "code": status}}


async def _send_status_error(send: Any, exc: httpx.HTTPStatusError) -> None:
    headers = {}
    retry = exc.response.headers.get("retry-after")
    if retry:
        headers["retry-after"] = retry
    await send_json(send, exc.response.status_code, _error_body(exc), headers)


