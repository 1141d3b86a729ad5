"""The OpenAI-compatible route's conversation rules and tool choice (sample_app/conversation.py),
and what its model client sends upstream of them."""

from __future__ import annotations

import json
from typing import Any

import anyio
import pytest
from pydantic import ValidationError

from sample_app.conversation import ToolRules
from sample_app.llm import OpenAICompatibleClient, httpx
from sample_app.openai_compat import CompletionRequest, whole_message
from sample_app.tools import MalformedToolCall, StreamedCalls, whole_calls
from sample_app.upstream import UpstreamFailure

WEATHER = {"type": "function", "function": {"name": "get_weather"}}
CALL = {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}
QUESTION = {"role": "user", "content": "Weather?"}
CALLED = {"role": "assistant", "content": None, "tool_calls": [CALL]}
RESULT = {"role": "tool", "tool_call_id": "c1", "content": "sunny"}


def no_bug(name: str) -> bool:
    return False


def request(messages: list[dict], **extra: Any) -> CompletionRequest:
    return CompletionRequest.model_validate({"messages": messages, "tools": [WEATHER], **extra})


def test_a_conversation_continued_after_a_tool_run_is_accepted_and_passed_on_whole():
    body = request([QUESTION, CALLED, RESULT])
    assert body.chat().message == "sunny"
    assert body.offered(no_bug)["messages"] == [QUESTION, CALLED, RESULT]


def test_one_question_is_passed_on_as_the_prompt_alone():
    assert "messages" not in request([QUESTION]).offered(no_bug)


@pytest.mark.parametrize(("messages", "problem"), [
    ([QUESTION, CALLED, {**RESULT, "tool_call_id": "c9"}],
     "The tool result for 'c9' answers no call the assistant made."),
    ([QUESTION, CALLED, RESULT, RESULT], "The tool result for 'c1' answers a call answered already."),
    ([QUESTION, CALLED, QUESTION],
     "The assistant's tool call 'c1' has no result before the conversation goes on."),
    ([QUESTION, CALLED], "The assistant's tool call 'c1' has no result."),
    ([QUESTION, {"role": "assistant", "content": "hi"}],
     "The last message must be the user's, and not blank, or a tool's result."),
    ([{"role": "user", "content": "  "}],
     "The last message must be the user's, and not blank, or a tool's result."),
    ([RESULT], "The tool result for 'c1' answers no call the assistant made."),
    ([QUESTION, {"role": "assistant"}, QUESTION], "An assistant message needs content or tool_calls."),
    ([QUESTION, {"role": "assistant", "content": None, "tool_calls": []}, QUESTION],
     "An assistant message needs content or tool_calls."),
    ([QUESTION, {**CALLED, "tool_calls": [CALL, CALL]}, RESULT, RESULT],
     "Two of the assistant's tool calls have the id 'c1'."),
    ([QUESTION, CALLED, RESULT, CALLED, RESULT], "Two of the assistant's tool calls have the id 'c1'."),
])
def test_a_conversation_that_cannot_be_followed_is_refused(messages, problem):
    with pytest.raises(ValidationError) as refused:
        request(messages)
    assert problem in str(refused.value)


@pytest.mark.parametrize(("extra", "problem"), [
    ({"tools": None, "tool_choice": "none"}, "A tool_choice needs tools to choose from."),
    ({"tool_choice": {"type": "function", "function": {"name": "rm"}}},
     "The tool_choice names 'rm', which is not among the tools."),
])
def test_a_tool_choice_that_cannot_be_honoured_is_refused(extra, problem):
    with pytest.raises(ValidationError) as refused:
        request([QUESTION], **extra)
    assert problem in str(refused.value)


def rules(choice: Any) -> ToolRules:
    return request([QUESTION], tool_choice=choice).rules(no_bug)


def test_the_model_may_call_what_the_choice_allows_and_must_call_what_it_requires():
    assert rules("auto").call_problem("get_weather") is None
    assert rules("auto").missing_call_problem(False) is None
    assert rules("none").call_problem("get_weather") == (
        "The model called the tool 'get_weather', though the request's tool_choice was none.")
    assert rules("required").missing_call_problem(False) == (
        "The model answered without a tool call, though the request's tool_choice was required.")
    named = rules({"type": "function", "function": {"name": "get_weather"}})
    assert named.missing_call_problem(False) == (
        "The model answered without calling 'get_weather', which the request's tool_choice named.")
    assert named.missing_call_problem(True) is None


def test_a_streamed_reply_without_the_required_call_is_the_models_fault():
    calls = StreamedCalls(no_bug, rules("required"))
    assert calls.problem() == (
        "The model answered without a tool call, though the request's tool_choice was required.")
    with pytest.raises(MalformedToolCall, match="tool_choice was none"):
        StreamedCalls(no_bug, rules("none")).relay({**CALL, "index": 0})
    assert whole_calls([], no_bug, rules("required")) == []  # whole_message checks that


def test_a_whole_reply_without_the_required_call_is_a_502_unless_it_was_cut_short():
    with pytest.raises(UpstreamFailure) as failed:
        whole_message("It is sunny.", no_bug, rules("required"), max_tokens=16)
    assert failed.value.status == 502 and "tool_choice was required" in failed.value.message
    message, tokens = whole_message("It is", no_bug, rules("required"), max_tokens=2)
    assert message == {"role": "assistant", "content": "It is"} and tokens == 2


def test_under_a_named_choice_a_call_of_another_offered_tool_is_the_models_fault():
    time = {"type": "function", "function": {"name": "get_time"}}
    named = CompletionRequest.model_validate({
        "messages": [QUESTION], "tools": [WEATHER, time],
        "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
    }).rules(no_bug)
    expected = ("The model called the tool 'get_time', though the request's tool_choice "
                "named 'get_weather'.")
    assert named.call_problem("get_time") == expected
    assert named.call_problem("get_weather") is None
    piece = {**CALL, "index": 0, "function": {"name": "get_time", "arguments": ""}}
    with pytest.raises(MalformedToolCall, match="named 'get_weather'"):
        StreamedCalls(no_bug, named).relay(piece)


def test_an_empty_tool_result_is_a_prompt_like_any_other():
    body = request([QUESTION, CALLED, {**RESULT, "content": ""}])
    assert body.chat().message == ""


def test_the_client_sends_the_conversation_and_the_tool_choice_upstream():
    sent: list[dict] = []

    def handle(upstream: httpx.Request) -> httpx.Response:
        sent.append(json.loads(upstream.content))
        return httpx.Response(200, json={"choices": [{"message": {"content": "Sunny."}}]})

    async def main() -> Any:
        client = OpenAICompatibleClient("http://upstream.test")
        client._client = httpx.AsyncClient(base_url="http://upstream.test",
                                           transport=httpx.MockTransport(handle))
        try:
            offered = request([QUESTION, CALLED, RESULT], tool_choice="auto").offered(no_bug)
            return await client.complete(prompt="sunny", max_tokens=8, **offered)
        finally:
            await client.aclose()

    assert anyio.run(main) == "Sunny."
    assert sent[0]["messages"] == [QUESTION, CALLED, RESULT]
    assert sent[0]["tool_choice"] == "auto" and sent[0]["tools"] == [WEATHER]
