"""The sample app's tool calls below the suites: the OpenAI-compatible client's tool path
(the library's fake OpenAI server streams text only, so the suites cannot reach it), and
how the gateway reads a model's tool-call pieces (sample_app/tools.py)."""

from __future__ import annotations

import json
from typing import Any

import anyio
import pytest

from sample_app.conversation import ToolRules
from sample_app.llm import OpenAICompatibleClient, httpx
from sample_app.tools import MalformedToolCall, StreamedCalls, whole_calls

TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}]
FIRST = {"index": 0, "id": "call_0", "type": "function",
         "function": {"name": "get_weather", "arguments": ""}}


def no_bug(name: str) -> bool:
    return False


def offering(*names: str) -> ToolRules:
    """What a request that offers these tools (and no tool_choice) lets its model call."""
    return ToolRules(set(names), None, no_bug)


OFFERED = offering("get_weather")


def client_answering(answer: Any, sent: list[dict]) -> OpenAICompatibleClient:
    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        if isinstance(answer, dict):
            return httpx.Response(200, json=answer)
        body = "".join(f"data: {json.dumps(chunk)}\n\n" for chunk in answer) + "data: [DONE]\n\n"
        return httpx.Response(200, text=body, headers={"content-type": "text/event-stream"})

    client = OpenAICompatibleClient("http://upstream.test")
    client._client = httpx.AsyncClient(base_url="http://upstream.test",
                                       transport=httpx.MockTransport(handle))
    return client


def test_the_client_streams_tool_call_pieces_and_offers_the_tools():
    more = {"index": 0, "function": {"arguments": '{"city": "Paris"}'}}
    chunks = [{"choices": [{"delta": {"role": "assistant", "content": "Let me see."}}]},
              {"choices": [{"delta": {"tool_calls": [FIRST]}}]},
              {"choices": [{"delta": {"tool_calls": [more]}}]}]
    sent: list[dict] = []

    async def main() -> list[Any]:
        client = client_answering(chunks, sent)
        try:
            return [piece async for piece in client.stream(prompt="hi", max_tokens=8,
                                                           tools=TOOLS)]
        finally:
            await client.aclose()

    assert anyio.run(main) == ["Let me see.", FIRST, more]
    assert sent[0]["tools"] == TOOLS


def test_the_client_offers_no_tools_unless_given_some():
    sent: list[dict] = []

    async def main() -> Any:
        client = client_answering({"choices": [{"message": {"content": "hi"}}]}, sent)
        try:
            return await client.complete(prompt="hi", max_tokens=8)
        finally:
            await client.aclose()

    assert anyio.run(main) == "hi"
    assert "tools" not in sent[0]


def test_a_whole_reply_that_calls_tools_is_the_assistant_message():
    call = {"id": "call_0", "type": "function",
            "function": {"name": "get_weather", "arguments": "{}"}}
    answer = {"choices": [{"message": {"role": "assistant", "content": None,
                                       "tool_calls": [call]}}]}

    async def main() -> Any:
        client = client_answering(answer, [])
        try:
            return await client.complete(prompt="hi", max_tokens=8, tools=TOOLS)
        finally:
            await client.aclose()

    assert anyio.run(main) == {"content": None, "tool_calls": [call]}


def test_pieces_are_relayed_with_id_and_name_on_the_first_of_each_call_only():
    calls = StreamedCalls(no_bug, OFFERED)
    assert calls.relay(FIRST) == FIRST
    assert calls.relay({"index": 0, "id": "call_0", "function": {"arguments": "{}"}}) == {
        "index": 0, "function": {"arguments": "{}"}}
    assert calls.problem() is None


@pytest.mark.parametrize("piece", [
    {"id": "call_0", "function": {"name": "f", "arguments": ""}},  # no index
    {"index": 0, "function": {"arguments": "{}"}},  # a call started without id and name
    "not a piece",
])
def test_a_piece_the_gateway_cannot_read_is_the_models_fault(piece):
    with pytest.raises(MalformedToolCall):
        StreamedCalls(no_bug, OFFERED).relay(piece)


@pytest.mark.parametrize("arguments", ['{"city": "Par', "[1, 2]", ""])
def test_arguments_that_are_not_a_json_object_are_a_problem(arguments):
    calls = StreamedCalls(no_bug, OFFERED)
    calls.relay({**FIRST, "function": {"name": "get_weather", "arguments": arguments}})
    assert "get_weather" in (calls.problem() or "")
    whole = [{"id": "c", "type": "function",
              "function": {"name": "get_weather", "arguments": arguments}}]
    with pytest.raises(MalformedToolCall):
        whole_calls(whole, no_bug, OFFERED)


def test_a_call_of_a_tool_never_offered_is_the_models_fault():
    sentence = "The model called the tool 'get_weather', which the request did not offer."
    with pytest.raises(MalformedToolCall, match=sentence):
        StreamedCalls(no_bug, offering("get_time")).relay(FIRST)
    whole = [{"id": "c", "type": "function",
              "function": {"name": "get_weather", "arguments": "{}"}}]
    with pytest.raises(MalformedToolCall, match=sentence):
        whole_calls(whole, no_bug, offering())
    assert whole_calls(whole, no_bug, OFFERED)[0]["function"]["name"] == "get_weather"
