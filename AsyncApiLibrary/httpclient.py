"""The HTTP client package, named in this one place.

The library's clients, transports and fakes use ``httpx2``, the maintained continuation of
httpx (same API, imported as ``httpx2``). Every other module imports it from here as
``httpx``, so moving to another client with the same API is a one-line change.
"""

import functools
import os
import ssl

import httpx2 as httpx

__all__ = ["httpx", "tls_context"]


def tls_context() -> ssl.SSLContext:
    """The client's default TLS context (the certificates it trusts), shared by every
    client the library opens while ``SSL_CERT_FILE`` and ``SSL_CERT_DIR`` stay the same:
    each build reads the certificate bundle, about 50 ms here, which every `Open App` in
    server mode and every `Open Url` paid before."""
    return _tls_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@functools.cache
def _tls_context(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    return httpx.create_ssl_context()  # it reads those two variables itself
