"""Keywords that put scripted fakes in place of an app's async dependencies."""

from __future__ import annotations

from robot.api import logger
from robot.api.deco import keyword

from ..apps import import_object
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
        fake = self.ctx.make(FakeUpstream, name)
        app.dependency_overrides[dep] = lambda: fake
        self.ctx.fakes.add(name, InstalledFake(fake, target, dep, dependency, self.ctx.in_test))
        logger.info(f"Installed fake '{name}' in place of {dependency}.")
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

    @keyword(tags=TAGS)
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
        away before the reply was complete.

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

    @keyword(tags=TAGS)
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
