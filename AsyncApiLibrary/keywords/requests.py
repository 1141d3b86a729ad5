"""Keywords that send requests and check responses."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import anyio
from robot.api import logger
from robot.api.deco import keyword

from ..errors import (
    AsyncApiError,
    ConnectionFailed,
    DeadlineExceeded,
    ExpectationFailed,
    UsageError,
)
from ..httpclient import httpx
from ..jsonpath import lookup
from ..state import KeywordGroup, seconds
from ..targets import CONNECTIONS, Target

_BODY_LOG = 2000


class RequestKeywords(KeywordGroup):
    @keyword
    def send_request(
        self,
        method: str,
        path: str,
        json: dict | list | None = None,
        data: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        timeout: timedelta | None = None,
        alias: str | None = None,
    ) -> httpx.Response:
        """Sends one request and returns the response once its body has arrived.

        | =Argument= | =Meaning= |
        | ``method`` | HTTP method, e.g. ``GET`` or ``POST``. |
        | ``path`` | Path relative to the client's base URL, e.g. ``/chat``. |
        | ``json`` | Body sent as JSON (a dictionary, list or scalar). |
        | ``data`` | Body sent as a form. |
        | ``params`` | Query parameters. |
        | ``headers`` | Extra headers for this request only. |
        | ``timeout`` | Deadline for the whole exchange; defaults to the client's. |
        | ``alias`` | Client to use; defaults to the current one. |

        The response is also remembered for `Status Should Be` and the other checks, and
        its fields are usable in Robot: ``${response.status_code}``, ``${response.json()}``.

        Example:
        | ${response} = | `Send Request` | POST | /jobs | json={"kind": "report"} |
        """
        target = self._target(alias)
        request = self._build(target, method, path, json, data, params, headers)
        limit = seconds(timeout, target.options.timeout)
        response = self._run(_exchange, target, request, limit)
        self._log_exchange(request, response)
        self.state.last_response = response
        return response

    def _log_exchange(self, request: httpx.Request, response: httpx.Response) -> None:
        mask = self.state.masker
        elapsed = response.extensions.get("asyncapi_elapsed_ms", 0.0)
        logger.info(
            mask.text(f"{request.method} {request.url} -> {response.status_code} "
                      f"{response.reason_phrase} in {elapsed:.1f} ms")
        )
        if not logging.getLogger().isEnabledFor(logging.DEBUG):
            # Robot sets the root logger's level to its own: at INFO the details below
            # would be dropped, so only their credentials are remembered for masking.
            mask.learn(request.headers.multi_items())
            mask.learn(response.headers.multi_items())
            return
        details = [f"Request headers: {mask.headers(request.headers.multi_items())}"]
        if request.content:
            details.append(f"Request body: {mask.text(_clip(request.content))}")
        details.append(f"Response headers: {mask.headers(response.headers.multi_items())}")
        details.append(f"Response body: {mask.text(_clip(response.content))}")
        logger.debug("\n".join(details))  # one message: Robot's cost is per message

    @keyword
    def send_chat(
        self,
        message: str,
        path: str = "/chat",
        field: str = "message",
        timeout: timedelta | None = None,
        alias: str | None = None,
        **fields: Any,
    ) -> httpx.Response:
        """Posts a chat message and returns the response.

        The body is ``{field: message}`` plus any extra ``name=value`` fields, posted to
        ``path``; the defaults fit the sample app (``POST /chat`` with
        ``{"message": ...}``).

        Example:
        | ${reply} = | `Send Chat` | Hello there | max_tokens=${5} |
        | `Json Field Should Be` | reply | Hello there |
        """
        body = {field: message, **fields}
        return self.send_request("POST", path, json=body, timeout=timeout, alias=alias)

    @keyword
    def send_chats_concurrently(
        self,
        messages: list[str],
        path: str = "/chat",
        field: str = "message",
        timeout: timedelta | None = None,
        alias: str | None = None,
    ) -> list[httpx.Response]:
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
        target = self._target(alias)
        requests = [
            self._build(target, "POST", path, {field: m}, None, None, None) for m in messages
        ]
        limit = seconds(timeout, target.options.timeout)
        started = time.perf_counter()
        responses = self._run(_gather, target, requests, limit)
        logger.info(
            f"Sent {len(requests)} chats concurrently to {path}; all answered in "
            f"{(time.perf_counter() - started) * 1000:.1f} ms; statuses: "
            f"{_status_counts(responses)}."
        )
        if responses:
            self.state.last_response = responses[-1]
        return responses

    # -- checks ---------------------------------------------------------------------
    def _response(self, response: httpx.Response | None) -> httpx.Response:
        if response is not None:
            return response
        if self.state.last_response is None:
            raise UsageError("No response yet; send a request first.")
        return self.state.last_response

    @keyword
    def status_should_be(self, expected: int, response: httpx.Response | None = None) -> None:
        """Fails unless the response (default: the last one) has status ``expected``.

        Example:
        | `Status Should Be` | 429 |
        """
        got = self._response(response)
        if got.status_code != expected:
            raise ExpectationFailed(
                f"Expected status {expected} from {got.request.method} {got.request.url.path}, "
                f"got {got.status_code} {got.reason_phrase}: {_clip(got.content, 200)}."
            )

    @keyword
    def header_should_be(self, name: str, expected: str,
                         response: httpx.Response | None = None) -> None:
        """Fails unless response header ``name`` equals ``expected``.

        Example:
        | `Header Should Be` | Retry-After | 7 |
        """
        got = self._response(response)
        value = got.headers.get(name)
        if value is None:
            raise ExpectationFailed(
                f"Expected header '{name}' to be '{expected}', but the response has no such header."
            )
        if value != str(expected):
            raise ExpectationFailed(f"Expected header '{name}' to be '{expected}', got '{value}'.")

    @keyword
    def get_json_field(self, field: str, response: httpx.Response | None = None) -> Any:
        """Returns a field of the JSON body; ``field`` is a dotted path like ``detail.0.loc``.

        Example:
        | ${job_id} = | `Get Json Field` | id |
        """
        return lookup(_json_body(self._response(response)), field)

    @keyword
    def json_field_should_be(self, field: str, expected: Any,
                             response: httpx.Response | None = None) -> None:
        """Fails unless the JSON body's ``field`` (dotted path) equals ``expected``.

        Numbers and booleans compare with their text too, so ``3`` matches ``${3}``.

        Example:
        | `Json Field Should Be` | error.kind | upstream_timeout |
        """
        actual = self.get_json_field(field, response)
        if not _same(actual, expected):
            raise ExpectationFailed(
                f"Expected JSON field '{field}' to be {expected!r}, got {actual!r}."
            )

    @keyword
    def response_should_contain(self, text: str, response: httpx.Response | None = None) -> None:
        """Fails unless the response body contains ``text``.

        Example:
        | `Response Should Contain` | upstream |
        """
        got = self._response(response)
        if text not in got.text:
            raise ExpectationFailed(
                f"Expected the response body to contain {text!r}, got {_clip(got.content, 200)}."
            )


@contextmanager
def _exchange_errors(request: httpx.Request, limit: float) -> Iterator[None]:
    """Turn httpx's and anyio's exceptions into one sentence each."""
    try:
        yield
    except TimeoutError:
        raise DeadlineExceeded(
            f"{request.method} {request.url} got no answer within {limit:g} s."
        ) from None
    except httpx.TimeoutException as exc:
        raise DeadlineExceeded(
            f"{request.method} {request.url} timed out in httpx ({type(exc).__name__})."
        ) from None
    except httpx.ConnectError as exc:
        raise ConnectionFailed(
            f"Could not connect to {request.url.scheme}://{request.url.netloc.decode()} "
            f"for {request.method} {request.url.path}: {exc or 'connection refused'}."
        ) from None
    except httpx.HTTPError as exc:
        raise ConnectionFailed(
            f"{request.method} {request.url} failed: {type(exc).__name__}: {exc}."
        ) from None


async def _exchange(target: Target, request: httpx.Request, limit: float) -> httpx.Response:
    started = time.perf_counter()
    with _exchange_errors(request, limit), anyio.fail_after(limit):
        response = await target.send_whole(request)
    response.extensions["asyncapi_elapsed_ms"] = (time.perf_counter() - started) * 1000
    return response


async def _gather(target: Target, requests: list[httpx.Request],
                  limit: float) -> list[httpx.Response]:
    """Every request in flight together, under one deadline for the whole batch.

    Over a socket, no more requests are handed to httpx at once than the client has
    connections: httpcore's pool rescans every queued request against every connection
    whenever one frees up, so 1,000 queued behind 100 connections cost seconds (15 s
    here, against 1 s with the queue kept short), and the pool carries no more at once.
    """
    results: list[Any] = [None] * len(requests)
    errors: list[AsyncApiError] = []
    waiting = iter(enumerate(requests))  # shared by the workers: each takes the next one

    async def worker() -> None:
        for index, request in waiting:
            try:
                with _exchange_errors(request, limit):
                    results[index] = await target.send_whole(request)
            except AsyncApiError as exc:
                errors.append(exc)

    width = len(requests) if target.mode == "in-process" else CONNECTIONS
    try:
        with anyio.fail_after(limit):
            async with anyio.create_task_group() as group:
                for _ in range(min(width, len(requests))):
                    group.start_soon(worker)
    except TimeoutError:
        missing = sum(result is None for result in results) - len(errors)
        raise DeadlineExceeded(
            f"{missing} of {len(requests)} concurrent requests got no answer within {limit:g} s."
        ) from None
    if errors:
        raise type(errors[0])(f"{len(errors)} of {len(requests)} requests failed; first: {errors[0]}")
    return results


def _json_body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        kind = response.headers.get("content-type", "no content-type")
        raise ExpectationFailed(
            f"Expected a JSON body from {response.request.method} {response.request.url.path}, "
            f"got {kind}: {_clip(response.content, 120)}."
        ) from None


def _same(actual: Any, expected: Any) -> bool:
    if actual == expected:
        return True
    if isinstance(expected, str) and not isinstance(actual, str):
        return expected in (str(actual), json.dumps(actual))
    return False


def _status_counts(responses: list[httpx.Response]) -> str:
    counts: dict[int, int] = {}
    for response in responses:
        counts[response.status_code] = counts.get(response.status_code, 0) + 1
    return ", ".join(f"{count}x {status}" for status, count in sorted(counts.items()))


def _clip(content: bytes, limit: int = _BODY_LOG) -> str:
    text = content.decode("utf-8", "replace")
    return repr(text if len(text) <= limit else text[:limit] + "...")
