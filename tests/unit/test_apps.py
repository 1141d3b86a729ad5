"""Importing an app: in a thread of its own, bounded, and one sentence when it fails."""

import asyncio
import sys
import threading

import pytest

from AsyncApiLibrary.apps import load_app
from AsyncApiLibrary.errors import AppLoadError

pytestmark = pytest.mark.anyio

GATE = threading.Event()  # the module written below waits on it while it is imported


async def test_an_import_still_running_at_its_limit_fails_with_one_sentence(tmp_path,
                                                                            monkeypatch):
    (tmp_path / "slow_app_module.py").write_text(
        "from tests.unit.test_apps import GATE\nGATE.wait()\n\n\ndef app():\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        with pytest.raises(AppLoadError) as failed:
            await load_app("slow_app_module:app", 0.05)
    finally:
        GATE.set()  # the import left behind finishes in its thread
    assert str(failed.value) == (
        "The app 'slow_app_module:app' was still being imported after 0.05 s: its module is "
        "slow to import or blocks while it is imported (a client timeout above 60 s raises "
        "this limit).")


async def test_the_event_loop_a_module_takes_at_import_is_the_one_its_app_runs_on():
    await load_app("tests.acceptance.apps.loop_at_import:app", 30)
    module = sys.modules["tests.acceptance.apps.loop_at_import"]
    assert module.LOOP is asyncio.get_running_loop()


async def test_a_module_that_needs_the_running_loop_at_import_is_told_where_that_belongs():
    with pytest.raises(AppLoadError) as failed:
        await load_app("tests.acceptance.apps.needs_loop_at_import:app", 30)
    assert str(failed.value).endswith(
        "RuntimeError: no running event loop (the library imports an app in a thread of its "
        "own, where no event loop runs: start that work in the app's lifespan).")
