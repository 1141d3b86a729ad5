"""The Robot Framework library class: a thin shell over the keyword groups."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

import anyio
from robot.api import logger

from .items import DoneRule
from .keywords.connections import ConnectionKeywords
from .keywords.fakes import FakeKeywords
from .keywords.requests import RequestKeywords
from .keywords.streams import StreamKeywords
from .leaks import LeakListener
from .state import LibraryState, seconds
from .version import __version__

_SETTLE = 1.0  # seconds a disconnected stream's handler may take to finish after the test


class AsyncApiLibrary(ConnectionKeywords, RequestKeywords, StreamKeywords, FakeKeywords):
    """Keywords for testing async HTTP APIs: streams chunk by chunk, disconnects, cleanup and fake upstreams.

    AsyncApiLibrary talks to an ASGI app (FastAPI, Starlette...) or any HTTP service and
    can read a streamed answer one chunk or event at a time, disconnect in the middle,
    and check that the server cleaned up afterwards.

    == Table of contents ==

    %TOC%

    = Modes =

    `Open App` starts an app from its import path, in one of two modes:

    - ``in-process``: the app runs in the library's own event loop, served through a
      streaming ASGI transport. Chunks reach the test as the app sends them, a disconnect
      reaches the app as ``http.disconnect``, lifespan startup and shutdown run. Fastest.
    - ``server``: the library hosts the app under uvicorn on 127.0.0.1 with a free port,
      so requests go over a real socket. Parallel runs never collide.

    `Open Url` reaches a service that is already running. Each opened client has an
    alias; `Switch Client` changes the current one; `Close All Clients` closes them all
    (put it in ``Suite Teardown``).

    The library runs one event loop per suite in a background thread, so servers and
    streams keep running *between* keywords. Each keyword runs one coroutine on it.

    = Streams =

    `Start Stream` (or `Start Chat Stream`) returns as soon as the response headers
    arrive. A pump task reads the body as it arrives, decodes it as ``sse`` (Server-Sent
    Events, by the WHATWG rules), ``lines`` (JSON lines) or ``raw`` chunks, and stamps
    each item with its arrival time. `Read Next Event` and `Read Next Chunk` take the
    next item with a deadline; a timed-out read leaves the stream usable.
    `Expect Events In Order`, `Expect Done Event`, `Expect Error Event` and
    `Read Until Done` check the shape of a whole stream. `First Chunk Should Arrive Within`
    and `Largest Gap Should Be Below` check its timing.

    The done event is ``event:done`` by default; ``openai`` (``data: [DONE]``) or any
    ``event:NAME`` / ``data:TEXT`` can be set for the library, or per stream.

    Every stream's transcript (items, arrival times, a small timeline picture) goes to the
    log when it ends, fails or is disconnected. Secrets never appear in it.

    = Fakes =

    `Install Fake Upstream` replaces a FastAPI dependency (say the LLM client) with a
    scripted, awaitable fake: `Fake Replies With`, `Fake Streams Tokens`,
    `Fake Times Out`, `Fake Fails With Status`, `Fake Hangs Up`,
    `Fake Hangs Until Cancelled`, `Fake Waits For Release` with `Release Next Token`.
    The fake records every call, so `Fake Should Have Been Awaited Once`,
    `Fake Should Have Received`, `Fake Should Be Closed` and
    `Fake Should Not Have Been Called` can check how the app used it.

    For black-box tests, `Start Fake OpenAI Server` serves a fake OpenAI-compatible
    upstream over HTTP on loopback. Point a separately started service at its URL; the
    same script and assertion keywords drive and check it.

    = Cleanup =

    `Disconnect Client` closes a stream mid-flight. `Expect Cleanup` then waits, with a
    deadline, until the app's handler for that request returned by itself and every call
    on the installed fakes was closed. A handler that only ends when cancelled, or that
    leaves its upstream open, fails it. For a service reached by URL, wait on a signal
    the service exposes with `Wait Until Json Field Is`.

    At the end of every test the library checks what it still owns: open streams, fakes
    installed during the test, clients opened during the test, and requests the server is
    still handling. The handler of a stream the test disconnected gets up to 1 s to finish
    first, since a disconnect reaches a real server's handler a moment after the test moves
    on. By default it logs a warning naming what is left and closes it;
    ``leak_check=fail`` fails the test instead.

    = Timeouts =

    Every keyword that waits has a deadline: its ``timeout`` argument, or the client's
    (`Open App` ``timeout``), or the library's (10 s). Timeouts are written as Robot time
    strings: ``2s``, ``500ms``, ``1 min``. A Robot ``[Timeout]`` also cancels the work in
    flight: the request is abandoned. A stream's app sees the disconnect, as over a socket;
    in-process, the app call of a plain request is cancelled.

    A deadline holds even when the app cannot be interrupted, such as a sync (``def``)
    endpoint blocked in a worker thread on a hung call: the keyword fails on time and the
    app call ends when its thread does. Closing a client waits up to 1 s for such calls,
    then stops them with a warning that names them (in ``server`` mode uvicorn does the
    same, with a warning of its own).

    = Common arguments =

    These arguments mean the same in every keyword that has them:

    | =Argument= | =Meaning= |
    | ``alias`` | Which opened client to use; the current one (the last opened or switched to) when not given. |
    | ``stream`` | Which stream to use, by the name `Start Stream` returned; the current one (the last started) when not given. |
    | ``fake`` | Which fake to use, by name; the current one (the last installed or started) when not given. |
    | ``timeout`` | The deadline of this keyword's waiting, as a Robot time string; see `Timeouts`. |
    | ``response`` | A response returned by an earlier keyword; the last response when not given. |
    | ``headers`` | Extra request headers as a dictionary, e.g. ``headers={"X-Trace": "1"}``. Credentials in them are masked in the log. |

    = Secrets =

    Header values of ``Authorization``, cookies, API-key and token headers, and every
    token given to `Open App`, `Open Url` or `Set Bearer Token`, are replaced by ``***``
    in everything the library logs, transcripts included. Robot itself logs keyword
    arguments at ``TRACE`` level; to keep a credential out even there, pass it as a
    ``Secret`` (``--variable "TOKEN: Secret:value"`` or ``${TOKEN: Secret}    %{ENV_NAME}``).

    = Errors =

    Every failure is one sentence that names what was expected and what happened. Bad
    input (an unknown alias, a malformed import path, a zero timeout) fails at once.
    """

    ROBOT_LIBRARY_SCOPE = "SUITE"
    ROBOT_LIBRARY_VERSION = __version__
    ROBOT_LIBRARY_DOC_FORMAT = "ROBOT"
    ROBOT_AUTO_KEYWORDS = False

    def __init__(
        self,
        timeout: timedelta = timedelta(seconds=10),
        done: str = "event:done",
        buffer_size: int = 64,
        leak_check: Literal["warn", "fail", "off"] = "warn",
    ) -> None:
        """Sets the library-wide defaults.

        | =Argument= | =Meaning= |
        | ``timeout`` | Default deadline of every keyword that waits. |
        | ``done`` | Default done convention: ``event:NAME``, ``data:TEXT`` or ``openai``. |
        | ``buffer_size`` | Default number of received body parts that may wait unread (see `Open App`). |
        | ``leak_check`` | What to do about streams, fakes and clients a test leaves behind: ``warn`` (log a warning and close them), ``fail`` (fail the test) or ``off``. |

        Example:
        | Library | AsyncApiLibrary | timeout=5s | done=openai | leak_check=fail |
        """
        state = LibraryState(
            timeout=seconds(timeout, 10.0),
            done=DoneRule.parse(done),
            buffer_size=buffer_size,
            leak_check=leak_check,
        )
        super().__init__(state)
        self.ROBOT_LIBRARY_LISTENER = LeakListener(self)

    def _shutdown(self) -> None:
        """Close everything this instance owns; used by the listener's ``close``."""
        try:
            self.close_all_clients()
            self.remove_all_fakes()
        except Exception as exc:  # keep going: the loop must stop regardless
            logger.warn(f"Closing the clients and fakes failed: {exc}")
        finally:
            self.state.runtime.close()
            self.state.app_log.detach()

    def _owned_leftovers(self, settle: bool = True) -> list[str]:
        state = self.state
        if settle:
            self._let_disconnects_settle()
        found: list[str] = []
        for name, stream in state.streams.items():
            if stream.state in ("open", "starting"):
                found.append(f"stream '{name}' is still open")
        for name, installed in state.fakes.items():
            if installed.installed_in_test:
                found.append(f"fake '{name}' is still installed")
        for alias, opened in state.targets.items():
            if opened.opened_in_test:
                found.append(f"client '{alias}' is still open")
            tracker = opened.target.tracker
            if tracker is not None:
                found += [
                    f"the server is still handling {r.method} {r.path} of client '{alias}'"
                    for r in tracker.running
                ]
        return found

    def _let_disconnects_settle(self) -> None:
        """Handlers of streams the test disconnected get a moment to finish (bounded).

        A disconnect reaches a real server's handler a little later than the test moves
        on; only a handler still running after the settle deadline is a leftover.
        """
        gone = {s.request_id for s in self.state.streams.values() if s.state == "disconnected"}
        ending = [record for opened in self.state.targets.values()
                  if opened.target.tracker is not None
                  for record in opened.target.tracker.running if record.request_id in gone]
        if ending:
            self._run(_all_ended, ending, _SETTLE)

    def _release_leftovers(self) -> None:
        state = self.state
        for stream in list(state.streams.values()):
            self._run(stream.release)
        state.streams.clear()
        state.stream_targets.clear()
        state.current_stream = None
        for name, installed in list(state.fakes.items()):
            if installed.installed_in_test:
                self._uninstall(name)
        for alias, opened in list(state.targets.items()):
            if opened.opened_in_test:
                self._close(alias)


async def _all_ended(records: list, limit: float) -> None:
    with anyio.move_on_after(limit):
        for record in records:
            await record.ended.wait()
