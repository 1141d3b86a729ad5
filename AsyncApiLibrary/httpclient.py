"""The HTTP client package, named in this one place.

The library's clients, transports and fakes use ``httpx2``, the maintained continuation of
httpx (same API, imported as ``httpx2``). Every other module imports it from here as
``httpx``, so moving to another client with the same API is a one-line change.
"""

import functools
import ssl

import httpx2 as httpx

__all__ = ["httpx", "tls_context"]


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The client's default TLS context (the trusted certificates it verifies servers
    with), built once per process and shared by every client the library opens: each
    build reads the certificate bundle, about 50 ms here, which every `Open App` in
    server mode and every `Open Url` paid before."""
    return httpx.create_ssl_context()
