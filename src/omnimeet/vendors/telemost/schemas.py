"""Telemost wire models: request bodies as clients send them, responses as openapi/telemost.yaml says."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.json_schema import SkipJsonSchema


class AccessLevel(StrEnum):
    """Who may join (or watch). Clients read values they do not know as UNKNOWN."""

    PUBLIC = "PUBLIC"
    ORGANIZATION = "ORGANIZATION"
    UNKNOWN = "UNKNOWN"


NO_NUL = r"^[^\x00]*$"
"""Text fields refuse U+0000: PostgreSQL cannot store it in text columns (it would be a 500 there)."""


def _drop_empty_access_level(data: Any) -> Any:
    """An empty ``access_level`` counts as not sent: some clients (the Go library's structs, say) send
    ``""`` for a level they leave unset, and the real API accepts that."""
    if isinstance(data, dict) and data.get("access_level") == "":
        return {key: value for key, value in data.items() if key != "access_level"}
    return data


class LiveStreamData(BaseModel):
    """Live stream settings in a create or update request. Fields left out are not changed."""

    model_config = ConfigDict(extra="ignore", title="LiveStreamData")

    access_level: AccessLevel = Field(
        default=AccessLevel.PUBLIC,
        description="Who may watch the stream (PUBLIC for a new stream). An empty string counts as not sent.",
    )
    title: str = Field(
        default="", max_length=1024, pattern=NO_NUL, description="Title shown on the viewers' page."
    )
    description: str = Field(
        default="", max_length=2048, pattern=NO_NUL, description="Description shown on the viewers' page."
    )

    @model_validator(mode="before")
    @classmethod
    def empty_access_level_is_unset(cls, data: Any) -> Any:
        return _drop_empty_access_level(data)


class ConferenceData(BaseModel):
    """Body of POST and PATCH /conferences. On PATCH, fields left out are not changed."""

    model_config = ConfigDict(extra="ignore", title="ConferenceData")

    access_level: AccessLevel = Field(
        default=AccessLevel.PUBLIC,
        description="Who may join the conference (PUBLIC for a new one). An empty string counts as not sent.",
    )
    live_stream: LiveStreamData = Field(
        default_factory=LiveStreamData,
        description="Live stream to add or change. Left out: no stream is added and an existing one is kept.",
    )

    @model_validator(mode="before")
    @classmethod
    def empty_access_level_is_unset(cls, data: Any) -> Any:
        return _drop_empty_access_level(data)

    def sent(self, name: str) -> bool:
        return name in self.model_fields_set


class LiveStreamShort(BaseModel):
    model_config = ConfigDict(title="LiveStreamShort")

    watch_url: str = Field(description="Page where viewers watch the stream.")


class ConferenceShort(BaseModel):
    """A conference's id and links."""

    model_config = ConfigDict(title="ConferenceShort")

    id: str = Field(description="Conference id: a string of 14 digits.", examples=["12345678901234"])
    join_url: str = Field(description="Link participants open to join.")
    live_stream: LiveStreamShort | SkipJsonSchema[None] = Field(
        default=None, description="Present only when the conference has a live stream."
    )


class LiveStream(BaseModel):
    model_config = ConfigDict(title="LiveStream")

    watch_url: str
    access_level: AccessLevel
    title: str | SkipJsonSchema[None] = None
    description: str | SkipJsonSchema[None] = None


class Conference(BaseModel):
    """A conference with its settings."""

    model_config = ConfigDict(title="Conference")

    id: str
    join_url: str
    access_level: AccessLevel
    live_stream: LiveStream | SkipJsonSchema[None] = Field(
        default=None, description="Present only when the conference has a live stream."
    )


class Error(BaseModel):
    """Every error answer: a stable code, a human message (Russian) and a technical description."""

    model_config = ConfigDict(title="Error")

    error: str = Field(description="Error code, e.g. ConferenceNotFound.")
    message: str = Field(description="Human-readable message.")
    description: str = Field(description="Technical description.")
    details: dict[str, Any] | SkipJsonSchema[None] = Field(
        default=None, description="Extra facts, e.g. the invalid fields."
    )
