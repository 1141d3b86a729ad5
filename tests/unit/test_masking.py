"""Credentials in headers are masked, and remembered, whether or not the headers are logged."""

from AsyncApiLibrary.masking import Masker

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
