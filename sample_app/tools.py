"""Tool calls on the OpenAI-compatible route: the tools a caller offers, and the calls a
model makes, streamed as deltas or whole.

The caller offers ``tools`` in OpenAI's function-tool shape; the gateway passes them on to
its model (``tools=`` of :class:`sample_app.llm.LLMClient`, as a list of those dicts). A
model that calls tools streams, besides its text, one :class:`ToolCallDelta` per piece: the
first piece of each call carries the call's ``index``, ``id`` and function name, the next
ones the same ``index`` and more of the arguments' JSON text. Whole, it answers an
assistant message whose ``tool_calls`` are :class:`ToolCall` objects.

The gateway relays each piece as it comes and checks the calls as a client will use them:
a piece it cannot read (no index, a call started without its id or name), a call of a tool
the request did not offer or its ``tool_choice`` did not allow and, when the model has
finished, no call where the ``tool_choice`` required one or arguments that are not a JSON
object, are the model's fault:
the stream ends with an ``upstream_error`` error chunk and no ``[DONE]`` (whole: 502
``upstream_error``), never with ``finish_reason: "tool_calls"`` and calls the client
cannot run. A reply cut at ``max_tokens`` is not checked: it finishes with ``length``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field, ValidationError
from pydantic.json_schema import SkipJsonSchema

if TYPE_CHECKING:
    from .conversation import ToolRules


class FunctionSpec(BaseModel):
    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    description: str | SkipJsonSchema[None] = None
    parameters: dict[str, Any] | SkipJsonSchema[None] = Field(
        None, description="The function's arguments, as a JSON Schema object.")


class Tool(BaseModel):
    """A function the model may call (OpenAI's function tool)."""
    type: Literal["function"]
    function: FunctionSpec


class FunctionDelta(BaseModel):
    name: str | SkipJsonSchema[None] = Field(None, description="On the first piece of a call.")
    arguments: str = Field("", description="The next piece of the arguments' JSON text.")


class ToolCallDelta(BaseModel):
    """One piece of a streamed tool call: ``id``, ``type`` and the function's name come
    with the first piece of each call only."""
    index: int = Field(ge=0)
    id: str | SkipJsonSchema[None] = None
    type: Literal["function"] | SkipJsonSchema[None] = None
    function: FunctionDelta


class FunctionCall(BaseModel):
    name: str
    arguments: str = Field(description="The arguments, a JSON object as text.")


class ToolCall(BaseModel):
    """A whole tool call of the model's reply."""
    id: str
    type: Literal["function"]
    function: FunctionCall


class MalformedToolCall(Exception):
    """The model's tool call cannot be used: the sentence says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _arguments_problem(name: str, arguments: str) -> str | None:
    try:
        parsed = json.loads(arguments)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        return None
    return f"The model called the tool '{name}' with arguments that are not a JSON object."


class StreamedCalls:
    """The tool calls of one streamed reply, assembled from their pieces as they pass;
    ``rules`` say which tools the request lets the model call."""

    def __init__(self, bug: Callable[[str], bool], rules: ToolRules) -> None:
        self._bug = bug
        self._rules = rules
        self.calls: dict[int, dict[str, str]] = {}

    def relay(self, piece: Any) -> dict[str, Any]:
        """The delta to send for the model's ``piece``; MalformedToolCall if unreadable."""
        try:
            delta = ToolCallDelta.model_validate(piece)
        except ValidationError:
            raise MalformedToolCall("The model sent a tool call the gateway cannot read.") \
                from None
        index, function = delta.index, delta.function
        relayed: dict[str, Any] = {"index": index}
        if index not in self.calls:
            if not (delta.id and function.name):
                raise MalformedToolCall(
                    f"The model started tool call {index} without its id and name.")
            if problem := self._rules.call_problem(function.name):
                raise MalformedToolCall(problem)
            self.calls[index] = {"name": function.name, "arguments": ""}
            relayed.update(id=delta.id, type="function",
                           function={"name": function.name, "arguments": function.arguments})
        else:
            relayed["function"] = {"arguments": function.arguments}
        self.calls[index]["arguments"] += function.arguments
        if index > 0 and self._bug("openai-tool-call-index-dropped"):
            del relayed["index"]  # "the first call is 0, the rest follow it"
        return relayed

    def problem(self) -> str | None:
        """Why the finished reply cannot be used: arguments that are not a JSON object, or
        no call where the request's tool_choice required one."""
        if problem := self._rules.missing_call_problem(bool(self.calls)):
            return problem
        if self._bug("openai-tool-arguments-unchecked"):
            return None
        for call in self.calls.values():
            if problem := _arguments_problem(call["name"], call["arguments"]):
                return problem
        return None


def whole_calls(raw: Any, bug: Callable[[str], bool], rules: ToolRules) -> list[dict[str, Any]]:
    """The ``tool_calls`` of a whole reply, checked; MalformedToolCall if unusable."""
    try:
        calls = [ToolCall.model_validate(call) for call in raw]
    except (ValidationError, TypeError):
        raise MalformedToolCall("The model sent a tool call the gateway cannot read.") from None
    for call in calls:
        if problem := rules.call_problem(call.function.name):
            raise MalformedToolCall(problem)
        problem = _arguments_problem(call.function.name, call.function.arguments)
        if problem and not bug("openai-tool-arguments-unchecked"):
            raise MalformedToolCall(problem)
    return [call.model_dump() for call in calls]
