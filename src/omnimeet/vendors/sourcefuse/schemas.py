# ruff: noqa: N815  (the vendor's wire names are camelCase)
"""SourceFuse's wire models: request bodies and the answers documented in ``openapi/sourcefuse.yaml``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

DateInput = str | float | None


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class SessionCreate(_Open):
    isScheduled: bool = Field(description="Whether the meeting is scheduled (then `scheduleTime` is needed).")
    scheduleTime: DateInput = Field(default=None, description="When a scheduled meeting starts (a date).")
    enableArchiving: bool | None = Field(default=None, description="Archive the meeting while it runs.")
    endToEndEncryption: bool | None = Field(
        default=None, description="Relayed media, end-to-end encrypted (not with archiving)."
    )


class SessionCode(BaseModel):
    code: str = Field(
        description="The meeting link id: 10 URL-safe characters.", pattern=r"^[A-Za-z0-9_-]{10}$"
    )


class SessionEdit(_Open):
    isScheduled: bool | None = Field(
        default=None, description="true: schedule the meeting at `scheduleTime`."
    )
    scheduleTime: DateInput = Field(default=None, description="The new schedule time (a date).")


class TokenRequest(_Open):
    expireTime: DateInput = Field(default=None, description="When the token expires (a date; default a day).")
    role: Literal["subscriber", "publisher", "moderator"] | None = Field(
        default=None, description="The connection's role (default `publisher`)."
    )
    data: str | None = Field(default=None, description="Connection data: who the attendee is.")
    meetingId: str | None = None
    meetingLink: str | None = None
    meetingLinkId: str | None = None


class TokenOut(BaseModel):
    sessionId: str = Field(description="The Vonage Video session id (`1_MX4...`).")
    token: str = Field(description="A Vonage Video token (`T1==...`).")


class Attendee(BaseModel):
    id: int
    sessionId: str
    attendee: str
    createdOn: str
    modifiedOn: str | None = Field(default=None, description="Absent until the attendee changed.")
    isDeleted: bool
    extMetadata: dict[str, Any] | None = Field(
        default=None,
        description="`{webhookPayload}`: the last session-monitoring payload about the attendee.",
    )


class ArchiveMeta(_Open):
    id: str
    status: Literal["started", "paused", "stopped", "available", "failed"]
    name: str
    reason: str
    sessionId: str
    applicationId: str
    projectId: str
    partnerId: int | str
    createdAt: int
    updatedAt: int
    size: int
    duration: int
    outputMode: str
    streamMode: str
    hasAudio: bool
    hasVideo: bool
    hasTranscription: bool
    sha256sum: str
    password: str
    resolution: str
    event: str
    url: str | None


class Archive(BaseModel):
    name: str
    sessionId: str
    metaData: ArchiveMeta


class ArchiveList(BaseModel):
    count: int
    items: list[Archive]


class StorageTarget(_Open):
    name: str = Field(description="`AWSS3` or `AZURE`.")
    bucket: str | None = Field(default=None, description="S3: the bucket (required).")
    endpoint: str | None = None
    region: str | None = None
    accountName: str | None = Field(default=None, description="Azure: the account name (required).")
    domain: str | None = None
    fallback: Literal["none", "opentok"] | None = Field(
        default=None, description="Where archives go when the upload fails."
    )


class WebhookConnection(_Open):
    id: str | None = None
    createdAt: int | None = None
    data: str | None = None


class WebhookStream(_Open):
    id: str | None = None
    connection: dict[str, Any] | None = None
    createdAt: int | None = None
    videoType: str | None = None


class SessionWebhook(_Open):
    sessionId: str | None = None
    projectId: str | None = None
    event: str | None = None
    reason: str | None = None
    timestamp: int | None = None
    connection: WebhookConnection | None = None
    stream: WebhookStream | None = None


class ErrorDetail(_Open):
    statusCode: int
    name: str
    message: str


class Error(BaseModel):
    error: ErrorDetail
