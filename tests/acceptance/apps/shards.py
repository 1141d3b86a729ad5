"""A small service whose upstreams the fakes stand in for: a model with a retry, two search
shards, a user service, a publish to a queue through a module-level client, a client on
``app.state``, and a request id from a dependency."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Depends, FastAPI, Request

from AsyncApiLibrary.httpclient import httpx

app = FastAPI()
app.state.ranker = None  # built at startup in real life; tests put a fake here


class _Queue:
    """The module-level publisher a real app builds at import time."""

    async def publish(self, topic: str, body: dict) -> None:
        raise RuntimeError("no queue in tests; replace it")


queue = _Queue()


def get_model() -> Any:
    raise RuntimeError("no model configured")


def get_shard_a() -> Any:
    raise RuntimeError("no shard a")


def get_shard_b() -> Any:
    raise RuntimeError("no shard b")


def get_users() -> Any:
    raise RuntimeError("no user service")


def get_request_id() -> str:
    return uuid.uuid4().hex


def not_used_anywhere() -> Any:
    return None


@app.post("/ask")
async def ask(body: dict, model: Any = Depends(get_model)) -> dict[str, Any]:
    """One retry on a 429, after the Retry-After the upstream asked for (not slept here)."""
    for attempt in (1, 2):
        try:
            return {"answer": await model.complete(prompt=body["q"]), "attempts": attempt}
        except httpx.HTTPStatusError as exc:
            if exc.response.status_code != 429 or attempt == 2:
                return {"error": exc.response.status_code, "attempts": attempt}
    return {}


@app.get("/search")
async def search(q: str, a: Any = Depends(get_shard_a), b: Any = Depends(get_shard_b)) -> dict:
    """Asks both shards in turn; a shard that times out is reported, not hidden."""
    found, failed = [], []
    for label, shard in (("a", a), ("b", b)):
        try:
            async for hit in shard.search(query=q):
                found.append(hit)
        except TimeoutError:
            failed.append(label)
    return {"hits": found, "failed_shards": failed, "complete": not failed}


@app.get("/users/{user_id}")
async def user(user_id: int, users: Any = Depends(get_users),
               request_id: str = Depends(get_request_id)) -> dict:
    profile = await users.get_user(id=user_id)
    return {"profile": profile, "request_id": request_id}


@app.post("/jobs/{job_id}/finish")
async def finish(job_id: str) -> dict[str, bool]:
    await queue.publish(topic="jobs", body={"id": job_id, "state": "done"})
    return {"published": True}


@app.get("/rank")
async def rank(request: Request) -> dict:
    return {"order": await request.app.state.ranker.rank(items=["x", "y"])}
