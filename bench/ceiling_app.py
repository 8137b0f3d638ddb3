"""The ceiling omnimeet is measured against: FastAPI returning a fixed Telemost conference from memory."""

from fastapi import FastAPI
from starlette.responses import JSONResponse

CONFERENCE = {
    "id": "12345678901234",
    "join_url": "https://telemost.yandex.ru/j/12345678901234",
    "access_level": "PUBLIC",
}

app = FastAPI()


@app.get("/telemost/v1/telemost-api/conferences/{conference_id}")
async def get_conference(conference_id: str) -> JSONResponse:
    return JSONResponse(CONFERENCE)


@app.post("/telemost/v1/telemost-api/conferences", status_code=201)
async def create_conference() -> JSONResponse:
    return JSONResponse({"id": CONFERENCE["id"], "join_url": CONFERENCE["join_url"]}, status_code=201)
