"""The async core beneath the keywords: each function here is one coroutine a keyword runs.

Keywords parse their arguments, run one of these on the library's loop, and log. Unit
tests drive them directly, without Robot.
"""

from .cleanup import wait_for_cleanup
from .contracts import load_contract
from .exchange import exchange, exchange_errors, gather, open_stream, open_streams
from .leaks import ending_handlers, find_leftovers, mark_reported, settle_disconnects
from .polling import poll_json_field, wait_until_up
from .reading import count_until_done, read_all_until_done, read_until_done, wait_event
from .sockets import open_socket

__all__ = [
    "count_until_done",
    "exchange",
    "ending_handlers",
    "exchange_errors",
    "find_leftovers",
    "gather",
    "load_contract",
    "mark_reported",
    "open_socket",
    "open_stream",
    "open_streams",
    "poll_json_field",
    "read_all_until_done",
    "read_until_done",
    "settle_disconnects",
    "wait_event",
    "wait_for_cleanup",
    "wait_until_up",
]
