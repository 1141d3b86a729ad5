"""The conversation a caller sends the OpenAI-compatible route, and what it lets the model do.

A conversation is a list of messages: ``system`` and ``user`` messages, the ``assistant``'s
earlier replies (text, or the tool calls it made), and ``tool`` messages, each carrying the
result of one of those calls (its ``tool_call_id``). It is refused (422) unless every tool
result answers a call the assistant made earlier in it, every call of an assistant message
is answered before the conversation goes on, no two calls share an id, every assistant
message has content or tool calls, and it ends with the user's question or a tool's result.

``tool_choice`` says which of the offered tools the model may call: ``auto`` (any, or
none: the default), ``none``, ``required`` (at least one) or one function by name, which
must be among the offered tools; it is refused without ``tools``. The gateway passes it on to
its model and holds the model's reply to it (:class:`ToolRules`): a call the choice did not
allow, or no call where one was required, is the model's failure, like a call of a tool
never offered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from .tools import ToolCall


class TextMessage(BaseModel):
    role: Literal["system", "user"]
    content: str = Field(max_length=4000)


class AssistantTurn(BaseModel):
    """An earlier reply of the assistant: its text, or the tool calls it made."""
    role: Literal["assistant"]
    content: str | None = Field(None, max_length=4000)
    tool_calls: list[ToolCall] | None = None


class ToolResult(BaseModel):
    """The result of one of the assistant's tool calls, answering it by its id."""
    role: Literal["tool"]
    tool_call_id: str
    content: str = Field(max_length=4000)


Message = Annotated[TextMessage | AssistantTurn | ToolResult, Field(discriminator="role")]


class ChosenFunction(BaseModel):
    name: str


class NamedChoice(BaseModel):
    """A tool choice that names the one function the model must call."""
    type: Literal["function"]
    function: ChosenFunction


ToolChoice = Literal["none", "auto", "required"] | NamedChoice


def conversation_problem(messages: list[Any], bug: Callable[[str], bool]) -> str | None:
    """Why the conversation cannot be sent to a model, or None."""
    unanswered: list[str] = []  # the ids of the last assistant message's calls not answered
    made: set[str] = set()
    for message in messages:
        if isinstance(message, ToolResult):
            known = message.tool_call_id in unanswered or bug("openai-tool-result-unmatched")
            if not known:
                already = message.tool_call_id in made
                return (f"The tool result for '{message.tool_call_id}' answers "
                        f"{'a call answered already' if already else 'no call the assistant made'}.")
            if message.tool_call_id in unanswered:
                unanswered.remove(message.tool_call_id)
            continue
        if unanswered:
            return (f"The assistant's tool call '{unanswered[0]}' has no result before the "
                    "conversation goes on.")
        if isinstance(message, AssistantTurn):
            if message.content is None and not message.tool_calls:
                return "An assistant message needs content or tool_calls."
            unanswered = [call.id for call in message.tool_calls or []]
            if reused := next((i for i in unanswered if i in made
                               or unanswered.count(i) > 1), None):
                return f"Two of the assistant's tool calls have the id '{reused}'."
            made.update(unanswered)
    if unanswered:
        return f"The assistant's tool call '{unanswered[0]}' has no result."
    last = messages[-1]
    if isinstance(last, ToolResult) or (last.role == "user" and last.content.strip()):
        return None
    return "The last message must be the user's, and not blank, or a tool's result."


def choice_problem(choice: ToolChoice | None, offered: set[str]) -> str | None:
    """Why ``choice`` cannot go with the ``offered`` tools, or None."""
    if choice is None:
        return None
    if not offered:
        return "A tool_choice needs tools to choose from."
    if isinstance(choice, NamedChoice) and choice.function.name not in offered:
        return f"The tool_choice names '{choice.function.name}', which is not among the tools."
    return None


class ToolRules:
    """What a request lets its model do: call the ``offered`` tools, as ``choice`` allows."""

    def __init__(self, offered: set[str], choice: ToolChoice | None,
                 bug: Callable[[str], bool]) -> None:
        self.offered = offered
        self.choice = choice
        self._bug = bug

    def call_problem(self, name: str) -> str | None:
        """Why the model may not call ``name``, or None."""
        if name not in self.offered:
            if self._bug("openai-unoffered-tool-relayed"):
                return None
            return f"The model called the tool '{name}', which the request did not offer."
        if self._bug("openai-tool-choice-unenforced"):
            return None
        if self.choice == "none":
            return f"The model called the tool '{name}', though the request's tool_choice was none."
        if isinstance(self.choice, NamedChoice) and name != self.choice.function.name:
            return (f"The model called the tool '{name}', though the request's tool_choice "
                    f"named '{self.choice.function.name}'.")
        return None

    def missing_call_problem(self, called: bool) -> str | None:
        """Why a reply that ``called`` no tool (False) breaks the choice, or None."""
        if called or self._bug("openai-tool-choice-unenforced"):
            return None
        if self.choice == "required":
            return "The model answered without a tool call, though the request's tool_choice was required."
        if isinstance(self.choice, NamedChoice):
            return (f"The model answered without calling '{self.choice.function.name}', "
                    "which the request's tool_choice named.")
        return None
