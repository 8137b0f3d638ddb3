"""The ceilings omnimeet is measured against: the same small JSON document answered from memory by a bare
Starlette app (``starlette_app``) and by a FastAPI endpoint (``fastapi_app``). bench/run serves them with
the uvicorn settings ``omnimeet serve`` uses (uvloop, httptools, no access log)."""

from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

CONFERENCE = {
    "id": "12345678901234",
    "join_url": "https://telemost.yandex.ru/j/12345678901234",
    "access_level": "PUBLIC",
}
GET_PATH = "/telemost/v1/telemost-api/conferences/{conference_id}"
POST_PATH = "/telemost/v1/telemost-api/conferences"


async def _starlette_get(request: Request) -> JSONResponse:
    return JSONResponse(CONFERENCE)


async def _starlette_post(request: Request) -> JSONResponse:
    await request.body()
    return JSONResponse(CONFERENCE, status_code=201)


starlette_app = Starlette(routes=[
    Route(GET_PATH, _starlette_get, methods=["GET"]),
    Route(POST_PATH, _starlette_post, methods=["POST"]),
])

fastapi_app = FastAPI()


@fastapi_app.get(GET_PATH)
async def get_conference(conference_id: str) -> JSONResponse:
    return JSONResponse(CONFERENCE)


@fastapi_app.post(POST_PATH, status_code=201)
async def create_conference(request: Request) -> JSONResponse:
    await request.body()
    return JSONResponse(CONFERENCE, status_code=201)
