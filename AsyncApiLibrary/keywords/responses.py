"""Keywords that check a response: status, headers, JSON fields, body text."""

from __future__ import annotations

from typing import Any

from robot.api.deco import keyword
from robot.api.types import Secret

from ..display import clip, expected_text, json_text
from ..errors import ExpectationFailed, UsageError
from ..jsonpath import lookup, same_value
from ..masking import Masker
from ..results import ApiResponse
from .base import LibraryComponent

TAGS = ["responses"]


class ResponseKeywords(LibraryComponent):
    """Check the last response of this test, or one given."""

    @keyword(tags=TAGS)
    def status_should_be(self, expected: int, response: ApiResponse | None = None) -> None:
        """Fails unless the response (default: the last one of this test) has status ``expected``.

        Works on a stream's opening response too.

        Example:
        | `Status Should Be` | 429 |
        """
        got = self.response(response)
        if got.status_code != expected:
            opened = got.streamed and 200 <= got.status_code < 300  # its body is the stream
            try:
                body = "" if opened else f": {clip(got.content, 200)}"
            except UsageError:  # a refused stream's body that never came
                body = ""
            raise ExpectationFailed(
                f"Expected status {expected} from {got.described()}, "
                f"got {got.status_code} {got.reason_phrase}{body}."
            )

    @keyword(tags=TAGS)
    def header_should_be(self, name: str, expected: str,
                         response: ApiResponse | None = None) -> None:
        """Fails unless response header ``name`` equals ``expected``.

        Example:
        | `Header Should Be` | Retry-After | 7 |
        """
        got = self.response(response)
        value = got.headers.get(name)
        if value is None:
            raise ExpectationFailed(
                f"Expected header '{name}' to be '{expected}', but the response has no such header."
            )
        if value != str(expected):
            shown = "a credential (***)" if _credential(name) else f"'{value}'"
            raise ExpectationFailed(f"Expected header '{name}' to be '{expected}', got {shown}.")

    @keyword(tags=TAGS)
    def get_header(self, name: str, response: ApiResponse | None = None) -> str | Secret:
        """Returns the value of response header ``name``; fails if the response has none.

        Works on a stream's opening response too. A credential header (a cookie, a token)
        comes back as a Robot ``Secret``, so that no log shows it.

        Example:
        | ${retry} = | `Get Header` | Retry-After |
        """
        got = self.response(response)
        value = got.headers.get(name)
        if value is None:
            raise ExpectationFailed(
                f"Expected header '{name}' in the response of {got.described()}, but it has none."
            )
        if _credential(name):
            self.ctx.masker.add(value)
            return Secret(value)
        return value

    @keyword(tags=TAGS)
    def header_should_not_exist(self, name: str, response: ApiResponse | None = None) -> None:
        """Fails if the response has header ``name`` (e.g. a gateway must not pass one on).

        Example:
        | `Header Should Not Exist` | X-Upstream-Key |
        """
        got = self.response(response)
        if name in got.headers:
            shown = "***" if _credential(name) else repr(got.headers[name])
            raise ExpectationFailed(
                f"Expected no header '{name}' in the response of {got.described()}, but it "
                f"has {shown}."
            )

    @keyword(tags=TAGS)
    def get_last_response(self) -> ApiResponse:
        """Returns the last response of this test: of a request, or a stream's opening one.

        Example:
        | `Start Chat Stream` | hi |
        | ${opening} = | `Get Last Response` |
        | Should Be Equal | ${opening.headers}[content-type] | text/event-stream; charset=utf-8 |
        """
        return self.response(None)

    @keyword(tags=TAGS)
    def get_json_field(self, field: str, response: ApiResponse | None = None) -> Any:
        """Returns a field of the JSON body; ``field`` is a dotted path like ``detail.0.loc``.

        Example:
        | ${job_id} = | `Get Json Field` | id |
        """
        return self.ctx.masker.guard(lookup(_json_body(self.response(response)), field))

    @keyword(tags=TAGS)
    def json_field_should_be(self, field: str, expected: Any,
                             response: ApiResponse | None = None) -> None:
        """Fails unless the JSON body's ``field`` (dotted path) equals ``expected``.

        Numbers and booleans compare with their text too, so ``3`` matches ``${3}``.

        Example:
        | `Json Field Should Be` | error.kind | upstream_timeout |
        """
        actual = lookup(_json_body(self.response(response)), field)  # the value, not guarded
        if not same_value(actual, expected):
            raise ExpectationFailed(
                f"Expected JSON field '{field}' to be {expected_text(expected)}, got "
                f"{json_text(actual)}."
            )

    @keyword(tags=TAGS)
    def response_should_contain(self, text: str, response: ApiResponse | None = None) -> None:
        """Fails unless the response body contains ``text``.

        Example:
        | `Response Should Contain` | upstream |
        """
        got = self.response(response)
        if text not in got.text:
            raise ExpectationFailed(
                f"Expected the response body to contain {text!r}, got {clip(got.content, 200)}."
            )


def _json_body(response: ApiResponse) -> Any:
    content = response.content  # a stream's response says to read the stream instead
    try:
        return response.raw.json()
    except ValueError:
        kind = response.headers.get("content-type", "no content-type")
        raise ExpectationFailed(
            f"Expected a JSON body from {response.described()}, "
            f"got {kind}: {clip(content, 120)}."
        ) from None


def _credential(name: str) -> bool:
    return Masker.is_credential(name)
