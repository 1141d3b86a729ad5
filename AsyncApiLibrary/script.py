"""What a fake does when it is called: a script, and a book of scripts per method and call.

A fake answers every call by its default script unless the test wrote one for that call:
"the first call fails with 429, the second streams these tokens", for one method or for
any. Lookup goes from the most precise to the default: this method's call number N, any
method's call number N, this method, then the default.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

from .apps import import_object
from .errors import UsageError
from .httpclient import httpx

Failure = Literal["timeout", "status", "disconnect", "raise"]
NOTHING: Any = type("Nothing", (), {"__repr__": lambda self: "nothing"})()
FAKE_URL = "http://upstream.fake/v1/chat/completions"


@dataclass
class Script:
    """What the fake does when called.

    ``tokens`` are streamed when the call is iterated (any values, not only text); awaited,
    the call returns ``result`` if set, else the tokens joined (or their list, if they are
    not all text). After ``fail_after`` tokens (None: never) it fails with ``failure``:
    a timeout, an HTTP status, a hang-up, or ``raises`` (an exception class by import path)
    with ``message``. ``hang`` waits until cancelled instead of ending; ``paced`` releases
    each token only when the test releases it.
    """

    tokens: list[Any] = field(default_factory=lambda: ["fake ", "reply"])
    fail_after: int | None = None
    failure: Failure = "timeout"
    status: int = 500
    retry_after: str | None = None
    hang: bool = False
    paced: bool = False
    result: Any = NOTHING
    raises: str | None = None
    message: str = ""

    def reply(self, tokens: list[Any]) -> Any:
        """What awaiting the call returns, once ``tokens`` were produced."""
        if self.result is not NOTHING:
            return self.result
        return "".join(tokens) if all(isinstance(t, str) for t in tokens) else list(tokens)

    def error(self) -> BaseException:
        request = httpx.Request("POST", FAKE_URL)
        if self.failure == "timeout":
            return httpx.ReadTimeout("The fake upstream timed out.", request=request)
        if self.failure == "disconnect":
            return httpx.RemoteProtocolError("The fake upstream hung up.", request=request)
        if self.failure == "raise":
            return exception(self.raises or "RuntimeError", self.message, request)
        headers = {"Retry-After": self.retry_after} if self.retry_after else {}
        response = httpx.Response(self.status, headers=headers, request=request,
                                  json={"error": f"fake upstream status {self.status}"})
        return httpx.HTTPStatusError(
            f"The fake upstream answered {self.status}.", request=request, response=response
        )


def exception(path: str, message: str, request: Any = None) -> BaseException:
    """An exception of the class at ``path`` (``httpx.ReadTimeout``, ``TimeoutError``,
    ``myapp.errors:QuotaExceeded``) carrying ``message``."""
    spec = path if ":" in path else _builtin_or_module(path)
    cls = import_object(spec, "exception class")
    if not (isinstance(cls, type) and issubclass(cls, BaseException)):
        raise UsageError(f"'{path}' is not an exception class.")
    for attempt in ((message,), ()):
        try:
            return cls(*attempt, request=request) if _wants_request(cls) else cls(*attempt)
        except TypeError:
            continue
    raise UsageError(f"The exception class '{path}' cannot be made with just a message.")


def _builtin_or_module(path: str) -> str:
    if "." not in path:
        return f"builtins:{path}"
    module, _, name = path.rpartition(".")
    return f"{module}:{name}"


def _wants_request(cls: type) -> bool:
    return issubclass(cls, httpx.RequestError)


class ScriptBook:
    """The default script, and scripts for a method, a call number, or both."""

    def __init__(self) -> None:
        self.default = Script()
        self._scripts: dict[tuple[str | None, int | None], Script] = {}

    def edit(self, method: str | None, call: int | None, **changes: Any) -> None:
        """Change the script for (``method``, ``call``): both None is the default."""
        if call is not None and call < 1:
            raise UsageError(f"Call numbers start at 1, got {call}.")
        key = (method, call)
        base = self._scripts.get(key) or (self._scripts.get((method, None)) if call else None)
        script = replace(base or self.default, **changes)
        if key == (None, None):
            self.default = script
        else:
            self._scripts[key] = script

    def edit_all(self, **changes: Any) -> None:
        """Change the default and every script written for a call or method."""
        self.default = replace(self.default, **changes)
        self._scripts = {key: replace(s, **changes) for key, s in self._scripts.items()}

    def for_call(self, method: str, nth_of_method: int, nth: int) -> Script:
        for key in ((method, nth_of_method), (None, nth), (method, None)):
            if key in self._scripts:
                return self._scripts[key]
        return self.default

    def reset(self) -> None:
        self.default = Script()
        self._scripts.clear()
