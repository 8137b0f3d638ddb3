"""Vonage Meetings ``GET /dial-in-numbers``: the numbers one can call to join a meeting by phone. A fixed
list, the same for every application: each number as E.164 digits without ``+`` (where a country reserves
numbers for fiction, one of those), the locale of its voice prompts and the country's name."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import JSONResponse, Response

from omnimeet.platform.context import AppContext
from omnimeet.vendors.vonage.auth import SECURED, Caller, requires
from omnimeet.vendors.vonage.schemas import CRASH, OTHER, UNAUTHORIZED

DIAL_IN_NUMBERS: tuple[dict[str, str], ...] = (
    {"number": "61255501234", "locale": "en-AU", "display_name": "Australia"},
    {"number": "3225887312", "locale": "fr-BE", "display_name": "Belgium"},
    {"number": "5511937704215", "locale": "pt-BR", "display_name": "Brazil"},
    {"number": "16135550172", "locale": "en-CA", "display_name": "Canada"},
    {"number": "33187216540", "locale": "fr-FR", "display_name": "France"},
    {"number": "4930568371924", "locale": "de-DE", "display_name": "Germany"},
    {"number": "390294752061", "locale": "it-IT", "display_name": "Italy"},
    {"number": "81345789216", "locale": "ja-JP", "display_name": "Japan"},
    {"number": "34911238654", "locale": "es-ES", "display_name": "Spain"},
    {"number": "442079460958", "locale": "en-GB", "display_name": "United Kingdom"},
    {"number": "12025550143", "locale": "en-US", "display_name": "United States"},
)


class DialInNumber(BaseModel):
    model_config = ConfigDict(title="DialInNumber")

    number: str = Field(examples=["442079460958"], description="Digits of the E.164 number, without `+`.")
    locale: str = Field(examples=["en-GB"])
    display_name: str = Field(examples=["United Kingdom"])


def build_router(ctx: AppContext) -> APIRouter:
    router = APIRouter(tags=["Dial-in numbers"])
    auth = Depends(requires(ctx))

    @router.get(
        "/dial-in-numbers",
        operation_id="getDialInNumbers",
        openapi_extra=SECURED,
        response_model=list[DialInNumber],
        summary="Numbers to dial into a meeting",
        responses={401: UNAUTHORIZED, "4XX": OTHER, 500: CRASH},
    )
    async def get_dial_in_numbers(caller: Caller = auth) -> Response:
        return JSONResponse([dict(entry) for entry in DIAL_IN_NUMBERS])

    return router
