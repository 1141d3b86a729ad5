"""FastAPI dependencies: the LLM client, the settings, the caller's token, the gauges."""

from __future__ import annotations

from fastapi import Depends, HTTPException, Request

from .config import Settings
from .llm import LLMClient
from .ops import Gauges


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_gauges(request: Request) -> Gauges:
    return request.app.state.gauges


def get_llm_client(request: Request) -> LLMClient:
    """The upstream model client. Tests replace this dependency with a fake."""
    return request.app.state.llm


def check_token(authorization: str | None, settings: Settings) -> str:
    """Return the caller's token or raise 401 with a sentence saying what is wrong."""
    if not authorization:
        raise HTTPException(401, "Missing bearer token.", headers={"WWW-Authenticate": "Bearer"})
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(401, "The Authorization header must be 'Bearer <token>'.",
                            headers={"WWW-Authenticate": "Bearer"})
    if token not in settings.tokens:
        raise HTTPException(401, "Invalid bearer token.", headers={"WWW-Authenticate": "Bearer"})
    return token


def require_token(request: Request, settings: Settings = Depends(get_settings)) -> str:
    return check_token(request.headers.get("authorization"), settings)
