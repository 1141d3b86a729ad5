"""Run ``robot`` in a subprocess on small suites and check what a CI pipeline would see.

These prove the leak check (warn and fail), that Robot's ``[Timeout]`` cancels the
library's in-flight work, and that ``robot`` exits cleanly, with no pending-task or
ResourceWarning noise, after suites that leave streams, servers and failures behind.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from robot.api import ExecutionResult

SUITES = Path(__file__).parent / "suites"
ROOT = Path(__file__).parents[2]
HANG_GUARD = 180  # seconds; only catches a robot process that never exits
NOISE = ("Task was destroyed but it is pending", "ResourceWarning", "Exception ignored",
         "Traceback (most recent call last)", "coroutine ignored GeneratorExit",
         "was never awaited")


def run_robot(tmp_path: Path, suite: str, *variables: str,
              options: tuple[str, ...] = ()) -> tuple[subprocess.CompletedProcess, object]:
    args = [sys.executable, "-W", "always::ResourceWarning", "-m", "robot",
            "--outputdir", str(tmp_path), "--loglevel", "DEBUG:INFO", "--consolecolors", "off",
            *options]
    for variable in variables:
        args += ["--variable", variable]
    args.append(str(SUITES / suite))
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=HANG_GUARD)
    return done, ExecutionResult(str(tmp_path / "output.xml"))


def by_name(result: object) -> dict[str, object]:
    return {test.name: test for test in result.suite.all_tests}


def warnings_of(result: object) -> list[str]:
    return [m.message for m in result.errors.messages if m.level == "WARN"]


LEFT_BEHIND = ("Test 'Leaves Things Behind' left behind: stream 'left-open' is still open; "
               "fake 'upstream' is still installed; client 'leaky' is still open; "
               "the server is still handling POST /chat/stream of client 'leaky'.")


@pytest.mark.parametrize("mode", ["in-process", "server"])
def test_leak_check_warns_by_default_and_cleans_up(tmp_path, mode):
    done, result = run_robot(tmp_path, "leaks.robot", "LEAK_CHECK:warn", f"MODE:{mode}")
    tests = by_name(result)
    assert done.returncode == 0, done.stdout
    assert tests["Leaves Things Behind"].status == "PASS"
    assert tests["Starts Clean"].status == "PASS"
    assert warnings_of(result) == [LEFT_BEHIND]


def test_strict_leak_check_fails_the_test(tmp_path):
    done, result = run_robot(tmp_path, "leaks.robot", "LEAK_CHECK:fail")
    tests = by_name(result)
    assert done.returncode == 1, done.stdout
    assert tests["Leaves Things Behind"].status == "FAIL"
    assert tests["Leaves Things Behind"].message == LEFT_BEHIND
    assert tests["Starts Clean"].status == "PASS"
    assert warnings_of(result) == []


@pytest.mark.parametrize("mode", ["in-process", "server"])
def test_strict_leak_check_blames_a_websocket_left_open_on_its_test_alone(tmp_path, mode):
    done, result = run_robot(tmp_path, "websocket_leaks.robot", f"MODE:{mode}")
    tests = by_name(result)
    assert tests["Leaves A Deaf Handler Behind"].message == (
        "Test 'Leaves A Deaf Handler Behind' left behind: WebSocket 'deaf' is still open; "
        "the server is still handling WebSocket /deaf of client 'app1'.")
    assert tests["Starts Clean"].status == "PASS", tests["Starts Clean"].message
    assert done.returncode == 1, done.stdout


@pytest.mark.parametrize("mode", ["in-process", "server"])
def test_robot_timeout_cancels_in_flight_request_and_read(tmp_path, mode):
    extra = ("--exclude", "in-process-only") if mode == "server" else ()
    done, result = run_robot(tmp_path, "timeouts.robot", f"MODE:{mode}", options=extra)
    tests = by_name(result)
    for name in ("A Hanging Request Is Cut By The Test Timeout",
                 "A Hanging Read Is Cut By The Test Timeout"):
        assert tests[name].status == "FAIL"
        assert tests[name].message == "Test timeout 1 second exceeded."
    cancelled = ["The Upstream Call Of The Stream Was Cancelled"]
    if mode == "in-process":
        cancelled.append("The Upstream Call Of The Request Was Cancelled")
    for name in cancelled:
        assert tests[name].status == "PASS", tests[name].message
    assert done.returncode == 2
    assert not [n for n in NOISE if n in done.stderr], done.stderr


def test_robot_exits_cleanly_after_failures_timeouts_and_leftovers(tmp_path):
    done, result = run_robot(tmp_path, "exit_hygiene.robot")
    tests = by_name(result)
    assert tests["Fails Mid-Stream"].status == "FAIL"
    assert tests["Times Out Mid-Read"].message == "Test timeout 500 milliseconds exceeded."
    assert tests["Leaves A Stream Open"].status == "PASS"
    assert result.suite.teardown.status == "PASS"
    assert done.returncode == 2, done.stdout
    assert not [n for n in NOISE if n in done.stderr], done.stderr
    assert not [n for n in NOISE if n in done.stdout], done.stdout


def _scanner():
    import importlib.util

    spec = importlib.util.spec_from_file_location("scan_secrets", ROOT / "scripts" / "scan_secrets.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("mode", ["in-process", "server"])
@pytest.mark.parametrize("level", ["INFO", "DEBUG", "TRACE"])
def test_tokens_and_api_keys_never_reach_the_outputs(tmp_path, mode, level):
    key, token = "key-5f0c2a9d41b7e3", "tok-8e1d6b3c07a9f2"
    unregistered = {"QUERY_KEY": "qk-71c3e0b2d95a4f", "PASSWORD": "pw-2b8f6d1e93c04a",
                    "HEADER_KEY": "hk-9a4e2c7f15b3d8"}
    env_token = {"SAMPLE_APP_TOKENS": token}
    args = [sys.executable, "-m", "robot", "--outputdir", str(tmp_path), "--loglevel", level,
            "--variable", f"MODE:{mode}", "--variable", f"KEY:{key}",
            "--variable", f"TOKEN: Secret:{token}"]
    for name, value in unregistered.items():
        args += ["--variable", f"{name}:{value}"]
    done = subprocess.run([*args, str(SUITES / "secrets.robot")], cwd=ROOT, capture_output=True,
                          text=True, timeout=HANG_GUARD, env={**os.environ, **env_token})
    assert done.returncode == 0, done.stdout
    # At TRACE Robot itself logs every keyword argument, so there only a Secret (TOKEN
    # here) stays hidden; the README says so. At INFO and DEBUG nothing may show.
    secrets = [token] if level == "TRACE" else [key, token, *unregistered.values()]
    assert _scanner().scan([tmp_path], secrets) == []


def test_the_scanner_finds_a_secret_in_compressed_log_html(tmp_path):
    secret = "sk-" + "9" * 40
    suite = tmp_path / "leaky.robot"
    suite.write_text(f"*** Test Cases ***\nLeak\n    Log    The key is {secret} " + "padding " * 50 + "\n")
    done = subprocess.run([sys.executable, "-m", "robot", "--outputdir", str(tmp_path / "out"),
                           str(suite)], capture_output=True, text=True, timeout=HANG_GUARD)
    assert done.returncode == 0
    log = (tmp_path / "out" / "log.html").read_text()
    assert secret not in log  # stored compressed: a plain search would miss it
    found = _scanner().scan([tmp_path / "out"], [secret])
    assert sorted(found) == [f"{tmp_path / 'out' / name}: contains secret #1"
                             for name in ("log.html", "output.xml")]


def test_library_failures_show_no_traceback_at_info_level(tmp_path):
    """Robot logs a failing keyword's traceback at DEBUG; nothing of it may reach INFO.

    Every acceptance suite runs: each of its cases provokes a library failure on purpose.
    """
    from robot.api import ResultVisitor

    acceptance = ROOT / "tests" / "acceptance"
    done = subprocess.run(
        [sys.executable, "-m", "robot", "--outputdir", str(tmp_path), "--loglevel", "DEBUG",
         "--log", "NONE", "--report", "NONE", str(acceptance)],
        cwd=ROOT, capture_output=True, text=True, timeout=HANG_GUARD)
    assert done.returncode == 0, done.stdout
    shown: list[str] = []

    class Messages(ResultVisitor):
        def visit_message(self, msg: object) -> None:
            if msg.level in ("INFO", "WARN", "ERROR", "FAIL"):
                shown.append(msg.message)

    result = ExecutionResult(str(tmp_path / "output.xml"))
    result.visit(Messages())
    failures = [t.message for t in result.suite.all_tests]
    assert len(shown) > 100
    assert not [m for m in shown + failures if "Traceback" in m or 'File "' in m]


@pytest.mark.parametrize(("mode", "left_behind"), [
    ("in-process", "The app was still handling GET /blocking 1.0 s after the client closed "
                   "(blocked in a worker thread?); its task was stopped and any thread it "
                   "waits on was left to finish on its own."),
    ("server", "graceful shutdown"),  # uvicorn's own warning, worded by its version
])
def test_a_handler_blocked_in_a_thread_holds_up_neither_the_deadline_nor_the_close(
        tmp_path, mode, left_behind):
    done, result = run_robot(tmp_path, "blocking_handler.robot", f"MODE:{mode}")
    tests = by_name(result)
    for test in tests.values():
        assert test.status == "PASS", f"{test.name}: {test.message}"
    warned = warnings_of(result)
    assert len(warned) == 1 and left_behind in warned[0], warned
    assert done.returncode == 0, done.stdout
    assert not [n for n in NOISE if n in done.stderr], done.stderr


@pytest.mark.parametrize("mode", ["in-process", "server"])
def test_strict_leak_check_blames_each_leftover_once_on_the_test_that_made_it(tmp_path, mode):
    done, result = run_robot(tmp_path, "blame.robot", f"MODE:{mode}")
    tests = by_name(result)
    statuses = {name: test.status for name, test in tests.items()}
    assert statuses == {
        "Reads A Stream To Done Whose Handler Closes A Moment Later": "PASS",
        "Abandons A Stream That Does Not Start In Time": "FAIL",
        "Runs After The Abandoned Stream": "PASS",
        "Leaves A Stream Open": "FAIL",
        "Runs After The Open Stream": "PASS",
    }, {name: test.message for name, test in tests.items()}
    assert tests["Abandons A Stream That Does Not Start In Time"].message == (
        "Test 'Abandons A Stream That Does Not Start In Time' left behind: the server is "
        "still handling GET /slow-start of client 'app1'.")
    assert tests["Leaves A Stream Open"].message == (
        "Test 'Leaves A Stream Open' left behind: stream 'left-open' is still open; "
        "the server is still handling GET /endless of client 'app1'.")
    assert done.returncode == 2


@pytest.mark.parametrize("mode", ["in-process", "server"])
def test_a_start_cut_by_robots_timeout_leaves_nothing_running(tmp_path, mode):
    done, result = run_robot(tmp_path, "startup_cut.robot", f"MODE:{mode}")
    tests = by_name(result)
    assert tests["A Start Cut By The Test Timeout"].message == "Test timeout 300 milliseconds exceeded."
    assert tests["The Cut Start Was Cancelled"].status == "PASS", tests["The Cut Start Was Cancelled"].message
    assert done.returncode == 1
    assert not [n for n in NOISE if n in done.stderr], done.stderr


@pytest.mark.parametrize("mode", ["in-process", "server"])
def test_an_import_that_blocks_is_cut_by_the_test_timeout_and_holds_up_nothing(tmp_path, mode):
    done, result = run_robot(tmp_path, "import_blocks.robot", f"MODE:{mode}",
                             options=("--exclude", "ctrl-c"))
    tests = by_name(result)
    assert tests["An Import Cut By The Test Timeout"].message == "Test timeout 300 milliseconds exceeded."
    served = tests["The Loop Serves Other Apps While That Import Blocks"]
    assert served.status == "PASS", served.message  # not blamed for what the cut import did
    assert done.returncode == 1
    # That import's forgotten await is left to Python to show (no test's doing); nothing
    # else may be said.
    others = "\n".join(line for line in done.stderr.splitlines() if "_warm_up" not in line)
    assert not [n for n in NOISE if n in others], done.stderr


def test_ctrl_c_during_an_import_that_never_ends_stops_the_run(tmp_path):
    began, signal_end = os.pipe()  # the app's module writes a byte once its import began
    args = [sys.executable, "-m", "robot", "--outputdir", str(tmp_path), "--include", "ctrl-c",
            "--consolecolors", "off", str(SUITES / "import_blocks.robot")]
    env = {**os.environ, "BLOCKING_IMPORT_SIGNAL_FD": str(signal_end)}
    with subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, pass_fds=(signal_end,)) as robot:
        os.close(signal_end)
        try:
            ready, _, _ = select.select([began], [], [], HANG_GUARD)
            assert ready and os.read(began, 1) == b"!", "the app's import never began"
            robot.send_signal(signal.SIGINT)
            out, err = robot.communicate(timeout=HANG_GUARD)  # old code: never exits
        finally:
            robot.kill()
            os.close(began)
    test = by_name(ExecutionResult(str(tmp_path / "output.xml")))["An Import Interrupted By Ctrl-C"]
    assert test.message == "Execution terminated by signal", (test.message, out, err)
    assert robot.returncode == 1, (out, err)


@pytest.mark.parametrize("mode", ["in-process", "server"])
def test_what_python_notices_is_reported_against_the_test_that_caused_it(tmp_path, mode):
    done, result = run_robot(tmp_path, "notices.robot", f"MODE:{mode}")
    tests = by_name(result)
    expected = {
        "Forgets An Await": "made Python report RuntimeWarning: coroutine 'notify_upstream' was never awaited",
        "Leaves A Task Exception Unretrieved": "made Python report Task exception was never retrieved",
        "Leaves A Socket Unclosed": "made Python report ResourceWarning: unclosed <socket.socket",
        "Has A Finalizer That Raises": "made Python report RuntimeError: the session could not be closed was raised where nothing could catch it",
        "Reads To A Done Event That Is Not The End": "got 1 item after the done event of stream 'sloppy': event 2 'token': 'late'",
        "Leaves A Task Running After Its Request": "left work running after its request: task _close_upstream() (started at tests/integration/careless_app.py:",
        "Imports An App That Forgets An Await": "made Python report RuntimeWarning: coroutine 'warm_up' was never awaited",
    }
    for name, told in expected.items():
        assert tests[name].status == "FAIL", name
        assert tests[name].message.startswith(f"Test '{name}' {told}"), tests[name].message
    assert tests["Is Careful"].status == "PASS", tests["Is Careful"].message
    assert done.returncode == len(expected)


@pytest.mark.parametrize(("argument", "sentence"), [
    ("timeout=soon", "Timeout must be a time such as 10s or 500ms, got 'soon'."),
    ("app=sample_app.main:app", "Timeout must be a time such as 10s or 500ms, got "
                                "'app=sample_app.main:app'."),
    ("buffer_size=many", "Buffer size must be a whole number, 0 or more, got 'many'."),
    ("leak_check=maybe", "Leak check must be warn, fail or off, got 'maybe'."),
])
def test_a_bad_library_argument_fails_the_import_with_one_sentence(tmp_path, argument, sentence):
    # Robot 7.5 stops the whole run with "Unexpected error" and a traceback when its own
    # conversion of a library's arguments fails; the library converts them itself.
    suite = tmp_path / "bad_import.robot"
    suite.write_text("*** Settings ***\n"
                     f"Library    AsyncApiLibrary    {argument}\n\n"
                     "*** Test Cases ***\nUses The Library\n    Close All Clients\n",
                     encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "robot", "--outputdir", str(tmp_path),
                           "--consolecolors", "off", str(suite)],
                          cwd=ROOT, capture_output=True, text=True, timeout=HANG_GUARD)
    assert "Unexpected error" not in done.stderr + done.stdout
    assert sentence in done.stderr
    tests = by_name(ExecutionResult(str(tmp_path / "output.xml")))
    assert tests["Uses The Library"].status == "FAIL"


def test_library_arguments_given_as_text_are_converted(tmp_path):
    suite = tmp_path / "good_import.robot"
    suite.write_text("*** Settings ***\n"
                     "Library    AsyncApiLibrary    timeout=1.5 s    buffer_size=3    "
                     "leak_check=fail\n\n"
                     "*** Test Cases ***\nUses The Library\n    Close All Clients\n",
                     encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "robot", "--outputdir", str(tmp_path),
                           str(suite)], cwd=ROOT, capture_output=True, text=True,
                          timeout=HANG_GUARD)
    assert done.returncode == 0, done.stdout + done.stderr
