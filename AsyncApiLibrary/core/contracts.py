"""Loading a client's contract: from the app itself, from the service, a file or a URL."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import anyio

from ..contract import Contract
from ..errors import UsageError
from ..httpclient import httpx, tls_context
from ..targets import Target
from .exchange import exchange


async def load_contract(target: Target, spec: str, limit: float) -> Contract:
    """``openapi``: the app's own document (in this process) or the service's
    ``/openapi.json``; otherwise a file path or an http(s) URL of an OpenAPI document.
    A client opened at a URL with a path (``http://host/api``) finds its operations under it."""
    contract = await _load(target, spec, limit)
    contract.served_under(urlsplit(target.base_url).path)
    return contract


async def _load(target: Target, spec: str, limit: float) -> Contract:
    if spec == "openapi":
        app = target.user_app
        if app is not None and callable(getattr(app, "openapi", None)):
            return Contract(app.openapi(), f"the app '{target.app_ref}'")
        response = await exchange(target, target.client.build_request(
            "GET", target.url_for("/openapi.json")), limit)
        return _from_response(response, f"{target.base_url}/openapi.json")
    if spec.startswith(("http://", "https://")):
        async with httpx.AsyncClient(timeout=limit, verify=tls_context()) as client:
            try:
                with anyio.fail_after(limit):
                    response = await client.get(spec)
            except (httpx.HTTPError, TimeoutError) as exc:
                raise UsageError(
                    f"The contract at {spec} could not be fetched: {exc or 'no answer in time'}."
                ) from None
        return _from_response(response, spec)
    path = anyio.Path(spec)
    if not await path.is_file():
        raise UsageError(
            f"Contract '{spec}' is neither 'openapi', a URL, nor a file that exists."
        )
    return Contract.from_text(await path.read_text(encoding="utf-8"), spec)


def _from_response(response: Any, source: str) -> Contract:
    if response.status_code != 200:
        raise UsageError(f"The contract at {source} answered status {response.status_code}.")
    return Contract.from_text(response.text, source)
