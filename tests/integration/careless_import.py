"""An app module whose import forgets an await: a warm-up coroutine called, never awaited."""

import asyncio

from tests.integration.careless_app import app  # noqa: F401  (the app served)


async def warm_up() -> None:
    await asyncio.sleep(0)


warm_up()  # the bug: the coroutine is made and dropped, never run
