"""A service that calls an upstream over HTTP with a pooled client built at startup: the
kind the fake HTTP upstream stands in for. ``close_client=False`` is the bug of a
service that never closes its client, so its connections outlive its shutdown."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse, StreamingResponse

from AsyncApiLibrary.httpclient import httpx


def create_app(upstream: str, close_client: bool = True) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.client = httpx.AsyncClient(base_url=upstream, timeout=0.5)
        yield
        if close_client:
            await app.state.client.aclose()

    app = FastAPI(lifespan=lifespan)

    @app.post("/search")
    async def search(body: dict) -> JSONResponse:
        try:
            answer = await app.state.client.post("/v1/search", json=body)
        except httpx.TimeoutException:
            return JSONResponse({"error": "upstream timeout"}, status_code=504)
        except httpx.HTTPError as exc:
            return JSONResponse({"error": type(exc).__name__}, status_code=502)
        try:
            payload = answer.json()
        except ValueError:
            return JSONResponse({"error": "malformed upstream reply"}, status_code=502)
        headers = {"Retry-After": answer.headers["retry-after"]} if "retry-after" in answer.headers else {}
        return JSONResponse(payload, status_code=answer.status_code, headers=headers)

    @app.get("/relay")
    async def relay() -> StreamingResponse:
        async def lines() -> AsyncIterator[str]:
            try:
                async with app.state.client.stream("GET", "/v1/events") as upstream:
                    async for line in upstream.aiter_lines():
                        if line.startswith("data: "):
                            yield f"event: token\ndata: {line[6:]}\n\n"
                yield "event: done\ndata: {}\n\n"
            except httpx.HTTPError as exc:
                yield f"event: error\ndata: {type(exc).__name__}\n\n"

        return StreamingResponse(lines(), media_type="text/event-stream")

    return app
