"""What the gateway reads and writes: request bodies, replies, errors, and stream items.

FastAPI reads a stream route's item type from its return annotation
(``AsyncIterator[Item]``) and writes it into the OpenAPI document as the ``itemSchema`` of
``text/event-stream`` or ``application/jsonl``. The error answers each route can give are
declared with ``responses=`` (the dicts at the end), so that the document lists every
status the gateway sends and the body that comes with it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi.sse import ServerSentEvent
from pydantic import BaseModel, Field, ValidationInfo, field_validator

from . import bugs


class ChatRequest(BaseModel):
    message: str = Field(min_length=1, max_length=4000)
    max_tokens: int = Field(16, ge=1, le=256)

    @field_validator("message")
    @classmethod
    def _not_blank(cls, message: str, info: ValidationInfo) -> str:
        if not message.strip() and bugs.active() != "blank-message-accepted":
            raise ValueError("The message must not be blank.")
        return message


class JobRequest(BaseModel):
    kind: str = Field("report", min_length=1, max_length=40)
    steps: int = Field(3, ge=1, le=100)
    fail_at_step: int | None = Field(None, ge=1)


class ChatReply(BaseModel):
    """The answer of ``POST /chat``: the model's whole reply, and the message it answers."""
    reply: str
    message: str


class Health(BaseModel):
    """``GET /health``: the gateway is up; ``bug`` names the catalogued bug it runs with."""
    status: Literal["ok"]
    bug: str | None


class Stats(BaseModel):
    """``GET /ops/stats``: the gauges a black-box test reads to see the gateway at rest."""
    active_streams: int
    open_upstream_calls: int
    requests_served: int


UpstreamErrorKind = Literal["upstream_timeout", "upstream_rate_limited", "upstream_error",
                            "upstream_unavailable"]


class StartData(BaseModel):
    """The data of the ``start`` event."""
    max_tokens: int


class TokenData(BaseModel):
    """The data of a ``token`` event: the token's 1-based position and its text."""
    index: int
    text: str


class DoneData(BaseModel):
    """The data of the ``done`` event: how many tokens were sent."""
    tokens: int


class ErrorData(BaseModel):
    """The data of the ``error`` event that ends a stream whose model failed."""
    kind: UpstreamErrorKind
    message: str
    after_tokens: int


ChatEvent = Annotated[StartData | TokenData | DoneData | ErrorData, Field(
    description="The data of a chat event; the SSE event name says which.")]

CHAT_EVENTS: dict[str, type[BaseModel]] = {
    "start": StartData, "token": TokenData, "done": DoneData, "error": ErrorData}


class StartLine(BaseModel):
    """The ``start`` event as a JSON line."""
    type: Literal["start"]
    max_tokens: int


class TokenLine(BaseModel):
    """A ``token`` event as a JSON line."""
    type: Literal["token"]
    index: int
    text: str


class DoneLine(BaseModel):
    """The ``done`` event as a JSON line."""
    type: Literal["done"]
    tokens: int


class ErrorLine(BaseModel):
    """The ``error`` event as a JSON line."""
    type: Literal["error"]
    kind: UpstreamErrorKind
    message: str
    after_tokens: int


ChatLine = Annotated[StartLine | TokenLine | DoneLine | ErrorLine, Field(
    discriminator="type",
    description="A chat event as a JSON line: its name in type, then its data's fields.")]


JobState = Literal["queued", "running", "done", "failed", "cancelled"]


class JobStatusData(BaseModel):
    """The data of a job's ``status`` event: the state it entered."""
    state: JobState
    id: str


class JobProgressData(BaseModel):
    """The data of a job's ``progress`` event: step ``step`` of ``of`` is done."""
    id: str
    step: int
    of: int


class JobData(BaseModel):
    """A job as ``POST /jobs`` and ``GET /jobs/{id}`` show it; the data of its ``done``
    event. ``error`` says why a failed or cancelled job ended, else it is null."""
    id: str
    kind: str
    state: JobState
    step: int
    steps: int
    history: list[JobState]
    error: str | None


JobEvent = Annotated[JobStatusData | JobProgressData | JobData, Field(
    description="The data of a job event: status and progress events in the order they "
                "happened, then done.")]

JOB_EVENTS: dict[str, type[BaseModel]] = {
    "status": JobStatusData, "progress": JobProgressData, "done": JobData}

Renderer = Callable[[str, dict[str, Any]], Any]


def sse_event(event: str, data: dict[str, Any],
              models: dict[str, type[BaseModel]] = CHAT_EVENTS) -> ServerSentEvent:
    """A named event. FastAPI passes ``ServerSentEvent`` items through unvalidated, so the
    data is checked here against the model its event name documents; it goes on as a dict,
    which FastAPI writes with ``json.dumps`` as before (a model would be written compact)."""
    return ServerSentEvent(event=event, data=models[event].model_validate(data).model_dump())


def json_line(event: str, data: dict[str, Any]) -> dict[str, Any]:
    """A JSON line; FastAPI validates it against ``ChatLine`` and serializes it."""
    return {"type": event, **data}


# -- errors ------------------------------------------------------------------------------------
class Refusal(BaseModel):
    """An ``HTTPException``'s body as FastAPI writes it: one sentence saying what is wrong."""
    detail: str


class TimedOut(BaseModel):
    kind: Literal["upstream_timeout"]
    message: str


class RateLimited(BaseModel):
    kind: Literal["upstream_rate_limited"]
    message: str


class ModelFailed(BaseModel):
    kind: Literal["upstream_error", "upstream_unavailable"]
    message: str


class GatewayTimeoutReply(BaseModel):
    """504: the model did not answer within the upstream deadline."""
    error: TimedOut


class RateLimitedReply(BaseModel):
    """429: the model is rate limited."""
    error: RateLimited


class BadGatewayReply(BaseModel):
    """502: the model failed with a status of its own (``upstream_error``), or could not be
    reached or hung up (``upstream_unavailable``)."""
    error: ModelFailed


Responses = dict[int | str, dict[str, Any]]

REFUSED: Responses = {401: {
    "model": Refusal,
    "description": "No valid bearer token: none, not 'Bearer <token>', expired, or not one "
                   "the gateway issued.",
    "headers": {"WWW-Authenticate": {"description": "Always 'Bearer'.",
                                     "schema": {"type": "string", "const": "Bearer"}}},
}}
"""Every route that needs a token (see :func:`sample_app.deps.check_token`)."""

UNKNOWN_JOB: Responses = {404: {"model": Refusal, "description": "No job has that id."}}

UPSTREAM_FAILED: Responses = {
    429: {"model": RateLimitedReply,
          "description": "The model is rate limited; retry later.",
          "headers": {"Retry-After": {"description": "The model's own Retry-After, when it "
                                                     "gave one.",
                                      "schema": {"type": "string"}}}},
    502: {"model": BadGatewayReply,
          "description": "The model failed, could not be reached, or hung up."},
    504: {"model": GatewayTimeoutReply,
          "description": "The model did not answer within the upstream deadline."},
}
"""The routes that answer with the model's whole reply (see :mod:`sample_app.upstream`);
the stream routes report the same failures as their ``error`` event, after 200."""
