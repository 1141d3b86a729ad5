"""LLM clients: a deterministic built-in model, and an OpenAI-compatible HTTP client."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Protocol

import anyio
import anyio.lowlevel
import httpx2 as httpx


class LLMClient(Protocol):
    async def complete(self, *, prompt: str, max_tokens: int) -> str: ...

    def stream(self, *, prompt: str, max_tokens: int) -> AsyncIterator[str]: ...

    async def aclose(self) -> None: ...


class EchoModel:
    """Offline and deterministic: answers ``Echo: <prompt>``, one word per token."""

    def __init__(self, token_delay: float = 0.0) -> None:
        self.token_delay = token_delay

    def _words(self, prompt: str, max_tokens: int) -> list[str]:
        words = f"Echo: {prompt}".split(" ")
        words = words[:max_tokens]
        return [w + " " for w in words[:-1]] + words[-1:]

    async def complete(self, *, prompt: str, max_tokens: int) -> str:
        await anyio.lowlevel.checkpoint()
        return "".join(self._words(prompt, max_tokens))

    async def stream(self, *, prompt: str, max_tokens: int) -> AsyncIterator[str]:
        for word in self._words(prompt, max_tokens):
            if self.token_delay:
                await anyio.sleep(self.token_delay)
            else:
                await anyio.lowlevel.checkpoint()
            yield word

    async def aclose(self) -> None:
        return None


class OpenAICompatibleClient:
    """Talks to ``POST {base_url}/v1/chat/completions`` (plain and ``stream: true``)."""

    def __init__(self, base_url: str, api_key: str = "", timeout: float = 30.0) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.AsyncClient(base_url=base_url.rstrip("/"), headers=headers,
                                         timeout=timeout)

    def _body(self, prompt: str, max_tokens: int, stream: bool) -> dict:
        return {
            "model": "sample",
            "messages": [{"role": "user", "content": prompt}],
            "max_tokens": max_tokens,
            "stream": stream,
        }

    async def complete(self, *, prompt: str, max_tokens: int) -> str:
        response = await self._client.post("/v1/chat/completions",
                                           json=self._body(prompt, max_tokens, False))
        response.raise_for_status()
        try:
            return response.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise _malformed(response.request, "reply") from None

    async def stream(self, *, prompt: str, max_tokens: int) -> AsyncIterator[str]:
        body = self._body(prompt, max_tokens, True)
        async with self._client.stream("POST", "/v1/chat/completions", json=body) as response:
            if response.is_error:
                await response.aread()
                response.raise_for_status()
            async for line in response.aiter_lines():
                if not line.startswith("data:"):
                    continue
                payload = line[5:].strip()
                if payload == "[DONE]":
                    return
                try:
                    chunk = json.loads(payload)
                    if "error" in chunk:
                        message = chunk["error"].get("message", "no message")
                        raise httpx.RemoteProtocolError(
                            f"The upstream reported an error mid-stream: {message}",
                            request=response.request)
                    delta = chunk["choices"][0].get("delta", {})
                except (ValueError, KeyError, IndexError, TypeError, AttributeError):
                    raise _malformed(response.request, "stream chunk") from None
                if delta.get("content"):
                    yield delta["content"]
            raise httpx.RemoteProtocolError("The upstream stream ended without [DONE].")

    async def aclose(self) -> None:
        await self._client.aclose()


def _malformed(request: httpx.Request, what: str) -> httpx.RemoteProtocolError:
    return httpx.RemoteProtocolError(f"The upstream sent a malformed {what}.", request=request)
