"""Keywords that put scripted fakes in place of an app's async dependencies."""

from __future__ import annotations

import importlib
from typing import Any

from robot.api import logger
from robot.api.deco import keyword

from ..apps import import_object, uses_dependency
from ..arguments import json_value
from ..context import InstalledFake
from ..errors import UsageError
from ..fakes import FakeUpstream
from ..openai_fake import FakeOpenAIServer
from .base import LibraryComponent

TAGS = ["fakes"]


class FakeKeywords(LibraryComponent):
    """Put fakes in place of an app's dependencies, or serve one over HTTP; remove them."""

    @keyword(tags=TAGS)
    def install_fake_upstream(self, dependency: str, name: str = "upstream",
                              alias: str | None = None) -> str:
        """Replaces the app's dependency ``dependency`` with a scripted, awaitable fake.

        ``dependency`` is the import path of the FastAPI dependency function, e.g.
        ``sample_app.deps:get_llm_client``. The fake goes into the app's
        ``dependency_overrides`` (so the app must run in this process: ``in-process`` or
        ``server`` mode) and answers every method the app calls on it: awaiting a call
        returns the whole reply, ``async for`` over it yields tokens. Until scripted it
        replies ``fake reply``. ``name`` names the fake for the ``fake`` argument of the
        other keywords; ``alias`` picks the client whose app gets it. It becomes the
        current fake. Remove it with
        `Remove Fake Upstream` (or it is removed, with a warning, at the end of the test).

        Example:
        | `Install Fake Upstream` | sample_app.deps:get_llm_client |
        | `Fake Streams Tokens` | Hello | , | world |
        """
        target = self.ctx.target(alias)
        app = target.user_app
        if app is None:
            raise UsageError(
                f"Fakes need the app in this process, but client '{target.alias}' reaches it "
                "by URL; point the service at the fake OpenAI upstream instead."
            )
        if not hasattr(app, "dependency_overrides"):
            raise UsageError(
                f"The app of client '{target.alias}' has no 'dependency_overrides'; "
                "fakes work with FastAPI apps."
            )
        self._check_free(name)
        dep = import_object(dependency, "dependency")
        if not uses_dependency(app, dep):
            raise UsageError(
                f"{dependency} is not a dependency of any route of the app of client "
                f"'{target.alias}', so a fake in its place would never be called. To fake "
                "an object the app builds itself, use 'Replace With Fake' (an attribute by "
                "import path, or app.state.NAME); to give a dependency a plain value, "
                "'Override Dependency'."
            )
        fake = self.ctx.make(FakeUpstream, name)
        app.dependency_overrides[dep] = lambda: fake
        self.ctx.fakes.add(name, InstalledFake(fake, target, dep, dependency, self.ctx.in_test))
        logger.info(f"Installed fake '{name}' in place of {dependency}.")
        return name

    @keyword(tags=TAGS)
    def replace_with_fake(self, attribute: str, name: str = "upstream",
                          alias: str | None = None) -> str:
        """Puts a scripted fake in place of an object the app holds, until it is removed.

        For an upstream the app builds itself rather than getting from a dependency:
        ``attribute`` is ``app.state.NAME`` (on the opened app), or an import path
        ``package.module:name`` (a module-level client) or ``package.module:obj.attr``.
        The original is put back by `Remove Fake Upstream`, or at the end of the test if
        the test made the fake, even when it failed. The fake works with every fake
        keyword, as one from `Install Fake Upstream`.

        Example:
        | `Replace With Fake` | app.state.llm |
        | `Fake Streams Tokens` | Hi |
        """
        self._check_free(name)
        target = self.ctx.target(alias)  # before anything is replaced: a bad alias changes nothing
        owner, field = self._owner_of(attribute, alias)
        original = getattr(owner, field)
        fake = self.ctx.make(FakeUpstream, name)
        setattr(owner, field, fake)
        self.ctx.fakes.add(name, InstalledFake(
            fake, target, None, attribute, self.ctx.in_test,
            restore=lambda: setattr(owner, field, original)))
        logger.info(f"Put fake '{name}' in place of {attribute}.")
        return name

    def _owner_of(self, attribute: str, alias: str | None) -> tuple[Any, str]:
        if attribute.startswith("app.state."):
            app = self.ctx.target(alias).user_app
            if app is None or not hasattr(app, "state"):
                raise UsageError(
                    f"'{attribute}' needs an app in this process with a 'state'; the client "
                    "reaches its service by URL or the app has none."
                )
            owner, field = app.state, attribute[len("app.state."):]
        else:
            module, colon, path = attribute.partition(":")
            if not colon or not path:
                raise UsageError(
                    f"'{attribute}' is neither app.state.NAME nor an import path like "
                    "'package.module:client'."
                )
            parent, _, field = path.rpartition(".")
            owner = import_object(f"{module}:{parent}", "object") if parent else \
                importlib.import_module(module)
        if not hasattr(owner, field):
            raise UsageError(f"There is nothing at '{attribute}' to replace.")
        return owner, field

    @keyword(tags=TAGS)
    def override_dependency(self, dependency: str, value: Any = None,
                            values: list | None = None, alias: str | None = None) -> str:
        """Gives a dependency a plain value (``value``), or the next of ``values`` per call.

        For what needs no script: a deterministic request id, a fixed clock, a user.
        ``value`` (or each of ``values``) is a JSON value or any Robot value; with
        ``values``, the first request gets the first, and so on; after the last, the last
        again. Undone by `Remove Fake Upstream` with the returned name, or at the end of
        the test that made it.

        Example:
        | `Override Dependency` | sample_app.deps:get_request_id | values=["req-1", "req-2"] |
        """
        target = self.ctx.target(alias)
        app = target.user_app
        dep = import_object(dependency, "dependency")
        if app is None or not uses_dependency(app, dep):
            raise UsageError(
                f"{dependency} is not a dependency of any route of the app of client "
                f"'{target.alias}'."
            )
        given = [json_value(v) for v in values] if values is not None else [json_value(value)]
        if not given:
            raise UsageError("Give the values to hand out: values=[...] must not be empty.")
        name = f"override {dependency}"
        self._check_free(name)
        handed = iter(given)
        state = {"last": given[0]}

        def provide() -> Any:
            state["last"] = next(handed, state["last"])
            return state["last"]

        app.dependency_overrides[dep] = provide
        self.ctx.fakes.add(name, InstalledFake(
            None, target, dep, dependency, self.ctx.in_test,
            restore=lambda: app.dependency_overrides.pop(dep, None)), current=False)
        logger.info(f"{dependency} now gives {'; '.join(map(repr, given))}.")
        return name

    def _check_free(self, name: str) -> None:
        if name in self.ctx.fakes:
            raise UsageError(f"A fake named '{name}' is already installed; remove it first.")

    @keyword(tags=TAGS)
    def remove_fake_upstream(self, name: str | None = None) -> None:
        """Puts the real dependency back for the fake ``name`` (the current one if not given).

        Safe to call when the fake is already gone.

        Example:
        | [Teardown] | `Remove Fake Upstream` |
        """
        key = name if name is not None else self.ctx.fakes.current
        if key in self.ctx.fakes:
            self.ctx.remove_fake(key)

    @keyword(tags=TAGS)
    def remove_all_fakes(self) -> None:
        """Puts every real dependency back and stops every fake OpenAI server.

        Example:
        | Test Teardown | `Remove All Fakes` |
        """
        for key in self.ctx.fakes:
            self.ctx.remove_fake(key)

    @keyword("Start Fake OpenAI Server", tags=TAGS)
    def start_fake_openai_server(self, name: str = "openai") -> str:
        """Starts a fake OpenAI-compatible upstream on 127.0.0.1 and returns its base URL.

        ``name`` names it for the ``fake`` argument of the other fake keywords.

        Black-box fakes: point a separately started service at the returned URL (the
        sample app reads ``SAMPLE_APP_LLM_URL``) and script the upstream from the test.
        The server answers ``POST /v1/chat/completions``, plain or with ``"stream": true``
        (``data: {...}`` chunks, then ``data: [DONE]``). The script keywords
        (`Fake Streams Tokens`, `Fake Fails With Status`, `Fake Times Out`,
        `Fake Hangs Up`, `Fake Hangs Until Cancelled`, `Fake Waits For Release`) and the
        assertion keywords work on it with ``fake=NAME`` or as the current fake. Over HTTP,
        `Fake Times Out` means the server stops sending (the caller's timeout fires),
        `Fake Hangs Up` cuts the connection, and a status after some tokens is sent as an
        error chunk. Each request is one call, recorded with the body's fields plus
        ``prompt`` (the last message's content); a call is cancelled when the caller went
        away before the reply was complete. Tool calls: a dictionary scripted with
        `Fake Streams Items` is streamed as one ``delta.tool_calls`` piece (and the stream
        finishes with ``finish_reason: tool_calls``); `Fake Returns` with a dictionary
        holding ``tool_calls`` answers a whole completion with them.

        Stop it with `Stop Fake OpenAI Server`; one started in a test is stopped (and
        reported by the leak check) at the end of that test.

        Example:
        | ${url} = | `Start Fake OpenAI Server` |
        | `Fake Streams Tokens` | Hel | lo |
        | `Start Process` | uvicorn | sample_app.main:app | env:SAMPLE_APP_LLM_URL=${url} |
        """
        self._check_free(name)
        fake = self.ctx.make(FakeUpstream, name)
        server = self.ctx.make(FakeOpenAIServer, fake, name=name)
        closer = self.ctx.enter(server)
        self.ctx.fakes.add(name, InstalledFake(fake, None, None, server.base_url,
                                               self.ctx.in_test, closer))
        logger.info(f"Started the fake OpenAI server '{name}' at {server.base_url}.")
        return server.base_url

    @keyword("Stop Fake OpenAI Server", tags=TAGS)
    def stop_fake_openai_server(self, name: str = "openai") -> None:
        """Stops the fake OpenAI server ``name``; requests still waiting on it are cut.

        Safe to call when it is already stopped.

        Example:
        | Suite Teardown | `Stop Fake OpenAI Server` |
        """
        installed = self.ctx.fakes.find(name)
        if installed is not None and installed.closer is None:
            raise UsageError(
                f"Fake '{name}' is installed in an app, not served over HTTP; use "
                "'Remove Fake Upstream' for it."
            )
        if installed is not None:
            self.ctx.remove_fake(name)
