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


starlette_app = Starlette(
    routes=[
        Route(GET_PATH, _starlette_get, methods=["GET"]),
        Route(POST_PATH, _starlette_post, methods=["POST"]),
    ]
)

fastapi_app = FastAPI()


@fastapi_app.get(GET_PATH)
async def get_conference(conference_id: str) -> JSONResponse:
    return JSONResponse(CONFERENCE)


@fastapi_app.post(POST_PATH, status_code=201)
async def create_conference(request: Request) -> JSONResponse:
    await request.body()
    return JSONResponse(CONFERENCE, status_code=201)


# --- FastAPI with one SQLite row read or written per request through the sqlite3 module ----------------
# (the "sqlite3-direct" reference for POST). The database file is BENCH_SQLITE_PATH; WAL mode, one
# connection per worker process, as a hand-written service would do it.

import os  # noqa: E402
import secrets  # noqa: E402
import sqlite3  # noqa: E402

_db = sqlite3.connect(
    os.environ.get("BENCH_SQLITE_PATH", ":memory:"), check_same_thread=False, isolation_level=None
)
_db.execute("PRAGMA journal_mode=WAL")
_db.execute("PRAGMA synchronous=NORMAL")
_db.execute("CREATE TABLE IF NOT EXISTS conference (id TEXT PRIMARY KEY, join_url TEXT, access_level TEXT)")
_db.execute(
    "INSERT OR IGNORE INTO conference VALUES (?, ?, ?)",
    (CONFERENCE["id"], CONFERENCE["join_url"], CONFERENCE["access_level"]),
)

fastapi_sqlite_app = FastAPI()


@fastapi_sqlite_app.get(GET_PATH)
async def get_conference_sqlite(conference_id: str) -> JSONResponse:
    row = _db.execute(
        "SELECT id, join_url, access_level FROM conference WHERE id = ?", (conference_id,)
    ).fetchone()
    if row is None:
        return JSONResponse({"error": "ConferenceNotFound"}, status_code=404)
    return JSONResponse({"id": row[0], "join_url": row[1], "access_level": row[2]})


@fastapi_sqlite_app.post(POST_PATH, status_code=201)
async def create_conference_sqlite(request: Request) -> JSONResponse:
    body = await request.json()
    new_id = str(secrets.randbelow(10**14)).zfill(14)
    doc = {
        "id": new_id,
        "join_url": f"https://telemost.yandex.ru/j/{new_id}",
        "access_level": body.get("access_level", "PUBLIC"),
    }
    _db.execute("INSERT INTO conference VALUES (?, ?, ?)", (doc["id"], doc["join_url"], doc["access_level"]))
    return JSONResponse(doc, status_code=201)
