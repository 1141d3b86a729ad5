"""LLM clients: a deterministic built-in model, and an OpenAI-compatible HTTP client.

A client is asked for a reply to ``prompt`` of at most ``max_tokens`` tokens, and may be
offered ``tools`` (OpenAI function tools, as dicts) with a ``tool_choice`` (OpenAI's:
``"auto"``, ``"none"``, ``"required"`` or a dict naming one function), and given the whole
conversation as ``messages`` (OpenAI's message dicts, ``prompt`` the last one's content):
only the OpenAI-compatible route passes them, and only when its caller sent them. Streamed, it yields its text a token at a time and,
when it calls tools, each piece of a call as one entry of OpenAI's ``delta.tool_calls``
(a dict: ``index``; ``id``, ``type`` and ``function.name`` on the first piece of each
call; ``function.arguments``, the next piece of the arguments' JSON text). Whole, it
returns its text, or, when it calls tools, the assistant message as a dict
(``{"content": str | None, "tool_calls": [{"id", "type", "function": {"name",
"arguments"}}]}``). See :mod:`sample_app.tools` for what the gateway makes of them.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any, Protocol

import anyio
import anyio.lowlevel
import httpx2 as httpx

Tools = list[dict[str, Any]]
Messages = list[dict[str, Any]]
Reply = str | dict[str, Any]
"""A whole reply: the text, or the assistant message that calls tools."""
Piece = str | dict[str, Any]
"""A streamed piece: a token of text, or a piece of a tool call."""


class LLMClient(Protocol):
    async def complete(self, *, prompt: str, max_tokens: int, tools: Tools | None = None,
                       tool_choice: Any = None, messages: Messages | None = None) -> Reply: ...

    def stream(self, *, prompt: str, max_tokens: int, tools: Tools | None = None,
               tool_choice: Any = None, messages: Messages | None = None,
               ) -> AsyncIterator[Piece]: ...

    async def aclose(self) -> None: ...


class UpstreamReportedError(httpx.RemoteProtocolError):
    """The upstream reported a failure in the middle of its stream, with an HTTP status."""

    def __init__(self, status: int, message: str, *, request: httpx.Request) -> None:
        super().__init__(f"The upstream reported an error mid-stream: {message}", request=request)
        self.status = status


class EchoModel:
    """Offline and deterministic: answers ``Echo: <prompt>``, one word per token; it is
    offered tools like any model, and never calls one."""

    def __init__(self, token_delay: float = 0.0, *, bug: str | None = None) -> None:
        self.token_delay = token_delay
        self._bug = bug
        self._pending: list[str] = []

    def _words(self, prompt: str, max_tokens: int) -> list[str]:
        words = f"Echo: {prompt}".split(" ")
        words = words[:max_tokens]
        return [w + " " for w in words[:-1]] + words[-1:]

    async def complete(self, *, prompt: str, max_tokens: int, tools: Tools | None = None,
                       tool_choice: Any = None, messages: Messages | None = None) -> str:
        await anyio.lowlevel.checkpoint()
        return "".join(self._words(prompt, max_tokens))

    async def stream(self, *, prompt: str, max_tokens: int, tools: Tools | None = None,
                     tool_choice: Any = None, messages: Messages | None = None,
                     ) -> AsyncIterator[str]:
        if self._bug == "echo-model-instance-state":
            self._pending = self._words(prompt, max_tokens)  # one client serves every request
            while self._pending:
                await self._pause()
                yield self._pending.pop(0)
            return
        for word in self._words(prompt, max_tokens):
            await self._pause()
            yield word

    async def _pause(self) -> None:
        if self.token_delay:
            await anyio.sleep(self.token_delay)
        else:
            await anyio.lowlevel.checkpoint()

    async def aclose(self) -> None:
        return None


class OpenAICompatibleClient:
    """Talks to ``POST {base_url}/v1/chat/completions`` (plain and ``stream: true``).

    One client, and one pool of at most ``max_connections`` connections, serves every
    request of the gateway; a reply read to its end or cut short gives its connection back.
    """

    def __init__(self, base_url: str, api_key: str = "", timeout: float = 30.0, *,
                 max_connections: int = 100, bug: str | None = None) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), headers=headers, timeout=timeout,
            limits=httpx.Limits(max_connections=max_connections))
        self._bug = bug
        self._messages: list[dict[str, str]] = []

    def _body(self, prompt: str, max_tokens: int, stream: bool, offered: dict[str, Any]) -> dict:
        messages = offered.get("messages") or [{"role": "user", "content": prompt}]
        if self._bug == "shared-upstream-messages":
            self._messages.append({"role": "user", "content": prompt})  # "the conversation"
            messages = self._messages
        body = {
            "model": "sample",
            "messages": messages,
            "max_tokens": max_tokens,
            "stream": stream,
        }
        for name in ("tools", "tool_choice"):
            if offered.get(name):
                body[name] = offered[name]
        return body

    async def complete(self, *, prompt: str, max_tokens: int, tools: Tools | None = None,
                       tool_choice: Any = None, messages: Messages | None = None) -> Reply:
        offered = {"tools": tools, "tool_choice": tool_choice, "messages": messages}
        body = self._body(prompt, max_tokens, False, offered)
        response = await self._client.post("/v1/chat/completions", json=body)
        if self._bug == "client-retries-server-errors" and response.status_code >= 500:
            response = await self._client.post("/v1/chat/completions", json=body)
        response.raise_for_status()
        try:
            message = response.json()["choices"][0]["message"]
            if message.get("tool_calls"):
                return {"content": message.get("content"), "tool_calls": message["tool_calls"]}
            return message["content"]
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            raise _malformed(response.request, "reply") from None

    async def stream(self, *, prompt: str, max_tokens: int, tools: Tools | None = None,
                     tool_choice: Any = None, messages: Messages | None = None,
                     ) -> AsyncIterator[Piece]:
        offered = {"tools": tools, "tool_choice": tool_choice, "messages": messages}
        body = self._body(prompt, max_tokens, True, offered)
        if self._bug == "upstream-response-leaked-on-error":
            request = self._client.build_request("POST", "/v1/chat/completions", json=body)
            response = await self._client.send(request, stream=True)
            response.raise_for_status()  # an error reply is never closed: its connection stays taken
            try:
                async for token in _tokens(response):
                    yield token
            finally:
                await response.aclose()
            return
        async with self._client.stream("POST", "/v1/chat/completions", json=body) as response:
            if response.is_error:
                await response.aread()
                response.raise_for_status()
            async for token in _tokens(response):
                yield token

    async def aclose(self) -> None:
        await self._client.aclose()


async def _tokens(response: httpx.Response) -> AsyncIterator[Piece]:
    """The content and the tool-call pieces of each ``data:`` chunk of an OpenAI stream,
    up to ``[DONE]``."""
    async for line in response.aiter_lines():
        if not line.startswith("data:"):
            continue
        payload = line[5:].strip()
        if payload == "[DONE]":
            return
        try:
            chunk = json.loads(payload)
            if "error" in chunk:
                raise _reported(chunk["error"], response.request)
            delta = chunk["choices"][0].get("delta", {})
            calls = delta.get("tool_calls") or []
            if not all(isinstance(call, dict) for call in calls):
                raise TypeError("a tool-call piece is not an object")
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            raise _malformed(response.request, "stream chunk") from None
        if delta.get("content"):
            yield delta["content"]
        for call in calls:
            yield call
    raise httpx.RemoteProtocolError("The upstream stream ended without [DONE].")


def _reported(error: Any, request: httpx.Request) -> httpx.RemoteProtocolError:
    message = error.get("message", "no message") if isinstance(error, dict) else str(error)
    code = error.get("code") if isinstance(error, dict) else None
    if isinstance(code, int) and 400 <= code <= 599:
        return UpstreamReportedError(code, message, request=request)
    return httpx.RemoteProtocolError(f"The upstream reported an error mid-stream: {message}",
                                     request=request)


def _malformed(request: httpx.Request, what: str) -> httpx.RemoteProtocolError:
    return httpx.RemoteProtocolError(f"The upstream sent a malformed {what}.", request=request)
