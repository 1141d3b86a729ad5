"""Keywords that open, switch and close the apps and services under test."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any, Literal

from robot.api import logger
from robot.api.deco import keyword
from robot.api.types import Secret

from .. import core
from ..arguments import Duration, build_request, seconds
from ..context import OpenClient
from ..conventions import DoneRule, ErrorRule
from ..errors import DeadlineExceeded, UsageError
from ..masking import secret_value
from ..targets import Target, TargetOptions
from .base import LibraryComponent

TAGS = ["connections"]


class ConnectionKeywords(LibraryComponent):
    """Open, switch and close the apps and services under test."""

    @keyword(tags=TAGS)
    def open_app(
        self,
        app: str,
        mode: Literal["in-process", "server"] = "in-process",
        alias: str | None = None,
        headers: dict[str, str] | None = None,
        token: Secret | str | None = None,
        timeout: Duration | None = None,
        buffer_size: int | None = None,
        disconnect_grace: Duration = timedelta(seconds=5),
        loop_block_limit: Duration | None = None,
        done: str | None = None,
        error: str | None = None,
        contract: str | None = None,
        check_requests: bool = False,
    ) -> str:
        """Starts the ASGI ``app`` and opens a client to it. Returns the alias.

        | =Argument= | =Meaning= |
        | ``app`` | Import path: ``package.module:app`` or a factory ``package.module:create_app()``. |
        | ``mode`` | ``in-process`` serves the app in the library's own event loop through a streaming ASGI transport; ``server`` hosts it under uvicorn on 127.0.0.1 with a free port. |
        | ``alias`` | Name to switch back to this client with `Switch Client`. Defaults to ``app1``, ``app2``... |
        | ``headers`` | Headers sent with every request of this client. |
        | ``token`` | Bearer token sent as ``Authorization``; a ``Secret`` is never logged. |
        | ``timeout`` | Default deadline of this client's keywords (library default 10 s); it bounds the app's startup too, and its import when above 60 s (an import runs in a thread of its own and holds up nothing else). |
        | ``buffer_size`` | How many received body parts may wait unread, between app and client (in-process) and between the pump and the reader of a stream; a small value makes a slow reader slow the app down. |
        | ``disconnect_grace`` | In-process: how long the app may run after a disconnect before it is cancelled (which `Expect Cleanup` reports as a leak). |
        | ``done``, ``error`` | This client's done and error conventions, as the library's (see `Importing`); a stream can still set its own. |
        | ``contract`` | ``openapi`` checks every exchange of this client against the app's own OpenAPI document (or the service's ``/openapi.json``); a file path or URL names another. See `Contracts`. |
        | ``check_requests`` | With a contract, also check each JSON request body against the operation's request schema, so a test notices it sent what the contract forbids. |
        | ``loop_block_limit`` | If given, every test in which the app blocks the event loop for longer than this is reported at its end, as the library's ``leak_check`` says (``warn`` or ``fail``), naming the blocking line; see `Event Loop Should Not Have Been Blocked Longer Than`. |

        The app's startup (lifespan) runs before this keyword returns; its shutdown runs in
        `Close Client` or `Close All Clients`. The opened client becomes the current one.

        Example:
        | `Open App` | sample_app.main:app | mode=${MODE} | alias=gateway |
        """
        limit = None if loop_block_limit is None else seconds(
            loop_block_limit, 0.1, "Loop block limit")
        alias = self._open(app, mode, alias, headers, token, timeout, buffer_size,
                           disconnect_grace, done, error)
        self._load_contract(alias, contract, check_requests)
        self.ctx.clients.get(alias).loop_block_limit = limit
        return alias

    @keyword(tags=TAGS)
    def open_url(
        self,
        url: str,
        alias: str | None = None,
        headers: dict[str, str] | None = None,
        token: Secret | str | None = None,
        timeout: Duration | None = None,
        done: str | None = None,
        error: str | None = None,
        contract: str | None = None,
        check_requests: bool = False,
    ) -> str:
        """Opens a client for a service that is already running at ``url``. Returns the alias.

        ``headers``, ``token``, ``timeout``, ``done``, ``error``, ``contract`` and
        ``check_requests`` work as in `Open App`.
        Streams, disconnects and requests work as in the other modes. Fakes and
        `Expect Cleanup` need the app in this process; for a service reached by URL, wait
        on something it exposes with `Wait Until Json Field Is`.

        Example:
        | `Open Url` | http://127.0.0.1:8000 | token=${TOKEN} |
        """
        alias = self._open(url, "url", alias, headers, token, timeout, None, None, done, error)
        self._load_contract(alias, contract, check_requests)
        return alias

    def _load_contract(self, alias: str, spec: str | None, check_requests: bool) -> None:
        if spec is None:
            return
        target = self.ctx.target(alias)
        loading = time.monotonic()
        try:
            target.contract = self.run(core.load_contract, target, spec, target.options.timeout,
                                       deadline=target.options.timeout)
            self.ctx.not_the_app_since(loading)
        except BaseException:
            self.ctx.close_client(alias)  # a client without the contract it asked for
            raise
        target.options.check_requests = check_requests
        logger.info(f"Client '{alias}' checks its exchanges against the contract from "
                    f"{target.contract.source}.")

    def _open(self, ref: Any, mode: str, alias: str | None, headers: dict | None,
              token: Any, timeout: Duration | None, buffer_size: int | None,
              grace: Duration | None, done: str | None, error: str | None) -> str:
        ctx = self.ctx
        alias = alias or ctx.next_name("app")
        if alias in ctx.clients:
            raise UsageError(f"A client with the alias '{alias}' is already open; close it first.")
        all_headers = dict(headers or {})
        if token is not None:
            all_headers["Authorization"] = f"Bearer {secret_value(token)}"
            ctx.masker.add_given(token)
        for value in all_headers.values():
            if isinstance(value, Secret):
                ctx.masker.add_given(value, "A Secret header value")
        all_headers = {k: secret_value(v) for k, v in all_headers.items()}
        limit = seconds(timeout, ctx.settings.timeout)  # bounds startup (and a long import) too
        buffer = ctx.settings.buffer_size if buffer_size is None else buffer_size
        if buffer < 0:
            raise UsageError(f"Buffer size must be 0 or more, got {buffer}.")
        options = TargetOptions(
            mode=mode,  # type: ignore[arg-type]
            headers=all_headers,
            timeout=limit,
            startup_timeout=limit,
            buffer_size=buffer,
            disconnect_grace=seconds(grace, 5.0, "Disconnect grace"),
            done=None if done is None else DoneRule.parse(done),
            error=None if error is None else ErrorRule.parse(error),
        )
        target = Target(alias, ref, options)
        if mode != "url":
            ctx.runtime.watch()  # the app runs on the library's loop: watch it for blocks
        opening = time.monotonic()
        closer = ctx.enter(target)
        ctx.not_the_app_since(opening)  # importing and starting it is not a block
        ctx.clients.add(alias, OpenClient(target, closer, ctx.in_test))
        where = "in this process" if mode == "in-process" else f"at {target.base_url}"
        logger.info(f"Opened {target.describe()} {where}.")
        return alias

    @keyword(tags=TAGS)
    def switch_client(self, alias: str) -> str:
        """Makes the client ``alias`` the current one. Returns the previous alias.

        Example:
        | `Switch Client` | gateway |
        """
        self.ctx.clients.resolve(alias)
        previous, self.ctx.clients.current = self.ctx.clients.current, alias
        return previous or ""

    @keyword(tags=TAGS)
    def close_client(self, alias: str | None = None) -> None:
        """Closes the current client, or ``alias``: its streams, then the app's shutdown.

        Example:
        | `Close Client` | gateway |
        """
        self.ctx.close_client(self.ctx.clients.resolve(alias))

    @keyword(tags=TAGS)
    def close_all_clients(self) -> None:
        """Closes every open client, with its streams and the fakes in its app.

        Safe to call when nothing is open. Put it in ``Suite Teardown`` so the app's
        shutdown always runs; each client is closed even if closing another failed. Fake
        servers (`Start Fake OpenAI Server`, `Start Fake Http Upstream`) stay up until
        `Stop Fake OpenAI Server` or the end of the run, as a suite may share one.

        Example:
        | Suite Teardown | `Close All Clients` |
        """
        self.ctx.close_clients()

    @keyword(tags=TAGS)
    def set_bearer_token(self, token: Secret | str, alias: str | None = None) -> None:
        """Sends ``Authorization: Bearer <token>`` with every later request of the client.

        A ``Secret`` (or any token set here) is masked in every log line.

        Example:
        | `Set Bearer Token` | ${TOKEN} |
        """
        self.ctx.masker.add_given(token)
        self.set_default_header("Authorization", f"Bearer {secret_value(token)}", alias)

    @keyword(tags=TAGS)
    def set_default_header(self, name: str, value: Secret | str, alias: str | None = None) -> None:
        """Sends header ``name: value`` with every later request of the client.

        Example:
        | `Set Default Header` | X-Request-Source | robot |
        """
        target = self.ctx.target(alias)
        if isinstance(value, Secret):
            self.ctx.masker.add_given(value, "A Secret header value")
        self.ctx.masker.learn([(name, secret_value(value))])  # a credential header is masked
        target.client.headers[name] = secret_value(value)

    @keyword(tags=TAGS)
    def wait_until_service_is_up(self, path: str = "/health",
                                 timeout: Duration = timedelta(seconds=15),
                                 alias: str | None = None) -> None:
        """Waits until ``GET path`` of the client's service answers with a status below 500.

        For a service started by the test itself (Process library, a container): refused
        connections and 5xx answers are retried until ``timeout``, which then fails with
        the last error seen. No fixed sleep is needed before the first request.

        Example:
        | `Open Url` | http://127.0.0.1:${port} | alias=gateway |
        | `Wait Until Service Is Up` | /health | timeout=20s |
        """
        target = self.ctx.target(alias)
        limit = seconds(timeout, 15.0)
        request = build_request(target, "GET", path)
        waited, last = self.run(core.wait_until_up, target, request, limit, deadline=limit)
        if waited is None:
            raise DeadlineExceeded(
                f"The service at {target.base_url} did not answer GET {path} within "
                f"{limit:g} s; last outcome: {last}."
            )
        logger.info(f"The service at {target.base_url} answered GET {path} after {waited:.0f} ms.")

    @keyword(tags=TAGS)
    def get_base_url(self, alias: str | None = None) -> str:
        """Returns the base URL of the client (in server mode, ``http://127.0.0.1:PORT``).

        Example:
        | ${url} = | `Get Base Url` |
        """
        return self.ctx.target(alias).base_url

