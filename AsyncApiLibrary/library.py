"""The Robot Framework library class: a thin shell that assembles the keyword groups.

Each keyword group is a component that receives the one :class:`LibraryContext`. The
shell uses Robot's hybrid library API: ``get_keyword_names`` lists the components'
keywords and attribute access hands Robot the component's own method, so Robot calls it
directly (no dispatch layer per keyword call) and libdoc reads its signature and docs.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from robot.utils import timestr_to_secs

from .arguments import Duration, seconds
from .context import LeakCheck, LibraryContext, Settings
from .conventions import DoneRule, ErrorRule
from .errors import UsageError
from .keywords.cleanup import CleanupKeywords
from .keywords.concurrency import ConcurrencyKeywords
from .keywords.connections import ConnectionKeywords
from .keywords.contracts import ContractKeywords
from .keywords.detectors import DetectorKeywords
from .keywords.fake_checks import FakeCheckKeywords
from .keywords.fake_scripts import FakeScriptKeywords
from .keywords.fakes import FakeKeywords
from .keywords.http_fake import HttpFakeKeywords
from .keywords.llm import LlmKeywords
from .keywords.reading import ReadingKeywords
from .keywords.requests import RequestKeywords
from .keywords.responses import ResponseKeywords
from .keywords.streams import StreamKeywords
from .keywords.timing import TimingKeywords
from .keywords.websocket_reading import WebSocketReadingKeywords
from .keywords.websockets import WebSocketKeywords
from .listener import LeakListener
from .masking import masked_failures
from .version import __version__

COMPONENTS = (ConnectionKeywords, RequestKeywords, ConcurrencyKeywords, ResponseKeywords,
              StreamKeywords,
              ReadingKeywords, TimingKeywords, LlmKeywords, ContractKeywords, CleanupKeywords,
              DetectorKeywords,
              FakeKeywords, FakeScriptKeywords, FakeCheckKeywords, HttpFakeKeywords,
              WebSocketKeywords, WebSocketReadingKeywords)


class AsyncApiLibrary:
    """Keywords for testing async HTTP APIs: streams chunk by chunk, disconnects, cleanup and fake upstreams.

    AsyncApiLibrary talks to an ASGI app (FastAPI, Starlette...) or any HTTP service and
    can read a streamed answer one chunk or event at a time, disconnect in the middle,
    and check that the server cleaned up afterwards.

    == Table of contents ==

    %TOC%

    = Keyword groups =

    Keywords are tagged by what they are for; libdoc lists the tags and filters by them.

    | =Tag= | =Keywords= |
    | ``connections`` | `Open App`, `Open Url`, `Switch Client`, `Close Client`, `Close All Clients`, `Set Bearer Token`, `Wait Until Service Is Up` |
    | ``requests`` | `Send Request`, `Send Chat`, `Send Chats Concurrently` |
    | ``responses`` | `Status Should Be`, `Header Should Be`, `Json Field Should Be`, `Get Json Field`, `Response Should Contain` |
    | ``streams``, ``reading`` | `Start Stream`, `Start Chat Stream`, `Read Next Event`, `Expect Events In Order`, `Expect Exactly These Events`, `Expect Done Event`, `Expect Error Event`, `Read Until Done`, `Count Until Done` |
    | ``llm`` | `Read Streamed Text`, `Streamed Text Should Be`, `Get Tool Calls`, `Tool Call Should Be`, `Get Stream Metrics`, `Time To First Token Should Be Below` |
    | ``concurrency`` | `Send Requests Concurrently`, `Every Response Should Have Status`, `Start Streams Concurrently`, `Get Metrics Of Streams` |
    | ``detectors`` | `Event Loop Should Not Have Been Blocked Longer Than` |
    | ``timing`` | `First Chunk Should Arrive Within`, `Largest Gap Should Be Below` |
    | ``cleanup`` | `Disconnect Client` (a ``streams`` keyword), `Expect Cleanup`, `Wait Until Json Field Is` |
    | ``websockets`` | `Open WebSocket`, `WebSocket Should Be Refused`, `Send Json Message`, `Send Text Message`, `Send Binary Message`, `Read Next Message`, `Expect Message`, `Expect Messages In Order`, `Expect WebSocket Closed`, `Disconnect WebSocket`, `WebSocket Should Be Open`, `WebSocket Subprotocol Should Be`, `First Message Should Arrive Within` |
    | ``fakes``, ``scripts``, ``checks`` | `Install Fake Upstream`, `Start Fake OpenAI Server`, `Fake Streams Tokens`, `Fake Should Have Been Awaited Once` and the rest |

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
    each item with its arrival time (in process, the moment the app sent it: there is no
    wire; over a socket, the moment the pump read it). `Read Next Event` and `Read Next Chunk` take the
    next item with a deadline; a timed-out read leaves the stream usable.
    `Expect Events In Order`, `Expect Done Event`, `Expect Error Event` and
    `Read Until Done` check the shape of a whole stream. `First Chunk Should Arrive Within`
    and `Largest Gap Should Be Below` check its timing.

    The done event is ``event:done`` by default; ``openai`` (``data: [DONE]``) or any
    ``event:NAME`` / ``data:TEXT`` can be set for the library, or per stream.

    Every stream's transcript (items, arrival times, a small timeline picture) goes to the
    log when it ends, fails or is disconnected. Secrets never appear in it.

    = WebSockets =

    `Open WebSocket` opens a WebSocket to a route of the app (in process, through the
    same transport as HTTP, behaving as uvicorn does), of the library's uvicorn, or of a
    URL. One pump task per socket stamps each message's arrival, as for a stream: the
    socket is a stream too, so `Expect Done Event`, `Read Until Done`, `Expect Cleanup`,
    `First Chunk Should Arrive Within` and `Largest Gap Should Be Below` take its name.
    A JSON message's ``type`` (or ``event``) field is its name, so the done convention
    ``event:done`` matches ``{"type": "done"}``.

    | `Open WebSocket` | /ws/chat | headers=${AUTH} |
    | `Send Json Message` | {"type": "chat", "message": "hi"} |
    | `Expect Messages In Order` | token | token | done |
    | `Disconnect WebSocket` | code=1001 |
    | `Expect Cleanup` | | |

    The handshake: `WebSocket Should Be Refused` expects the HTTP status a server
    answers instead of upgrading (403 for an app that closes before accepting). The
    close: `Expect WebSocket Closed` expects the server's close code and reason (1006 for
    a connection dropped without a close frame); `Disconnect WebSocket` closes from the
    client with a code the app receives. The transcript lists both directions, messages
    the test sent in blue, and marks the sends on the timeline.

    = LLM streams =

    OpenAI-compatible streams are first-class: ``done=openai`` (``data: [DONE]``),
    ``error=openai`` (a JSON chunk with an ``error`` key), for the library, a client or a
    stream; ``done=end`` for streams that simply end. `Expect Done Event` and
    `Read Until Done` return the items before the done event, and the done event itself
    as ``${items.done}`` (it often carries usage). An SSE event without an ``event:``
    line is named ``message``.

    The text, not the wire: `Read Streamed Text`, `Streamed Text Should Be`,
    `Streamed Text Should Contain` and `Streamed Text Should Match` join the content of
    every chunk (``choices.0.delta.content``, or any JSON ``field``); `Get Tool Calls` and
    `Tool Call Should Be` assemble tool-call deltas per index. Requests as gateways get
    them: `Send Chat` and `Start Chat Stream` take ``messages=[...]`` and JSON fields
    (``stream=true``, ``max_tokens=5``).

    Latency figures: `Get Stream Metrics` (time to first token, inter-token latency mean,
    p50, p95 and max, duration, items per second, the server's token usage; named as
    OpenTelemetry's ``gen_ai`` conventions name them), `Time To First Token Should Be Below`,
    `Inter Token Latency P95 Should Be Below`, and for many users at once
    `Start Streams Concurrently` with `Get Metrics Of Streams`.

    = Contracts =

    `Open App` or `Open Url` with ``contract=openapi`` checks every exchange of that
    client against the app's own OpenAPI document (in process from the app object,
    otherwise from ``/openapi.json``; a file path or URL names another): the status must
    be one the operation declares, a JSON body must match its schema, and each streamed
    item must match the ``itemSchema`` of ``text/event-stream`` or ``application/jsonl``,
    the JSON inside an SSE event's ``data`` its ``contentSchema`` too. Items are checked
    as they arrive, so a violation is reported at the event where it happened, even on a
    stream that never ends: reading that item fails with a sentence naming the event, the
    JSON pointer and the rule, and an item that broke it but was never read is reported
    at the end of the test. ``check_requests=True`` also refuses request bodies the
    contract forbids. When an event's ``data`` may be one of several models (FastAPI
    writes an ``anyOf`` of them), an event whose name names one (``done`` and ``Done`` or
    ``DoneData``) is checked against that one. A done or error event is checked too,
    unless it is a marker that is not JSON (``[DONE]``). A client opened at a URL with a
    path (``http://host/api``) finds the document's operations under that path.

    = Detectors =

    The app runs on the library's own loop in ``in-process`` and ``server`` mode, so the
    library sees what a black-box client cannot. A watchdog measures how long the app
    blocks the loop and samples the blocking line (`Event Loop Should Not Have Been
    Blocked Longer Than`, or `Open App` ``loop_block_limit`` for every test). The
    end-of-test check reports, as ``leak_check`` says: coroutines never awaited, task
    exceptions never retrieved, unclosed resources, exceptions raised where nothing can
    catch them; tasks a request started with ``create_task`` and left running after it
    (`Expect Cleanup` waits for them too); items after a done or error event. Closing a
    client reports tasks the app left running after its shutdown, and cancels them.
    `Expect Exactly These Events` checks a whole sequence, nothing more, nothing less;
    `Fake Should Have Been Cancelled Within` how soon after a disconnect the upstream
    call was cancelled.

    = Fakes =

    `Install Fake Upstream` replaces a FastAPI dependency (say the LLM client) with a
    scripted, awaitable fake. It answers *any* method the app calls: awaiting a call
    gives a reply, ``async for`` over it yields items, ``async with`` and ``aclose()``
    close it. Script it with `Fake Replies With`, `Fake Streams Tokens`,
    `Fake Streams Items`, `Fake Returns` (a JSON or Robot value), `Fake Raises` (any
    exception class by import path), `Fake Times Out`, `Fake Fails With Status`,
    `Fake Hangs Up`, `Fake Hangs Until Cancelled`, and pace it with
    `Fake Waits For Release` and `Release Next Token`: time is released by the test,
    never slept.

    Scripts per call and per method: ``call=2`` is the second call, ``method=search``
    every call of ``search`` (``call=1 method=search`` its first):
    | `Fake Fails With Status` | 429 | retry_after=1 | call=1 |
    | `Fake Returns` | {"answer": 42} | call=2 |
    | `Fake Hangs Until Cancelled` | call=3 |

    Several fakes at once, one per shard, each scripted on its own (``fake=NAME``):
    | `Install Fake Upstream` | app.deps:get_shard_a | name=shard-a |
    | `Install Fake Upstream` | app.deps:get_shard_b | name=shard-b |
    | `Fake Raises` | TimeoutError | slow shard | fake=shard-b |
    | `Fake Calls Should Be In Order` | shard-a.search | shard-b.search |

    What is not a dependency: `Replace With Fake` puts a fake in place of an attribute
    (``app.state.llm``, or a module-level client ``app.clients:queue``) and puts the
    original back at the end; `Override Dependency` gives a dependency a plain value or a
    sequence (deterministic request ids, a fixed clock):
    | `Replace With Fake` | app.clients:queue | name=queue |
    | `Override Dependency` | app.deps:get_request_id | values=["req-1", "req-2"] |

    The fake records every call, so `Fake Should Have Been Awaited Once`,
    `Fake Should Have Been Awaited Times`, `Fake Should Have Received` and
    `Fake Method Should Have Received` (arguments compared as JSON: ``{"role": "user"}``
    matches the message the app passed), `Wait Until Fake Is Called` (a side effect to
    wait for, such as a publish), `Fake Should Be Closed`,
    `Fake Should Have Been Cancelled Within` and `Fake Should Not Have Been Called` check
    how the app used it.

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
    still handling. Every stream the test is done with (read to its done event, ended,
    broken or disconnected) first gets up to 1 s for its handler and body to finish, since
    a handler closes its upstream a moment after its last event, and a disconnect reaches
    a real server's handler a moment after the test moves on. By default it logs a warning
    naming what is left and closes it; ``leak_check=fail`` fails the test instead. A
    leftover is reported once, against the test that made it: a later test is never
    blamed for it.

    = Timeouts =

    Every keyword that waits has a deadline: its ``timeout`` argument, or the client's
    (`Open App` ``timeout``), or the library's (10 s). Timeouts are written as Robot time
    strings: ``2s``, ``500ms``, ``1 min``. A Robot ``[Timeout]`` also cancels the work in
    flight: the request is abandoned. A stream's app sees the disconnect, as over a socket;
    in-process, the app call of a plain request is cancelled. An open stream may be silent
    between two items for as long as it likes: only the reading keyword's deadline judges
    that, the same in every mode.

    A deadline holds even when the app cannot be interrupted, such as a sync (``def``)
    endpoint blocked in a worker thread on a hung call: the keyword fails on time and the
    app call ends when its thread does. Closing a client waits up to 1 s for such calls,
    then stops them with a warning that names them (in ``server`` mode uvicorn does the
    same, with a warning of its own).

    A deadline holds when the app blocks the event loop too (``time.sleep`` in an
    ``async def``, a loop that sends without awaiting), which holds every timer: a keyword
    whose outcome came more than 0.25 s after its deadline fails instead of passing, and a
    keyword whose loop has not answered 0.5 s after its deadline gives up. Either failure
    says the loop was blocked, and for how long. `Open App` ``timeout`` bounds the app's
    startup as well; an app whose startup fails is reported at once.

    = Common arguments =

    These arguments mean the same in every keyword that has them:

    | =Argument= | =Meaning= |
    | ``alias`` | Which opened client to use; the current one (the last opened or switched to) when not given. |
    | ``stream`` | Which stream (or WebSocket) to use, by the name `Start Stream` or `Open WebSocket` returned; the current one (the last started) when not given. |
    | ``websocket`` | Which WebSocket to use, by the name `Open WebSocket` returned; the current stream when not given (which must then be a WebSocket). |
    | ``fake`` | Which fake to use, by name; the current one (the last installed or started) when not given. |
    | ``timeout`` | The deadline of this keyword's waiting, as a Robot time string; see `Timeouts`. |
    | ``response`` | A response returned by an earlier keyword; the last response when not given. |
    | ``headers`` | Extra request headers as a dictionary, e.g. ``headers={"X-Trace": "1"}``. Credentials in them are masked in the log. |

    = Secrets =

    Header values of ``Authorization``, cookies, API-key and token headers, and every
    token given to `Open App`, `Open Url` or `Set Bearer Token`, are replaced by ``***``
    in everything the library logs or fails with, transcripts included, also where they
    appear percent-encoded. Robot logs the values keywords return in its assignment
    lines: a text the library returns that holds a known credential (`Get Json Field`,
    `Read Streamed Text`, `Get Json From Event`, `Wait Until Json Field Is`, a credential
    header from `Get Header`) comes back as a Robot ``Secret``; its ``value`` is the text. Credentials nobody registered are
    hidden by their shape: ``api_key=``, ``token=`` and similar query parameters, a
    password in a URL, and ``password``, ``api_key``, ``secret`` or ``token`` fields of a
    logged body. A token shorter than 4 characters is refused, as it could not be hidden
    without hiding ordinary words. Robot itself logs keyword arguments at ``TRACE``
    level; to keep a credential out even there, pass it as a ``Secret``
    (``--variable "TOKEN: Secret:value"`` or ``${TOKEN: Secret}    %{ENV_NAME}``).

    = Errors =

    Every failure is one sentence that names what was expected and what happened. Bad
    input (an unknown alias, a malformed import path, a zero timeout) fails at once.
    """

    ROBOT_LIBRARY_SCOPE = "SUITE"
    ROBOT_LIBRARY_VERSION = __version__
    ROBOT_LIBRARY_DOC_FORMAT = "ROBOT"

    def __init__(
        self,
        timeout: Duration | str = timedelta(seconds=10),
        done: str = "event:done",
        error: str = "event:error",
        buffer_size: int | str = 64,
        leak_check: LeakCheck | str = "warn",
    ) -> None:
        """Sets the library-wide defaults.

        | =Argument= | =Meaning= |
        | ``timeout`` | Default deadline of every keyword that waits. |
        | ``done`` | Default done convention: ``event:NAME``, ``data:TEXT``, ``openai`` (``data: [DONE]``), ``end`` (the stream simply ends), ``json:PATH`` or ``json:PATH=VALUE`` (see `Start Stream`). |
        | ``error`` | Default error convention: ``event:NAME``, ``openai`` (a JSON chunk with an ``error`` key, or ``"object": "error"``), ``json:PATH`` (a JSON chunk with that field, not null or false) or ``json:PATH=VALUE``. |
        | ``buffer_size`` | Default number of received body parts that may wait unread (see `Open App`). |
        | ``leak_check`` | What to do about streams, fakes and clients a test leaves behind: ``warn`` (log a warning and close them), ``fail`` (fail the test) or ``off``. |

        Example:
        | Library | AsyncApiLibrary | timeout=5s | done=openai | leak_check=fail |
        """
        # The arguments take text too, converted here: when Robot's own conversion of a
        # library's arguments fails, it stops the whole robot run with a traceback (7.5).
        timeout, buffer_size = _duration(timeout), _whole_number(buffer_size)
        if leak_check not in ("warn", "fail", "off"):
            raise UsageError(f"Leak check must be warn, fail or off, got {leak_check!r}.")
        self.ctx = LibraryContext(Settings(
            timeout=seconds(timeout, 10.0),
            done=DoneRule.parse(done),
            error=ErrorRule.parse(error),
            buffer_size=buffer_size,
            leak_check=leak_check,  # type: ignore[arg-type]
        ))
        self._keywords: dict[str, Any] = {}
        for component in COMPONENTS:
            self.add_component(component(self.ctx))
        self.ROBOT_LIBRARY_LISTENER = LeakListener(self.ctx)

    def add_component(self, component: Any) -> None:
        """Add a keyword group: every method of it marked with ``@keyword`` becomes a keyword.

        Each keyword's failures reach Robot masked: a message that quotes a body, an
        event or a URL never carries a registered secret into the report.
        """
        for name in dir(type(component)):
            method = getattr(component, name)
            if callable(method) and hasattr(method, "robot_name"):
                if name in self._keywords:
                    raise UsageError(f"Two keyword groups define '{name}'.")
                self._keywords[name] = masked_failures(method)

    def get_keyword_names(self) -> list[str]:
        return list(self._keywords)

    def __getattr__(self, name: str) -> Any:
        keywords = self.__dict__.get("_keywords", {})
        if name in keywords:
            return keywords[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


def _duration(value: Duration | str) -> Duration:
    if not isinstance(value, str):
        return value
    try:
        return timestr_to_secs(value)
    except (ValueError, OverflowError):
        raise UsageError(f"Timeout must be a time such as 10s or 500ms, got {value!r}.") from None


def _whole_number(value: int | str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise UsageError(f"Buffer size must be a whole number, 0 or more, got {value!r}.")
    return number
