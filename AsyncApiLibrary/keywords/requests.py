"""Keywords that send requests and return their responses."""

from __future__ import annotations

import logging
import time
from typing import Any

from robot.api import logger
from robot.api.deco import keyword

from .. import core
from ..arguments import Duration, build_request, chat_body, json_value, seconds
from ..core.exchange import ELAPSED
from ..display import clip
from ..httpclient import httpx
from ..results import ApiResponse
from ..targets import Target
from .base import LibraryComponent

TAGS = ["requests"]


class RequestKeywords(LibraryComponent):
    """Send one request, a chat, or many chats at once."""

    @keyword(tags=TAGS)
    def send_request(
        self,
        method: str,
        path: str,
        json: Any = None,
        data: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        timeout: Duration | None = None,
        alias: str | None = None,
    ) -> ApiResponse:
        """Sends one request and returns the response once its body has arrived.

        | =Argument= | =Meaning= |
        | ``method`` | HTTP method, e.g. ``GET`` or ``POST``. |
        | ``path`` | Path relative to the client's base URL, e.g. ``/chat``. |
        | ``json`` | Body sent as JSON: JSON text (``{"stream": true}``, ``"hello"``, ``null``), a Robot dictionary or list, or a number. Text that is not JSON is sent as a JSON string. |
        | ``data`` | Body sent as a form. |
        | ``params`` | Query parameters. |
        | ``headers`` | Extra headers for this request only. |
        | ``timeout`` | Deadline for the whole exchange; defaults to the client's. |
        | ``alias`` | Client to use; defaults to the current one. |

        The response is also remembered, for the rest of the test, for `Status Should Be`
        and the other checks, and its fields are usable in Robot:
        ``${response.status_code}``, ``${response.json()}``.

        Example:
        | ${response} = | `Send Request` | POST | /jobs | json={"kind": "report"} |
        """
        name = self.ctx.clients.resolve(alias)
        target = self.ctx.target(name)
        body = json_value(json)
        request = build_request(target, method, path, body, data, params, headers)
        self.check_request(target, request, body)
        limit = seconds(timeout, target.options.timeout)
        raw = self.run(core.exchange, target, request, limit, deadline=limit)
        self._log_exchange(target, request, raw)
        response = ApiResponse(raw)
        self.ctx.remember(name, response)
        self.check_response(target, raw)
        return response

    def _log_exchange(self, target: Target, request: httpx.Request,
                      response: httpx.Response) -> None:
        mask = self.ctx.masker
        elapsed = response.extensions.get(ELAPSED, 0.0)
        logger.info(
            mask.text(f"{request.method} {target.shown(request.url)} -> {response.status_code} "
                      f"{response.reason_phrase} in {elapsed:.1f} ms")
        )
        if not logging.getLogger().isEnabledFor(logging.DEBUG):
            # Robot sets the root logger's level to its own: at INFO the details below
            # would be dropped, so only their credentials are remembered for masking.
            mask.learn(request.headers.multi_items())  # what the test sent, not the answer
            return
        details = [f"Request headers: {mask.headers(request.headers.multi_items())}"]
        if request.content:
            details.append(f"Request body: {mask.body(clip(request.content))}")
        details.append("Response headers: "
                       f"{mask.headers(response.headers.multi_items(), learn=False)}")
        details.append(f"Response body: {mask.body(clip(response.content))}")
        logger.debug("\n".join(details))  # one message: Robot's cost is per message

    @keyword(tags=TAGS)
    def send_chat(
        self,
        message: str | None = None,
        path: str = "/chat",
        field: str = "message",
        timeout: Duration | None = None,
        alias: str | None = None,
        **fields: Any,
    ) -> ApiResponse:
        """Posts a chat message and returns the response.

        The body is ``{field: message}`` plus any extra ``name=value`` fields, posted to
        ``path``; the defaults fit the sample app (``POST /chat`` with
        ``{"message": ...}``). Each extra field is a JSON value, as ``json`` of
        `Send Request`: ``max_tokens=5`` sends a number, ``stream=true`` a boolean. For an
        OpenAI-style gateway give the conversation as ``messages`` and leave ``message``
        out.

        Example:
        | ${reply} = | `Send Chat` | Hello there | max_tokens=5 |
        | `Json Field Should Be` | reply | Hello there |
        | `Send Chat` | path=/v1/chat/completions | model=sample | messages=[{"role": "user", "content": "hi"}] |
        """
        body = chat_body(message, field, fields)
        return self.send_request("POST", path, json=body, timeout=timeout, alias=alias)

    @keyword(tags=TAGS)
    def send_chats_concurrently(
        self,
        messages: list[str],
        path: str = "/chat",
        field: str = "message",
        timeout: Duration | None = None,
        alias: str | None = None,
    ) -> list[ApiResponse]:
        """Posts every message at once from one keyword and returns the responses in order.

        Each request is ``POST path`` with body ``{field: message}``.

        All requests are in flight together in the library's event loop; the keyword
        returns when the last answer arrived or fails at ``timeout``, which bounds the
        whole batch. In-process every request reaches the app at once; over a socket
        (``server`` and URL mode) at most 100 are in flight at a time, the size of the
        client's connection pool, and each next one starts as soon as one is answered.

        Example:
        | @{replies} = | `Send Chats Concurrently` | ${messages} |
        """
        name = self.ctx.clients.resolve(alias)
        target = self.ctx.target(name)
        requests = [build_request(target, "POST", path, {field: m}) for m in messages]
        limit = seconds(timeout, target.options.timeout)
        started = time.perf_counter()
        answered = self.run(core.gather, target, requests, limit, deadline=limit)
        for raw in answered:
            self.check_response(target, raw)
        responses = [ApiResponse(raw) for raw in answered]
        logger.info(
            f"Sent {len(requests)} chats concurrently to {path}; all answered in "
            f"{(time.perf_counter() - started) * 1000:.1f} ms; statuses: "
            f"{_status_counts(responses)}."
        )
        if responses:
            self.ctx.remember(name, responses[-1])
        return responses


def _status_counts(responses: list[ApiResponse]) -> str:
    counts: dict[int, int] = {}
    for response in responses:
        counts[response.status_code] = counts.get(response.status_code, 0) + 1
    return ", ".join(f"{count}x {status}" for status, count in sorted(counts.items()))

