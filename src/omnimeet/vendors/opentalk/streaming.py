"""OpenTalk streaming routes (being built)."""

from __future__ import annotations

from fastapi import APIRouter

from omnimeet.platform.context import AppContext


def build_router(ctx: AppContext) -> APIRouter:
    return APIRouter()
