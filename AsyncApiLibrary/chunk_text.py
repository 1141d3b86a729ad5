"""What a streamed item says, in words: an LLM server's chunk as its text, tool call,
usage, error or end, rather than its JSON envelope. The log's transcript, the INFO line of
each item read and the "last read" part of failure messages show it."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .items import StreamItem


# Keys of the JSON objects LLM servers stream, whose meaning a row shows instead of the JSON.
_LLM_KEYS = ('"choices"', '"error"', '"message"', '"delta"', '"candidates"', '"done"')


def default_content(item: StreamItem) -> str:
    """What an LLM server's chunk says (its text, tool call, usage, error or end: see
    `llm_chunk_text`); any other item's data."""
    if not any(key in item.data for key in _LLM_KEYS):  # no need to parse it
        return item.data
    value = json_value(item.data)
    if isinstance(value, dict) and value.get("error"):  # an error first, whatever else it has
        return llm_chunk_text(value) or item.data
    summary = openai_chunk_text(value) or llm_chunk_text(value)
    return item.data if summary is None else summary


def _quoted(text: Any) -> str | None:
    return json.dumps(text, ensure_ascii=False) if isinstance(text, str) and text else None


def _at(value: Any, *path: str | int) -> Any:
    for step in path:
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def llm_chunk_text(value: Any) -> str | None:
    """The other shapes LLM servers stream, as a row shows them: an OpenAI text
    completion's text, usage and error chunks (an older vLLM's ``object: error`` too),
    Ollama's lines (``message.content``, ``done``), Anthropic's text deltas and Gemini's
    parts; None for anything else."""
    if not isinstance(value, dict):
        return None
    error = value.get("error")
    if error or value.get("object") == "error":
        message = _at(error, "message") or (error if isinstance(error, str) else None)
        return f"error: {message or value.get('message') or json.dumps(error)}"
    if isinstance(value.get("usage"), dict) and value.get("choices") == []:
        usage = value["usage"]
        spent = (usage.get("prompt_tokens", usage.get("input_tokens")),
                 usage.get("completion_tokens", usage.get("output_tokens")))
        return f"usage: {spent[0]} in / {spent[1]} out tokens"
    text = (_quoted(_at(value, "choices", 0, "text")) or _quoted(_at(value, "message", "content"))
            or _quoted(_at(value, "delta", "text"))
            or _quoted(_at(value, "candidates", 0, "content", "parts", 0, "text")))
    if value.get("done") is True:
        return "; ".join(filter(None, [text, "done"]))
    return text


def json_value(data: str) -> Any:
    """The data parsed as JSON if it is a JSON object, else None."""
    if not data.lstrip().startswith("{"):
        return None
    try:
        return json.loads(data)
    except ValueError:
        return None


def openai_chunk_text(value: Any) -> str | None:
    """What an OpenAI chat-completion chunk says: ``"delta text"`` (quoted, so spaces
    show), ``tool call NAME ARGUMENTS``, ``role: ...``, ``finish: ...``; None if ``value``
    is not such a chunk."""
    choices = value.get("choices") if isinstance(value, dict) else None
    choice = choices[0] if isinstance(choices, list) and choices else None
    delta = choice.get("delta") if isinstance(choice, dict) else None
    if not isinstance(delta, dict):
        return None
    parts = []
    if isinstance(delta.get("content"), str) and delta["content"]:
        parts.append(json.dumps(delta["content"], ensure_ascii=False))
    calls = delta.get("tool_calls")
    if isinstance(calls, list):
        parts.extend(tool_call_text(call) for call in calls if isinstance(call, dict))
    if not parts and delta.get("role"):
        parts.append(f"role: {delta['role']}")
    if choice.get("finish_reason"):
        parts.append(f"finish: {choice['finish_reason']}")
    return "; ".join(parts) if parts else None


def tool_call_text(call: dict[str, Any]) -> str:
    """One streamed tool call part: its function name (or index) and arguments so far."""
    function = call.get("function") if isinstance(call.get("function"), dict) else {}
    name = function.get("name") or f"#{call.get('index', 0)}"
    arguments = function.get("arguments") or ""
    return f"tool call {name} {arguments}".rstrip()
