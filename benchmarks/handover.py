"""A Robot library whose one keyword hands an empty coroutine to an AsyncApiLibrary loop.

Its time per call is the floor of every AsyncApiLibrary keyword that does work in the
loop: Robot's own keyword call plus the trip to the library's loop thread and back.
"""

from __future__ import annotations

from AsyncApiLibrary.runtime import Runtime


class HandOver:
    ROBOT_LIBRARY_SCOPE = "SUITE"
    ROBOT_LISTENER_API_VERSION = 3

    def __init__(self) -> None:
        self.ROBOT_LIBRARY_LISTENER = self
        self._runtime = Runtime()

    def hand_over_nothing(self) -> None:
        """Runs a coroutine that does nothing on the loop thread and waits for it."""
        self._runtime.run(_nothing)

    def close(self) -> None:
        self._runtime.close()


async def _nothing() -> None:
    return None
