"""Log records from the loop thread (app errors, uvicorn), handed to Robot's log later."""

from __future__ import annotations

import logging
import threading
from collections import deque

from robot.api import logger

from .masking import Masker


class AppLogCollector(logging.Handler):
    """Collects log records emitted in the loop thread for Robot.

    Robot only accepts log messages from its main thread, so records are queued here and
    written to the log (masked) after the keyword's coroutine returns.
    """

    LOGGERS = ("AsyncApiLibrary", "uvicorn.error")

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: deque[logging.LogRecord] = deque(maxlen=200)

    def emit(self, record: logging.LogRecord) -> None:
        if threading.current_thread() is not threading.main_thread():
            self.records.append(record)

    def attach(self) -> None:
        for name in self.LOGGERS:
            log = logging.getLogger(name)
            log.addHandler(self)
            log.setLevel(logging.INFO)

    def detach(self) -> None:
        for name in self.LOGGERS:
            logging.getLogger(name).removeHandler(self)

    def flush_to_robot(self, masker: Masker) -> None:
        """Write the queued records to Robot's log; tracebacks go to DEBUG."""
        records = self.records
        while records:
            record = records.popleft()
            message = masker.text(record.getMessage())
            level = "WARN" if record.levelno >= logging.WARNING and not record.exc_info else "INFO"
            logger.write(message, level)
            if record.exc_info:
                text = logging.Formatter().formatException(record.exc_info)
                logger.debug(masker.text(text))
