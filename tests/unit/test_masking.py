"""Credentials in headers are masked, and remembered, whether or not the headers are logged."""

import pytest

from AsyncApiLibrary.errors import UsageError
from AsyncApiLibrary.masking import Masker, mask, mask_body

HEADERS = [("Authorization", "Bearer tok-1234"), ("X-Api-Key", "key-5678"),
           ("X-Session-Token", "sess-9012"), ("Accept", "application/json")]


def test_logged_headers_hide_credentials_and_remember_them():
    masker = Masker()
    assert masker.headers(HEADERS) == {"Authorization": "***", "X-Api-Key": "***",
                                       "X-Session-Token": "***", "Accept": "application/json"}
    assert masker.text("tok-1234 key-5678 sess-9012 application/json") == "*** *** *** application/json"


def test_headers_that_are_not_logged_still_teach_the_masker_their_credentials():
    masker = Masker()
    masker.learn(HEADERS)
    assert masker.text("tok-1234 key-5678 sess-9012 application/json") == "*** *** *** application/json"


def test_credentials_are_hidden_by_their_shape_in_urls():
    assert mask("GET http://h/x?api_key=abc123&q=1&access_token=zz9 -> 200") == \
        "GET http://h/x?api_key=***&q=1&access_token=*** -> 200"
    assert mask("Opened http://user:pa55word@127.0.0.1:8000") == "Opened http://user:***@127.0.0.1:8000"


def test_credential_fields_are_hidden_in_bodies_but_a_token_of_model_output_elsewhere_is_not():
    body = '{"message": "hi", "password": "hun\\"ter2", "api_key":"k-1", "Secret": "s"}'
    assert mask_body(body) == '{"message": "hi", "password": "***", "api_key":"***", "Secret": "***"}'
    assert mask('event 1 \'token\': \'{"token": "Hel"}\'') == 'event 1 \'token\': \'{"token": "Hel"}\''


def test_a_registered_secret_is_hidden_percent_encoded_too():
    masker = Masker()
    masker.add("tok+/=5678")
    assert masker.text("q=tok%2B%2F%3D5678 and tok+/=5678") == "q=*** and ***"


def test_a_given_token_too_short_to_hide_is_refused():
    with pytest.raises(UsageError, match="at least 4 characters"):
        Masker().add_given("abc")


def test_an_apikey_header_is_a_credential():
    assert Masker().headers([("apikey", "k-4321"), ("X-Idempotency", "7")]) == \
        {"apikey": "***", "X-Idempotency": "7"}


def test_a_header_that_only_mentions_tokens_is_not_a_credential():
    masker = Masker()
    masker.learn([("x-ratelimit-limit-tokens", "150000"), ("x-request-id", "abc-123")])
    assert masker.text("limit 150000, request abc-123") == "limit 150000, request abc-123"
    assert masker.headers([("x-ratelimit-limit-tokens", "150000")]) == {
        "x-ratelimit-limit-tokens": "150000"}


def test_a_cookie_is_learned_by_its_value_not_its_attributes():
    masker = Masker()
    masker.learn([("Cookie", "session=sess-41d2c; theme=dark-blue")])
    assert masker.text("session=sess-41d2c Path=/; HttpOnly dark-blue") == \
        "session=*** Path=/; HttpOnly ***"


def test_a_returned_text_holding_a_secret_comes_back_as_a_secret():
    masker = Masker()
    masker.add("tok-returned-9911")
    guarded = masker.guard("Bearer tok-returned-9911")
    assert str(guarded) == "<secret>" and guarded.value == "Bearer tok-returned-9911"
    assert masker.guard("nothing secret") == "nothing secret"
