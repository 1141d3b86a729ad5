"""The HTTP client package, named in this one place.

The library's clients, transports and fakes use ``httpx2``, the maintained continuation of
httpx (same API, imported as ``httpx2``). Every other module imports it from here as
``httpx``, so moving to another client with the same API is a one-line change.
"""

import httpx2 as httpx

__all__ = ["httpx"]
