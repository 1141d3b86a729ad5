"""The library's own listener: leak checks after each test, shutdown at the end."""

from __future__ import annotations

from typing import Any

from robot.api import logger


class LeakListener:
    """Robot listener (API v3) attached to one library instance."""

    ROBOT_LISTENER_API_VERSION = 3

    def __init__(self, library: Any) -> None:
        self.library = library

    def start_test(self, data: Any, result: Any) -> None:
        self.library.state.in_test = True

    def end_test(self, data: Any, result: Any) -> None:
        library = self.library
        library.state.in_test = False
        mode = library.state.leak_check
        leftovers = library._owned_leftovers(settle=mode != "off")
        if leftovers:
            library._release_leftovers()
        if not leftovers or mode == "off":
            return
        sentence = f"Test '{result.name}' left behind: {'; '.join(leftovers)}."
        if mode == "fail" and result.passed:
            result.status = "FAIL"
            result.message = sentence
        else:
            logger.warn(sentence)

    def close(self) -> None:
        self.library._shutdown()
