import threading
import time

import anyio
import pytest

from AsyncApiLibrary.errors import DeadlineExceeded, UsageError
from AsyncApiLibrary.runtime import LATE_GRACE, LATE_TOLERANCE, Runtime


class Interrupt(Exception):
    """Stands in for the exception Robot's [Timeout] raises in the main thread."""


def test_loop_keeps_running_between_calls():
    runtime = Runtime()
    try:
        progress = threading.Event()

        async def background():
            await anyio.lowlevel.checkpoint()
            progress.set()  # runs while no keyword (runtime.run) is active
            await anyio.sleep_forever()

        runtime.portal.start_task_soon(background)
        assert progress.wait(5)
    finally:
        runtime.close()


def test_an_interrupted_wait_cancels_the_coroutine():
    runtime = Runtime()
    started = threading.Event()
    outcome = {}

    async def hang():
        try:
            started.set()
            await anyio.sleep_forever()
        except anyio.get_cancelled_exc_class():
            outcome["cancelled"] = True
            raise

    timer = None
    try:
        import signal

        def interrupt(signum, frame):
            raise Interrupt()

        previous = signal.signal(signal.SIGUSR1, interrupt)
        main_id = threading.main_thread().ident
        timer = threading.Thread(target=lambda: (started.wait(5), signal.pthread_kill(main_id, signal.SIGUSR1)))
        # Robot's [Timeout] is a signal handled in the main thread while it waits
        timer.start()
        with pytest.raises(Interrupt):
            runtime.run(hang)
        assert outcome == {"cancelled": True}
    finally:
        signal.signal(signal.SIGUSR1, previous)
        if timer is not None:
            timer.join()
        runtime.close()


def test_closed_runtime_refuses_work_with_a_sentence():
    runtime = Runtime()
    runtime.close()
    with pytest.raises(UsageError, match="The library's event loop has already been shut down."):
        runtime.run(anyio.lowlevel.checkpoint)


def test_close_stops_the_loop_thread():
    before = threading.active_count()
    runtime = Runtime()
    runtime.run(anyio.lowlevel.checkpoint)
    assert threading.active_count() > before
    runtime.close()
    assert threading.active_count() == before


def test_an_interrupt_at_any_moment_never_leaves_work_running():
    """Robot's timeout signal can land anywhere in a keyword, even while it submits work."""
    import queue
    import random
    import signal
    import time

    runtime = Runtime()
    counts = {"started": 0, "ended": 0}
    delays: queue.SimpleQueue = queue.SimpleQueue()
    main_id = threading.main_thread().ident

    async def hang():
        counts["started"] += 1
        try:
            await anyio.sleep_forever()
        finally:
            counts["ended"] += 1

    def killer():
        while (delay := delays.get()) is not None:
            time.sleep(delay)  # the timer of the interrupt, as Robot's [Timeout] has one
            signal.pthread_kill(main_id, signal.SIGUSR1)

    def interrupt(signum, frame):
        raise Interrupt()

    previous = signal.signal(signal.SIGUSR1, interrupt)
    thread = threading.Thread(target=killer)
    thread.start()
    rng = random.Random(7)
    interrupted = 0
    try:
        runtime.run(anyio.lowlevel.checkpoint)  # the loop exists before the first signal
        for _ in range(200):
            try:
                delays.put(rng.uniform(0.0, 0.0015))
                runtime.run(hang)
            except Interrupt:
                interrupted += 1
        delays.put(None)
        thread.join()
        # The loop runs submitted work in order, so anything handed over earlier and not
        # cancelled has started by the time this later call has finished.
        runtime.run(anyio.lowlevel.checkpoint)
        assert counts["started"] == counts["ended"]
    finally:
        delays.put(None)
        thread.join()
        signal.signal(signal.SIGUSR1, previous)
        runtime.close()
    assert interrupted == 200


def _hold_the_loop(seconds: float) -> None:
    """What an app bug does: run on the loop thread without awaiting (a busy wait here)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def test_a_keyword_gives_up_on_a_loop_that_stays_blocked_past_its_deadline():
    runtime = Runtime()
    try:
        answered = threading.Event()

        async def blocked():
            _hold_the_loop(LATE_GRACE + 1.0)
            answered.set()

        with pytest.raises(DeadlineExceeded, match="loop was blocked, and the loop had still not"):
            runtime.run(blocked, deadline=0.05)
        assert not answered.is_set()  # it gave up instead of waiting for the answer
    finally:
        runtime.close()


def test_an_outcome_that_comes_after_the_deadline_is_refused():
    runtime = Runtime()
    try:
        async def late():
            _hold_the_loop(LATE_TOLERANCE + 0.1)
            return "answered"

        with pytest.raises(DeadlineExceeded, match=r"blocked for at least 0\.\d\d s"):
            runtime.run(late, deadline=0.01)
        assert runtime.run(late, deadline=5.0) == "answered"  # within its deadline: taken
    finally:
        runtime.close()
