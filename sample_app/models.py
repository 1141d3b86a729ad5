"""What the gateway reads and writes: request bodies, and the items of its streams.

FastAPI reads a stream route's item type from its return annotation
(``AsyncIterator[Item]``) and writes it into the OpenAPI document as the ``itemSchema`` of
``text/event-stream`` or ``application/jsonl``.
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
    kind: str
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
    kind: str
    message: str
    after_tokens: int


ChatLine = Annotated[StartLine | TokenLine | DoneLine | ErrorLine, Field(
    discriminator="type",
    description="A chat event as a JSON line: its name in type, then its data's fields.")]


class JobStatusData(BaseModel):
    """The data of a job's ``status`` event: the state it entered."""
    state: str
    id: str


class JobProgressData(BaseModel):
    """The data of a job's ``progress`` event: step ``step`` of ``of`` is done."""
    id: str
    step: int
    of: int


class JobData(BaseModel):
    """A job as ``GET /jobs/{id}`` shows it; the data of its ``done`` event."""
    id: str
    kind: str
    state: str
    step: int
    steps: int
    history: list[str]
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
