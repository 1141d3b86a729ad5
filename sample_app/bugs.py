"""A catalogue of classic async bugs the sample app can be started with.

Switch one on with the environment variable ``SAMPLE_APP_BUG=<name>``; the app's code asks
``settings.has_bug(name)`` where the bug lives, written the way such a bug appears in real
code. ``python -m sample_app.bugs`` prints one line per bug: its name, its class and what
it breaks (``--names``: the names alone; ``--tests``: the tests that must catch each).

Each :class:`Bug` names, in ``caught_by``, the tests that must catch it (by their exact
Robot test names, which are unique across ``suites/``), in every mode of its ``modes``:
both, unless one mode cannot show the bug at all, which its entry then explains. "Catch"
means fail by an assertion: a library expectation (``ExpectationFailed``,
``StreamFailure``, ``DeadlineExceeded``), one of Robot's own ``AssertionError``s, or the
end-of-test check (``Test '...' left behind ...``, a blocked loop, a coroutine never
awaited...). ``scripts/bug_hunt.py`` runs those tests with the bug on and fails when one
of them passes, or fails only through a library error (``UsageError``, ``AppLoadError``,
``ConnectionFailed``, a raw Python error): a bug caught by luck, only by other tests or by
a crash does not count.

A "contract drift" sends a body or an item whose shape the app's own OpenAPI document does
not allow, in a field no assertion of the suites looks at: the suites check every exchange
against that document (``contract=openapi`` in ``suites/resources/gateway.resource``), and
that check is what catches it, with its violation message (with the contract off, the
tests it names pass).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

MODES = ("in-process", "server")


@dataclass(frozen=True)
class Bug:
    name: str
    kind: str
    text: str
    caught_by: tuple[str, ...]
    modes: tuple[str, ...] = MODES


CATALOGUE: tuple[Bug, ...] = (
    # -- leaks on disconnect ----------------------------------------------------------------
    Bug("leak-upstream-on-disconnect", "leak on disconnect",
        "The stream never closes its upstream call when the client leaves.", (
            "Disconnect At The First Chunk Cleans Up And Closes The Upstream",
            "Disconnect From A JSON Lines Stream Cleans Up And Closes The Upstream",
            "Client Disconnect Makes The Gateway Drop Its Upstream Request",
        )),
    Bug("sync-stream-generator", "sync code in an async path",
        "The stream generator is synchronous, so a disconnect never stops it.", (
            "A Slow Client Leaving A Backed-Up Stream Still Gets Its Upstream Closed",
            "A First Token That Never Comes Ends The Stream With A Timeout Error",
        )),
    Bug("ndjson-generator-not-tracked", "leak on disconnect",
        "The JSON-lines route never hands its generator to the closer: a client leaving a "
        "backed-up stream leaves the upstream call open.", (
            "A Slow Client Leaving A Backed-Up JSON Lines Stream Still Gets Its Upstream Closed",
        )),
    # -- unshielded or missing cleanup ------------------------------------------------------
    Bug("unshielded-cleanup", "unshielded cleanup",
        "The stream closes its upstream from a cancelled scope, so the close never completes.", (
            "Cleanup Completes Even Though It Runs Under Cancellation",
            "Disconnect While The Model Is Thinking Cancels The Upstream Call",
        )),
    Bug("gauge-leak-on-error", "missing cleanup",
        "The active-streams gauge goes down only after done, not after an error or a "
        "disconnect.", (
            "Model Failing With 500 Mid-Stream Ends With An Upstream Error",
            "Disconnect At The First Chunk Cleans Up And Closes The Upstream",
            "Upstream Error Chunk Mid-Stream Gives An Upstream Error Event",
        )),
    Bug("close-not-awaited", "coroutine never awaited",
        "The upstream's aclose() is called without await: the call is never closed.", (
            "Stream Delivers Start, Each Token, Then Done And Nothing More",
            "Disconnect At The First Chunk Cleans Up And Closes The Upstream",
        )),
    # -- lost or extra events ---------------------------------------------------------------
    Bug("no-done-event", "lost done event", "The stream ends without its done event.", (
            "Stream Delivers Start, Each Token, Then Done And Nothing More",
            "The Same Reply As JSON Lines Ends With A Done Line And Nothing More",
            "Streamed Tokens Are Relayed Exactly Until Done",
        )),
    Bug("no-error-event", "lost error event",
        "When the upstream dies mid-stream, the stream just stops, without an error event.", (
            "Model Failing With 500 Mid-Stream Ends With An Upstream Error",
            "A JSON Lines Stream Whose Model Fails Ends With An Error Line",
        )),
    Bug("start-after-first-token", "lost event",
        "The start event waits for the first token: a model that never answers gives an "
        "error without start.", (
            "A First Token That Never Comes Ends The Stream With A Timeout Error",
            "Model Failing Before Its First Token Ends With An Upstream Error",
        )),
    Bug("error-then-done", "events after the end",
        "After an error event the stream also sends done (break instead of return).", (
            "Model Failing With 503 Mid-Stream Ends With An Upstream Error",
            "A JSON Lines Stream That Times Out Ends With An Error Line",
        )),
    Bug("done-without-stop", "events after the end",
        "At max_tokens the stream sends done but goes on relaying the model's extra tokens.", (
            "A Model That Ignores Max Tokens Is Cut Off At The Limit",
        )),
    Bug("error-message-leaks-exception", "wrong error message",
        "The error event carries the upstream exception's text, not the gateway's sentence.", (
            "Model Timing Out Mid-Stream Ends With A Timeout Error",
            "Model Hanging Up Mid-Stream Ends With An Unavailable Error",
        )),
    # -- wrong status mapping ---------------------------------------------------------------
    Bug("timeout-as-500", "wrong status mapping",
        "An upstream timeout surfaces as 500 instead of 504.", (
            "Upstream Timeout Gives 504 Naming The Deadline",
            "Silent Upstream Becomes Gateway Timeout And Is Abandoned",
        )),
    Bug("rate-limit-as-500", "wrong status mapping", "An upstream 429 is converted to 500.", (
            "Upstream 429 Is Passed On With Retry-After",
            "Model Rate Limited Mid-Stream Ends With A Rate Limit Error",
        )),
    Bug("upstream-4xx-passed-through", "wrong status mapping",
        "An upstream 400, 401 or 404 is passed on with its own status instead of 502.", (
            "Upstream 401 Gives 502, Not 401",
            "Upstream 404 Becomes Bad Gateway",
        )),
    Bug("hang-up-as-timeout", "wrong status mapping",
        "An upstream that hangs up is reported as a 504 timeout instead of 502 unavailable.", (
            "Upstream Hanging Up Gives 502",
            "Model Hanging Up Mid-Stream Ends With An Unavailable Error",
        )),
    Bug("invalid-token-403", "wrong status mapping",
        "An invalid token is answered 403 instead of 401.", (
            "Chat With An Unknown Token Is Refused",
            "Streamed Chat With An Unknown Token Is Refused Before The Stream Starts",
        )),
    Bug("long-poll-timeout-500", "wrong status mapping",
        "A long-poll whose wait runs out answers 500 instead of the job as it is.", (
            "A Long-Poll That Times Out Answers With The Job As It Is Then",
        )),
    # -- lost headers -----------------------------------------------------------------------
    Bug("no-retry-after", "lost header",
        "An upstream 429 is passed on without its Retry-After header.", (
            "Upstream 429 Is Passed On With Retry-After",
            "Upstream Rate Limit Passes Through With Retry-After",
        )),
    Bug("no-www-authenticate", "lost header",
        "The 401 for an invalid token has no WWW-Authenticate header.", (
            "Chat With An Unknown Token Is Refused",
            "Job Submission With A Token That Extends A Valid One Is Refused",
        )),
    Bug("ndjson-no-cache-header", "lost header",
        "The JSON-lines stream is sent without Cache-Control: no-cache.", (
            "A JSON Lines Stream Is Not Cached",
        )),
    # -- shared state, cross-talk -----------------------------------------------------------
    Bug("shared-state", "shared state",
        "Concurrent chats share one module-level prompt slot (cross-talk).", (
            "Fifty Concurrent Chats All Succeed, Each With Its Own Reply",
        )),
    Bug("echo-model-instance-state", "shared state",
        "The built-in model keeps a stream's words on the one shared client: concurrent "
        "streams mix.", (
            "Two Replies Produced At Once Do Not Mix Their Tokens",
        )),
    Bug("lost-update-counter", "shared state",
        "requests_served is read before the model call and written after it: concurrent "
        "chats lose counts.", (
            "Twenty Concurrent Chats Are Each Counted As Served",
        )),
    Bug("shared-upstream-messages", "shared state",
        "The OpenAI client keeps one message list for all requests: each upstream request "
        "carries earlier users' prompts.", (
            "Each Upstream Request Holds Only Its Own Caller's Prompt",
        )),
    # -- stuck jobs -------------------------------------------------------------------------
    Bug("job-stuck-running", "stuck job", "A finished job stays 'running' forever.", (
            "A Job Moves From Queued Through Running To Done, Reporting Each Step",
            "Long-Polling Returns As Soon As The Job Is Done",
        )),
    Bug("job-state-lost-at-shutdown", "stuck job",
        "A job cancelled by the shutdown stays 'running' forever.", (
            "A Job Still Running At Shutdown Ends Cancelled",
        )),
    Bug("job-stream-current-state-only", "lost job states",
        "The job stream reports the state the job is in when it wakes, not every state and "
        "step in order.", (
            "A Job Moves From Queued Through Running To Done, Reporting Each Step",
            "Two Jobs At Once Each Report Their Own Progress",
        )),
    # Over a socket the kernel's buffers take every job event at once, so the stream never
    # waits on its reader long enough for the job to move on: only in-process shows it.
    Bug("job-stream-skips-on-slow-reader", "lost job states",
        "The job stream skips what the job logged while it waited on a slow reader.", (
            "A Slow Reader Still Gets Every State And Every Step In Order",
        ),
        modes=("in-process",)),
    # -- auth -------------------------------------------------------------------------------
    Bug("auth-after-stream-start", "auth after streaming starts",
        "The stream checks the token only after it started streaming.", (
            "Streamed Chat Without A Token Is Refused Before The Stream Starts",
            "Streamed Chat With An Expired Token Is Refused Before The Stream Starts",
        )),
    Bug("token-prefix-match", "auth", "A token that starts with an issued token is accepted.", (
            "Chat With A Token That Extends A Valid One Is Refused",
            "Streamed Chat With A Token That Extends A Valid One Is Refused Before The Stream Starts",
        )),
    Bug("expired-token-accepted", "auth", "The expiry check is missing: expired tokens work.", (
            "Chat With An Expired Token Is Refused",
            "Job Events With An Expired Token Are Refused Before The Stream Starts",
        )),
    Bug("scheme-not-checked", "auth",
        "Any scheme is accepted if the header's last word is a valid token.", (
            "Chat With Another Scheme Than Bearer Is Refused",
            "Streamed Chat With An Empty Bearer Token Is Refused Before The Stream Starts",
        )),
    Bug("job-routes-no-auth", "auth", "The job status and event routes check no token.", (
            "Job Status Without A Token Is Refused",
            "Job Events Without A Token Are Refused Before The Stream Starts",
        )),
    # -- tasks fired and forgotten, coroutines never awaited, exceptions never retrieved ----
    Bug("stream-deadline-task-forgotten", "task fired and forgotten",
        "Each stream starts a timer task for its overall deadline that nobody cancels.", (
            "Stream Delivers Start, Each Token, Then Done And Nothing More",
            "The Model Is Asked For The Caller's Prompt And Token Limit",
        )),
    Bug("job-outside-task-group", "task fired and forgotten",
        "Jobs run as free tasks outside the lifespan's task group: shutdown never ends them.", (
            "A Job Still Running At Shutdown Ends Cancelled",
        )),
    Bug("job-step-sleep-not-awaited", "coroutine never awaited",
        "A job's step delay is called without await: the steps run at once, never pausing.", (
            "A Job Moves From Queued Through Running To Done, Reporting Each Step",
            "Long-Polling For Running Returns While The Job Runs",
        )),
    Bug("usage-report-task-fails", "task exception never retrieved",
        "Each stream reports its usage from a task fired and forgotten, whose error nobody "
        "reads.", (
            "Stream Delivers Start, Each Token, Then Done And Nothing More",
            "A First Token That Never Comes Ends The Stream With A Timeout Error",
        )),
    # -- blocking the event loop ------------------------------------------------------------
    Bug("blocking-brute-force-delay", "blocked event loop",
        "An invalid token is answered after time.sleep(0.5), which stalls every request.", (
            "Chat With An Unknown Token Is Refused",
            "Job Status With A Token That Extends A Valid One Is Refused",
        )),
    Bug("blocking-backoff-on-rate-limit", "blocked event loop",
        "An upstream 429 is answered after time.sleep(0.5) in the async handler.", (
            "Upstream 429 Is Passed On With Retry-After",
        )),
    Bug("blocking-job-step", "blocked event loop",
        "A job's steps wait with time.sleep, holding the event loop for the whole job.", (
            "Long-Polling For Running Returns While The Job Runs",
            "A Long-Poll That Times Out Answers With The Job As It Is Then",
        )),
    # -- shielded reads, retries ------------------------------------------------------------
    Bug("shielded-upstream-read", "shielded read ignores cancellation",
        "Each upstream read is shielded: a client that leaves is noticed only at the "
        "upstream deadline.", (
            "The Upstream Call Is Cancelled Right After The Disconnect, Not At Its Deadline",
            "Disconnect While The Model Is Thinking Cancels The Upstream Call",
        )),
    Bug("retry-mid-stream", "retrying wrongly",
        "A model failing mid-stream is called again and its reply relayed from the start: "
        "tokens twice.", (
            "Model Hanging Up Mid-Stream Ends With An Unavailable Error",
            "Upstream Connection Cut Mid-Stream Gives An Unavailable Error Event",
        )),
    Bug("retry-on-rate-limit", "retrying wrongly",
        "/chat retries an upstream 429 at once: two paid calls, then the same 429.", (
            "Upstream 429 Is Passed On With Retry-After",
        )),
    Bug("retry-after-timeout", "retrying wrongly",
        "/chat retries a timed-out upstream call: two calls and twice the wait.", (
            "Upstream Timeout Gives 504 Naming The Deadline",
        )),
    Bug("client-retries-server-errors", "retrying wrongly",
        "The OpenAI client posts again on an upstream 5xx: two paid calls.", (
            "Upstream 500 Becomes Bad Gateway",
            "Upstream 503 Becomes Bad Gateway",
        )),
    # -- partial failures reported as success -----------------------------------------------
    Bug("error-as-done", "partial failure reported as success",
        "A model failing mid-stream ends the stream with done instead of error.", (
            "Model Failing With 500 Mid-Stream Ends With An Upstream Error",
            "A Stall Mid-Stream Ends With A Timeout Error After The Tokens So Far",
        )),
    Bug("hang-up-as-end", "partial failure reported as success",
        "A model hanging up mid-stream is taken for the end of its reply: done.", (
            "Model Hanging Up Mid-Stream Ends With An Unavailable Error",
            "Upstream Connection Cut Mid-Stream Gives An Unavailable Error Event",
        )),
    Bug("job-failure-as-done", "partial failure reported as success",
        "A failing job step is swallowed and the job ends 'done'.", (
            "A Failing Job Ends As Failed With Its Reason",
        )),
    # -- lost request data, validation, upstream client lifecycle ---------------------------
    Bug("max-tokens-ignored", "lost request data",
        "The model is always asked for 16 tokens, whatever the caller asked for.", (
            "The Model Is Awaited Once With The Caller's Prompt And Token Limit",
            "The Model Is Asked For The Caller's Prompt And Token Limit",
        )),
    Bug("blank-message-accepted", "validation",
        "A message of only spaces is accepted and sent to the model.", (
            "A Message Of Only Spaces Is Rejected With 422",
            "A Streamed Chat With A Message Of Only Spaces Is Rejected With 422",
        )),
    Bug("upstream-response-leaked-on-error", "upstream client lifecycle",
        "The OpenAI client never closes an error reply: each one keeps a pooled connection.", (
            "Streams The Upstream Refused Give Their Connections Back",
        )),
    Bug("llm-client-not-closed-at-shutdown", "upstream client lifecycle",
        "The shutdown never closes the model client: its connections stay open.", (
            "The Model Client Closes Its Upstream Connections At Shutdown",
        )),
    # -- the OpenAI-compatible route ----------------------------------------------------------
    Bug("openai-done-after-error", "lost error event",
        "The OpenAI-compatible stream sends data: [DONE] after its error chunk, so a client "
        "takes a failed reply for a finished one.", (
            "A Model Failing Half Way Ends The Stream With One Error Chunk And No DONE",
        )),
    Bug("openai-finish-reason-always-stop", "partial failure reported as success",
        "The OpenAI-compatible stream says finish_reason stop even when the reply was cut at "
        "max_tokens.", (
            "A Reply Cut At Max Tokens Finishes With Length, Else With Stop",
        )),
    Bug("openai-usage-ignored", "lost request data",
        "The OpenAI-compatible stream never sends the usage chunk the client asked for with "
        "stream_options.include_usage.", (
            "A Streamed Completion Follows The OpenAI Chunk Format",
            "The Usage Chunk Counts What Was Streamed",
        )),
    # -- tool calls on the OpenAI-compatible route (sample_app/tools.py) ---------------------
    Bug("openai-tool-call-index-dropped", "lost stream data",
        "The OpenAI-compatible stream sends the pieces of every tool call but the first "
        "without their index, so a client adds the second parallel call to the first.", (
            "Two Parallel Tool Calls Keep Their Indexes",
        )),
    Bug("openai-tool-calls-finish-with-stop", "wrong finish reason",
        "The OpenAI-compatible route says finish_reason stop after the model's tool calls, "
        "so a client takes them for a finished answer and never runs them.", (
            "A Streamed Tool Call Arrives In Pieces And Finishes With Tool Calls",
            "A Whole Completion Carries The Model's Tool Calls",
        )),
    Bug("openai-tool-arguments-unchecked", "partial failure reported as success",
        "The OpenAI-compatible route relays a tool call whose arguments are not a JSON object "
        "as a finished call, which the client then fails to run.", (
            "A Streamed Tool Call Whose Arguments Are Not JSON Ends With An Error Chunk",
            "A Whole Reply Whose Tool Call Arguments Are Not JSON Is A 502",
        )),
    Bug("openai-unoffered-tool-relayed", "validation",
        "The OpenAI-compatible route relays a call of a tool the request never offered, so a "
        "client runs a function its user never allowed.", (
            "A Streamed Call Of A Tool Never Offered Ends With An Error Chunk",
            "A Whole Reply Calling A Tool Never Offered Is A 502",
        )),
    Bug("openai-tool-choice-unenforced", "validation",
        "The OpenAI-compatible route relays the model's reply whatever the request's "
        "tool_choice allowed: a call under none, a call of another tool than the one named, "
        "a text answer where a call was required.", (
            "A Streamed Call Under Tool Choice None Ends With An Error Chunk",
            "A Streamed Call Of Another Tool Than The One Named Ends With An Error Chunk",
            "A Whole Reply Without The Call Tool Choice Required Is A 502",
        )),
    Bug("openai-tool-choice-dropped", "lost request data",
        "The OpenAI-compatible route never passes the request's tool_choice on to its model.", (
            "A Named Tool Choice Reaches The Model",
        )),
    Bug("openai-conversation-dropped", "lost request data",
        "The OpenAI-compatible route sends its model only the last message, so a "
        "conversation continued after a tool run reaches the model as the tool's bare result.", (
            "A Conversation Continued After A Tool Run Reaches The Model Whole",
        )),
    Bug("openai-tool-result-unmatched", "validation",
        "The OpenAI-compatible route accepts a tool result that answers no call the "
        "assistant made, and sends the model a conversation it cannot follow.", (
            "A Tool Result That Answers No Call Is Refused",
        )),
    # -- contract drift: the OpenAI-compatible route writes its JSON by hand -------------------
    Bug("openai-usage-renamed", "contract drift",
        "The OpenAI-compatible route names its usage counts input_tokens and output_tokens "
        "(the Responses API's names), not prompt_tokens and completion_tokens.", (
            "A Streamed Completion Follows The OpenAI Chunk Format",
            "The Usage Chunk Counts What Was Streamed",
            "A Whole Completion Carries The Reply And Its Finish Reason",
        )),
    Bug("openai-created-float", "contract drift",
        "The whole completion's created is time.time(), a float, not whole Unix seconds.", (
            "A Whole Completion Carries The Reply And Its Finish Reason",
        )),
    Bug("openai-role-chunk-without-index", "contract drift",
        "The first chunk of an OpenAI-compatible stream, the one with the assistant role, has "
        "a choice without its index.", (
            "A Model Failing Half Way Ends The Stream With One Error Chunk And No DONE",
            "A Reply Cut At Max Tokens Finishes With Length, Else With Stop",
        )),
    Bug("openai-error-in-openai-shape", "contract drift",
        "The OpenAI-compatible route answers a failed model with OpenAI's error object "
        "(message, type, code), not the gateway's error (kind, message) its document "
        "declares.", (
            "A Rate-Limited Model Is A 429 With Its Retry-After",
        )),
    # -- the WebSocket chat (sample_app/ws_chat.py) -----------------------------------------
    Bug("ws-no-finally-on-disconnect", "leak on disconnect",
        "The WebSocket chat closes its upstream call after the reply, not in a finally: a "
        "client leaving mid-answer leaves it open.", (
            "Disconnect Mid-Answer Closes The Upstream And Ends The Handler",
        )),
    Bug("ws-handler-ignores-disconnect", "handler outlives its client",
        "The WebSocket chat takes a client that left for one that may come back: its "
        "heartbeat task and any answer run on, and the handler never returns.", (
            "Disconnect Mid-Answer Closes The Upstream And Ends The Handler",
            "Disconnect While Idle Ends The Handler",
        )),
    Bug("ws-wrong-close-code", "wrong status mapping",
        "A model failing closes the WebSocket with 1000 (normal) instead of 1011 or 1013.", (
            "An Upstream Failure Closes The Socket With Code 1011",
        )),
    Bug("ws-message-after-cancel", "events after the end",
        "A cancel is acknowledged at once, but the answer stops only after its next token, "
        "which is still sent after 'cancelled'.", (
            "Cancel Stops Generation And Nothing Follows It",
        )),
    Bug("ws-accept-before-auth", "auth after streaming starts",
        "The WebSocket chat accepts the socket before checking the token, then closes it "
        "with 1008: the handshake succeeds.", (
            "A Connection Without A Token Is Refused At The Handshake",
        )),
)

BUGS: dict[str, str] = {bug.name: bug.text for bug in CATALOGUE}
BY_NAME: dict[str, Bug] = {bug.name: bug for bug in CATALOGUE}

ENV = "SAMPLE_APP_BUG"


def active() -> str | None:
    """The bug switched on in the environment, or None; an unknown name is an error."""
    name = os.environ.get(ENV, "").strip()
    if not name:
        return None
    if name not in BUGS:
        raise ValueError(f"{ENV}='{name}' is not a known bug; known: {', '.join(BUGS)}.")
    return name


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    width = max(map(len, BUGS))
    kinds = max(len(bug.kind) for bug in CATALOGUE)
    for bug in CATALOGUE:
        if "--names" in args:
            print(bug.name)
            continue
        print(f"{bug.name:{width}}  {bug.kind:{kinds}}  {bug.text}")
        if "--tests" in args:
            modes = "" if bug.modes == MODES else f" (only {', '.join(bug.modes)})"
            print("\n".join(f"    caught by: {test}{modes}" for test in bug.caught_by))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
