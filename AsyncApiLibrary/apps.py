"""Load an ASGI app from an import path such as ``sample_app.main:app``."""

from __future__ import annotations

import ast
import asyncio
import importlib
import re
import threading
import weakref
from typing import Any

import anyio

from .errors import AppLoadError, UsageError

_PATH = re.compile(
    r"^(?P<module>[A-Za-z_][\w.]*):(?P<attr>[A-Za-z_][\w.]*)(?P<call>\((?P<args>.*)\))?$", re.S)


IMPORT_THREAD = "asyncapi-import"  # the name of the threads apps are imported in
IMPORT_LIMIT = 60.0  # seconds an import may take, or the client's timeout if longer
_abandoned: weakref.WeakSet[threading.Thread] = weakref.WeakSet()  # given up on, still importing


def importing_an_app() -> bool:
    """True in a thread importing an app for a keyword that still waits for it."""
    thread = threading.current_thread()
    return thread.name.startswith(IMPORT_THREAD) and thread not in _abandoned


async def load_app(import_path: Any, limit: float) -> Any:
    """The ASGI app named by ``module:attribute`` or ``module:factory()``; an object that is
    already an ASGI app is returned as it is.

    The import runs in a thread of its own, so that an app module that blocks while it is
    imported holds up neither the library's loop nor Ctrl-C or Robot's ``[Timeout]``.
    There, ``asyncio.get_event_loop()`` is the library's loop, which the app will run on
    (as under uvicorn); a module that needs that loop running while it is imported
    (``get_running_loop()``, ``create_task()`` at module level) fails with a sentence
    that says to move that work to the app's lifespan.

    An import still running after ``limit`` seconds (the caller gives at least
    ``IMPORT_LIMIT``: a big app may take seconds to import, whatever its keywords'
    deadlines), or when the keyword is cancelled, is left behind in its (daemon) thread:
    Python cannot stop an import midway.
    """
    if not isinstance(import_path, str) and callable(import_path):
        return import_path
    loop = asyncio.get_running_loop()
    outcome: asyncio.Future[Any] = loop.create_future()

    def settle(value: Any, error: BaseException | None) -> None:
        if outcome.done():
            return  # given up on: cancelled, or past its limit
        if error is not None:
            outcome.set_exception(error)
        else:
            outcome.set_result(value)

    def work() -> None:
        asyncio.set_event_loop(loop)  # "the" event loop of code run at import
        value, error = None, None
        try:
            value = import_object(import_path, "app")
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting coroutine
            error = exc
        try:
            loop.call_soon_threadsafe(settle, value, error)
        except RuntimeError:
            pass  # the library's loop closed while the module was being imported

    thread = threading.Thread(target=work, name=f"{IMPORT_THREAD} {import_path}", daemon=True)
    thread.start()
    try:
        with anyio.move_on_after(limit):
            return await outcome  # cancelled, it stays cancelled: the thread's answer is dropped
    except anyio.get_cancelled_exc_class():
        _abandoned.add(thread)  # what it does from now on is no test's doing
        raise
    _abandoned.add(thread)
    raise AppLoadError(
        f"The app '{import_path}' was still being imported after {limit:g} s: its module is "
        "slow to import or blocks while it is imported (a client timeout above "
        f"{IMPORT_LIMIT:g} s raises this limit)."
    )


def import_object(import_path: Any, what: str) -> Any:
    """Import ``module:attribute`` (or call ``module:factory()``); ``what`` names it in errors."""
    example = "package.module:app" if what == "app" else "package.module:name"
    if not isinstance(import_path, str):
        raise UsageError(
            f"The {what} must be an import path like '{example}', got {import_path!r}."
        )
    match = _PATH.match(import_path.strip())
    if not match:
        raise UsageError(
            f"The {what} import path '{import_path}' is malformed; expected '{example}'."
        )
    module_name, attr_path = match["module"], match["attr"]
    try:
        module = importlib.import_module(module_name)
    except (Exception, SystemExit) as exc:  # an app module that exits must not end the run
        raise AppLoadError(
            f"Could not import module '{module_name}' for {what} '{import_path}': "
            f"{type(exc).__name__}: {exc}{_NO_LOOP_HINT if _no_running_loop(exc) else ''}."
        ) from exc
    target: Any = module
    for part in attr_path.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise AppLoadError(
                f"Module '{module_name}' has no attribute '{attr_path}' (from '{import_path}')."
            ) from None
    if match["call"]:
        args, kwargs = _call_arguments(match["args"], import_path, what)
        try:
            target = target(*args, **kwargs)
        except (Exception, SystemExit) as exc:
            raise AppLoadError(
                f"The {what} factory '{import_path}' raised {type(exc).__name__}: {exc}."
            ) from exc
    if what != "object" and not callable(target):
        kind = "an ASGI app" if what == "app" else f"a callable {what}"
        raise AppLoadError(f"'{import_path}' is not {kind}; it is a {type(target).__name__}.")
    return target


_NO_LOOP_HINT = (" (the library imports an app in a thread of its own, where no event loop "
                 "runs: start that work in the app's lifespan)")


def _no_running_loop(error: BaseException) -> bool:
    return isinstance(error, RuntimeError) and "no running event loop" in str(error)


def _call_arguments(text: str, import_path: str, what: str) -> tuple[list, dict]:
    """The literal arguments of ``factory(1, debug=True)``: Python literals only."""
    if not text.strip():
        return [], {}
    try:
        call = ast.parse(f"f({text})", mode="eval").body
        assert isinstance(call, ast.Call)
        args = [ast.literal_eval(arg) for arg in call.args]
        kwargs = {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords if kw.arg}
        if len(kwargs) != len(call.keywords):
            raise ValueError("** arguments")
    except (SyntaxError, ValueError, AssertionError, TypeError):
        raise UsageError(
            f"The arguments of the {what} factory '{import_path}' must be Python literals, "
            "as in 'package.module:create_app(debug=True, workers=2)'."
        ) from None
    return args, kwargs


def unwrap_app(app: Any) -> Any:
    """Follow ``.app`` links (tracker, lifespan manager) down to the user's app object."""
    seen = 0
    while seen < 10 and not hasattr(type(app), "dependency_overrides") and hasattr(app, "app"):
        app, seen = app.app, seen + 1
    return app


def uses_dependency(app: Any, dependency: Any) -> bool:
    """True if any route of the FastAPI ``app`` depends on ``dependency``, directly or
    through other dependencies."""
    pending = [route.dependant for route in getattr(app, "routes", ())
               if getattr(route, "dependant", None) is not None]
    seen: set[int] = set()
    while pending:
        dependant = pending.pop()
        if id(dependant) in seen:
            continue
        seen.add(id(dependant))
        if dependant.call is dependency:
            return True
        pending.extend(dependant.dependencies)
    return False
