"""A contract to check exchanges against: an OpenAPI document, or a JSON Schema by hand.

For each exchange the operation is found by method and path template; its status must be
one the operation declares; a JSON body must match the response schema; each item of a
stream must match ``itemSchema`` (``text/event-stream``, ``application/jsonl``,
``application/x-ndjson``, ``application/json-seq``), and the JSON inside an SSE event's
``data`` its ``contentSchema`` too, which OpenAPI leaves optional and this does. Schemas
are JSON Schema draft 2020-12, the dialect of OpenAPI 3.1/3.2, validated with
jsonschema-rs (0.3 us for a small document against 15 us for the pure-Python
``jsonschema``, measured: streams are checked item by item as they arrive).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import jsonschema_rs

from .errors import UsageError

STREAM_TYPES = ("text/event-stream", "application/jsonl", "application/x-ndjson",
                "application/json-seq")


class Schema:
    """One JSON Schema, with the document its ``$ref``s point into."""

    def __init__(self, schema: dict[str, Any], root: dict[str, Any] | None = None) -> None:
        whole = dict(schema)
        if root and "components" in root and "components" not in whole:
            whole["components"] = root["components"]  # "#/components/..." resolves here
        try:
            self._validator = jsonschema_rs.Draft202012Validator(whole)
        except (ValueError, jsonschema_rs.ValidationError) as exc:
            raise UsageError(f"The schema cannot be used: {exc}.") from None

    def problem(self, instance: Any) -> str | None:
        """The first way ``instance`` breaks the schema, as 'POINTER: message'; None if
        it does not."""
        for error in self._validator.iter_errors(instance):
            pointer = "/" + "/".join(str(part) for part in error.instance_path)
            return f"{pointer if pointer != '/' else 'the document'}: {error.message}"
        return None


@dataclass(frozen=True)
class Media:
    """What one response of an operation says about its body."""

    schema: Schema | None = None
    item: Schema | None = None
    data: Schema | None = None  # an SSE event's JSON data (contentSchema)
    # When the data is one of several named models (FastAPI writes an anyOf of $refs),
    # the model an event name names: "done" -> ("DoneData", its schema).
    by_event: dict[str, tuple[str, Schema]] = field(default_factory=dict)


_MODEL_SUFFIXES = ("data", "event", "payload", "chunk", "message")


def event_key(name: str) -> str:
    """An event or model name as the two are matched: lower case, letters and digits only,
    a usual suffix dropped ('TokenData' and 'token' both give 'token')."""
    key = re.sub(r"[^0-9a-z]", "", name.lower())
    for suffix in _MODEL_SUFFIXES:
        if key.endswith(suffix) and key != suffix:
            return key[: -len(suffix)]
    return key


def _models_by_event(spec: dict[str, Any], root: dict[str, Any]) -> dict[str, tuple[str, Schema]]:
    """The branches of an anyOf/oneOf of ``$ref``s, by the key of their model's name; a
    key two models share ties neither."""
    branches = spec.get("anyOf") or spec.get("oneOf") or []
    if len(branches) < 2:
        return {}
    found: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for branch in branches:
        ref = branch.get("$ref", "") if isinstance(branch, dict) else ""
        if ref.startswith("#/components/schemas/"):
            model = ref.rsplit("/", 1)[-1]
            found.setdefault(event_key(model), []).append((model, branch))
    return {key: (pairs[0][0], Schema(pairs[0][1], root))
            for key, pairs in found.items() if len(pairs) == 1}


class Operation:
    """One operation of the document: its declared statuses and their bodies."""

    def __init__(self, method: str, path: str, spec: dict[str, Any], root: dict[str, Any]):
        self.label = f"{method} {path}"
        self._responses = spec.get("responses", {})
        self._root = root
        self._media: dict[tuple[str, str], Media | None] = {}
        body = spec.get("requestBody", {}).get("content", {}).get("application/json", {})
        self.request = Schema(body["schema"], root) if "schema" in body else None

    def declares(self, status: int) -> bool:
        keys = set(self._responses)
        return (str(status) in keys or f"{str(status)[0]}XX" in keys or "default" in keys)

    def media(self, status: int, content_type: str) -> Media | None:
        """What the body of a ``status`` response of ``content_type`` must match."""
        kind = content_type.split(";")[0].strip().lower()
        key = (str(status), kind)
        if key not in self._media:
            response = (self._responses.get(str(status)) or
                        self._responses.get(f"{str(status)[0]}XX") or
                        self._responses.get("default") or {})
            content = response.get("content", {}).get(kind)
            self._media[key] = None if content is None else self._read(content)
        return self._media[key]

    def _read(self, content: dict[str, Any]) -> Media:
        item = content.get("itemSchema")
        data, by_event = None, {}
        if isinstance(item, dict):
            data_spec = item.get("properties", {}).get("data", {})
            if "contentSchema" in data_spec and "json" in data_spec.get("contentMediaType", ""):
                data = Schema(data_spec["contentSchema"], self._root)
                by_event = _models_by_event(data_spec["contentSchema"], self._root)
        return Media(Schema(content["schema"], self._root) if "schema" in content else None,
                     Schema(item, self._root) if isinstance(item, dict) else None, data,
                     by_event)


class Contract:
    """An OpenAPI document and its operations, looked up by method and path."""

    def __init__(self, document: dict[str, Any], source: str) -> None:
        if not isinstance(document, dict) or "paths" not in document:
            raise UsageError(f"The contract from {source} is not an OpenAPI document (no 'paths').")
        self.source = source
        # Paths in the document are relative to where the API is served: a server URL's
        # path (``servers: [{url: "/api"}]``), or the base path of the URL a client opened.
        self.prefixes = [prefix for server in document.get("servers") or []
                         if isinstance(server, dict)
                         and (prefix := urlsplit(str(server.get("url", ""))).path.rstrip("/"))]
        self._operations: list[tuple[str, re.Pattern[str], Operation]] = []
        # Concrete paths match before templated ones, as OpenAPI says (/jobs/stats before
        # /jobs/{job_id}), whatever their order in the document.
        for path, item in sorted(document["paths"].items(), key=lambda p: "{" in p[0]):
            pattern = re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)) + "$")
            for method, spec in item.items():
                if isinstance(spec, dict) and "responses" in spec:
                    self._operations.append(
                        (method.upper(), pattern, Operation(method.upper(), path, spec, document)))

    @classmethod
    def from_text(cls, text: str, source: str) -> Contract:
        try:
            return cls(json.loads(text), source)
        except ValueError as exc:
            raise UsageError(f"The contract from {source} is not JSON: {exc}.") from None

    def served_under(self, base_path: str) -> None:
        """The API is served under ``base_path`` too (the path of the URL a client opened)."""
        base_path = base_path.rstrip("/")
        if base_path and base_path not in self.prefixes:
            self.prefixes.append(base_path)

    def operation(self, method: str, path: str) -> Operation | None:
        """The operation for ``method`` ``path``: the path as requested, or with the
        prefix the API is served under taken off."""
        candidates = [path] + [path[len(prefix):] for prefix in self.prefixes
                               if path.startswith(prefix + "/")]
        for candidate in candidates:
            for declared, pattern, operation in self._operations:
                if declared == method.upper() and pattern.match(candidate):
                    return operation
        return None


def _json(text: str) -> tuple[bool, Any]:
    try:
        return True, json.loads(text)
    except ValueError:
        return False, None


def response_problem(contract: Contract, method: str, path: str, status: int,
                     content_type: str, body: bytes | None) -> str | None:
    """How a response breaks the contract, as a sentence ending without a period; None if
    it does not. ``body`` is None for a stream's opening response."""
    operation = contract.operation(method, path)
    if operation is None:
        return f"{method} {path} is not an operation of the contract ({contract.source})"
    if not operation.declares(status):
        return f"{operation.label} does not declare status {status}"
    media = operation.media(status, content_type)
    if body is None or media is None or media.schema is None:
        return None
    ok, document = _json(body.decode("utf-8", "replace"))
    if not ok:
        return f"the body of {operation.label} ({status}) is not JSON"
    problem = media.schema.problem(document)
    return None if problem is None else f"{operation.label} ({status}) {problem}"


def request_problem(contract: Contract, method: str, path: str, body: Any) -> str | None:
    """How a JSON request body breaks the contract's request schema; None if it does not."""
    operation = contract.operation(method, path)
    if operation is None or operation.request is None:
        return None
    problem = operation.request.problem(body)
    return None if problem is None else f"the request body of {operation.label}: {problem}"


def item_checker(contract: Contract, method: str, path: str, status: int,
                 content_type: str) -> tuple[str, Any] | None:
    """For a stream's items: the operation's label and a function from an item to how it
    breaks the contract (None if it does not), or None when nothing is declared."""
    operation = contract.operation(method, path)
    media = None if operation is None else operation.media(status, content_type)
    if media is None or media.item is None:
        return None
    item_schema, data_schema = media.item, media.data

    def problem(item: Any) -> str | None:
        if item.kind == "event":
            event: dict[str, Any] = {"data": item.data}
            if item.event and item.event != "message":
                event["event"] = item.event
            if item.id:
                event["id"] = item.id
            if item.retry is not None:
                event["retry"] = item.retry
            found = item_schema.problem(event)
            if found is not None or data_schema is None:
                return found
            ok, data = _json(item.data)
            if not ok:
                return "/data: is not JSON"
            model = media.by_event.get(event_key(item.event)) if item.event else None
            found = (model[1] if model else data_schema).problem(data)
            if found is None:
                return None
            pointer, _, message = found.partition(": ")
            named = f" (a '{item.event}' event's data is a {model[0]})" if model else ""
            return f"/data{pointer if pointer.startswith('/') else ''}: {message}{named}"
        ok, line = _json(item.data)
        return item_schema.problem(line) if ok else "the line is not JSON"

    return operation.label, problem
