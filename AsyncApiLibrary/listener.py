"""The library's own listener: leak checks after each test, shutdown at the end."""

from __future__ import annotations

from typing import Any

from robot.api import logger

from .context import LibraryContext


class LeakListener:
    """Robot listener (API v3) attached to one library instance."""

    ROBOT_LISTENER_API_VERSION = 3

    def __init__(self, ctx: LibraryContext) -> None:
        self.ctx = ctx

    def start_test(self, data: Any, result: Any) -> None:
        self.ctx.new_test()

    def end_test(self, data: Any, result: Any) -> None:
        ctx = self.ctx
        ctx.in_test = False
        ctx.forget_responses()
        mode = ctx.settings.leak_check
        leftovers = ctx.leftovers(settle=mode != "off")
        findings = ctx.findings() if mode != "off" else ctx.ignore_findings()
        if leftovers:
            ctx.release_leftovers()
        else:
            ctx.release_test_streams()
        if not (leftovers or findings) or mode == "off":
            return
        told = [f"left behind: {'; '.join(leftovers)}"] if leftovers else []
        told += findings
        sentence = f"Test '{result.name}' {' and '.join(told)}."
        if mode == "fail" and result.passed:
            result.status = "FAIL"
            result.message = sentence
        else:
            logger.warn(sentence)

    def close(self) -> None:
        self.ctx.shutdown()
