"""Keywords that check a stream or a response against a schema given by hand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from robot.api import logger
from robot.api.deco import keyword

from ..apps import import_object
from ..arguments import Duration
from ..contract import Schema
from ..errors import ExpectationFailed, UsageError
from ..results import ApiResponse
from .base import LibraryComponent

TAGS = ["contracts"]


def load_schema(spec: str) -> Schema:
    """A JSON Schema file (``.json``), or a Pydantic model by import path."""
    if spec.endswith(".json"):
        path = Path(spec)
        if not path.is_file():
            raise UsageError(f"Schema file '{spec}' does not exist.")
        try:
            return Schema(json.loads(path.read_text(encoding="utf-8")))
        except ValueError as exc:
            raise UsageError(f"Schema file '{spec}' is not JSON: {exc}.") from None
    model = import_object(spec, "model")
    if not hasattr(model, "model_json_schema"):
        raise UsageError(f"'{spec}' is neither a .json schema file nor a Pydantic model.")
    return Schema(model.model_json_schema())


class ContractKeywords(LibraryComponent):
    """For services without an OpenAPI document: a JSON Schema file or a Pydantic model."""

    @keyword(tags=TAGS)
    def stream_should_match_schema(self, schema: str, timeout: Duration | None = None,
                                   stream: str | None = None) -> None:
        """Fails unless the JSON data of every item of the stream (to done) matches ``schema``.

        ``schema`` is a JSON Schema file (``.json``, draft 2020-12) or a Pydantic model by
        import path (``myapp.models:Chunk``). The stream is read to its done event (items
        read before count too). The failure names the item, the JSON pointer and the rule.

        Example:
        | `Stream Should Match Schema` | tests/schemas/chunk.json |
        """
        checker = load_schema(schema)
        chosen = self.stream(stream)
        items = self.items_to_done(chosen, timeout)
        for item in items:
            try:
                document = item.json
            except ExpectationFailed:
                raise ExpectationFailed(
                    f"Expected every item of stream '{chosen.name}' to match {schema}, but "
                    f"{item.summary()} is not JSON."
                ) from None
            problem = checker.problem(document)
            if problem is not None:
                raise ExpectationFailed(
                    f"Item {item.index} of stream '{chosen.name}' does not match {schema}: "
                    f"{problem} ({item.summary()})."
                )
        logger.info(f"All {len(items)} items of stream '{chosen.name}' match {schema}.")

    @keyword(tags=TAGS)
    def response_should_match_schema(self, schema: str,
                                     response: ApiResponse | None = None) -> None:
        """Fails unless the JSON body of the response (default: the last one) matches ``schema``.

        ``schema`` is as in `Stream Should Match Schema`.

        Example:
        | `Response Should Match Schema` | myapp.models:ChatReply |
        """
        checker = load_schema(schema)
        got = self.response(response)
        try:
            document: Any = got.json()
        except ValueError:
            raise ExpectationFailed(
                f"Expected a JSON body from {got.described()} to match {schema}, but it is not JSON."
            ) from None
        problem = checker.problem(document)
        if problem is not None:
            raise ExpectationFailed(
                f"The body of {got.described()} does not match {schema}: {problem}."
            )
