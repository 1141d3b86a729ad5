"""The fake OpenAI server on the wire, read by raw httpx and by the sample app's real client."""

import pytest

from AsyncApiLibrary.fakes import FakeUpstream, Script
from AsyncApiLibrary.httpclient import httpx
from AsyncApiLibrary.openai_fake import FakeOpenAIServer
from sample_app.llm import OpenAICompatibleClient

pytestmark = pytest.mark.anyio

BODY = {"model": "m", "stream": True, "messages": [{"role": "user", "content": "Hi"}]}


async def test_stream_is_openai_chunks_then_done_sentinel():
    fake = FakeUpstream()
    fake.set_script(Script(tokens=["Hel", "lo"]))
    async with FakeOpenAIServer(fake) as server, httpx.AsyncClient() as client:
        response = await client.post(f"{server.base_url}/v1/chat/completions", json=BODY)
    assert response.headers["content-type"] == "text/event-stream"
    lines = [line for line in response.text.split("\n") if line]
    assert lines[-1] == "data: [DONE]"
    assert '"delta": {"content": "Hel"}' in lines[0]
    call = fake.calls[0]
    assert call.kwargs["prompt"] == "Hi" and call.kwargs["stream"] is True
    assert call.closed_at is not None and not call.cancelled


async def test_real_client_reads_reply_stream_and_status_errors():
    fake = FakeUpstream()
    async with FakeOpenAIServer(fake) as server:
        llm = OpenAICompatibleClient(server.base_url, timeout=2)
        try:
            fake.set_script(Script(tokens=["The ", "answer"]))
            assert await llm.complete(prompt="q", max_tokens=5) == "The answer"
            assert [t async for t in llm.stream(prompt="q", max_tokens=5)] == ["The ", "answer"]
            fake.set_script(Script(fail_after=0, failure="status", status=429, retry_after="9"))
            with pytest.raises(httpx.HTTPStatusError) as caught:
                await llm.complete(prompt="q", max_tokens=5)
            assert caught.value.response.headers["retry-after"] == "9"
        finally:
            await llm.aclose()


@pytest.mark.parametrize(("script", "message"), [
    (Script(tokens=["a", "b"], fail_after=1, failure="status", status=500),
     "reported an error mid-stream"),
    (Script(tokens=["a", "b"], fail_after=1, failure="disconnect"), "incomplete chunked read"),
])
async def test_mid_stream_failures_reach_the_client_as_errors(script, message):
    fake = FakeUpstream()
    fake.set_script(script)
    async with FakeOpenAIServer(fake) as server:
        llm = OpenAICompatibleClient(server.base_url, timeout=2)
        received = []
        try:
            with pytest.raises(httpx.RemoteProtocolError, match=message):
                async for token in llm.stream(prompt="q", max_tokens=5):
                    received.append(token)
        finally:
            await llm.aclose()
    assert received == ["a"]


async def test_caller_leaving_a_silent_upstream_is_recorded_as_cancelled():
    fake = FakeUpstream()
    fake.set_script(Script(tokens=["a"], hang=True))
    async with FakeOpenAIServer(fake) as server, httpx.AsyncClient() as client:
        async with client.stream("POST", f"{server.base_url}/v1/chat/completions",
                                 json=BODY) as response:
            async for _ in response.aiter_lines():
                break  # one chunk arrived; now the caller leaves
        assert await fake.wait_closed(5) == []
    call = fake.calls[0]
    assert call.cancelled
    assert call.outcome.startswith("cancelled")


async def test_wrong_path_and_bad_body_get_clear_errors():
    fake = FakeUpstream()
    async with FakeOpenAIServer(fake) as server, httpx.AsyncClient() as client:
        missing = await client.get(f"{server.base_url}/v1/models")
        broken = await client.post(f"{server.base_url}/v1/chat/completions", content=b"[1")
    assert missing.status_code == 404
    assert "Only POST /v1/chat/completions" in missing.json()["error"]["message"]
    assert broken.status_code == 400
    assert fake.calls == []
