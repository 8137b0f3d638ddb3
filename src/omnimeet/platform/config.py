"""Settings, read from the environment (prefix ``OMNIMEET_``) when ``Settings()`` is built.

Nothing here is read at import time: ``create_app(settings)`` receives a ``Settings`` object, so tests and
the CLI can build as many differently configured apps as they like.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

AuthMode = Literal["permissive", "strict"]


class TurnServer(BaseModel):
    """A TURN server the OpenTalk controller hands out credentials for (TURN REST API, HMAC-SHA1)."""

    model_config = ConfigDict(extra="forbid")

    uris: list[str] = Field(min_length=1, description="`turn:` / `turns:` URIs (RFC 7065).")
    pre_shared_key: str = Field(min_length=1, description="The secret shared with the TURN server.")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OMNIMEET_", extra="ignore")

    data_dir: Path = Field(
        default=Path(".omnimeet"),
        description="Directory for the embedded SQLite database (and later certificates).",
    )
    database_url: str | None = Field(
        default=None,
        description=(
            "SQLAlchemy URL of the database. Unset: a SQLite file `omnimeet.db` in the data directory. "
            "`postgresql+psycopg://user@host/db` switches to PostgreSQL."
        ),
    )
    auth_mode: AuthMode = Field(
        default="permissive",
        description=(
            "`permissive`: any well-formed credential is accepted with every scope, each distinct "
            "credential is its own principal in its own organisation. `strict`: only credentials from "
            "the credentials file."
        ),
    )
    credentials_file: Path | None = Field(
        default=None,
        description="YAML file of organisations and principals (required in strict mode).",
    )
    telemost_join_host: str = Field(
        default="https://telemost.yandex.ru",
        description="Scheme and host of Telemost `join_url` values (`<host>/j/<id>`).",
    )
    telemost_watch_host: str = Field(
        default="https://telemost.yandex.ru",
        description="Scheme and host of Telemost live stream `watch_url` values (`<host>/live/<32 hex>`).",
    )
    openvidu_meet_public_url: str = Field(
        default="http://localhost:6080",
        description=(
            "Scheme and host of OpenVidu Meet room URLs (`<url>/meet/<roomName>/?secret=<10 hex>`)."
        ),
    )
    vonage_meetings_url: str = Field(
        default="https://meetings.vonage.com",
        description=(
            "Scheme and host of Vonage Meetings room URLs (`<url>/<meeting_code>` for guests, "
            "`<url>/?room_token=<meeting_code>&participant_token=<JWT>` for hosts)."
        ),
    )
    sourcefuse_jwt_secret: str = Field(
        default="omnimeet-sourcefuse-jwt-secret-for-hs256",
        description="SourceFuse, strict mode: the HS256 secret of bearer tokens (the service's JWT_SECRET).",
    )
    sourcefuse_jwt_issuer: str = Field(
        default="sourcefuse",
        description="SourceFuse, strict mode: the `iss` bearer tokens must carry (the service's JWT_ISSUER).",
    )
    sourcefuse_time_to_start_minutes: int = Field(
        default=30,
        ge=0,
        description="SourceFuse: how many minutes before its schedule time a scheduled meeting takes tokens.",
    )
    sourcefuse_vonage_api_key: str = Field(
        default="47000001",
        description="SourceFuse: the Vonage Video API key (project id) in session ids, tokens and archives.",
    )
    sourcefuse_vonage_api_secret: str = Field(
        default="omnimeet-vonage-api-secret",
        description="SourceFuse: the Vonage Video API secret that signs tokens.",
    )
    sourcefuse_aws_access_key_id: str = Field(
        default="omnimeet-aws-access-key",
        description="SourceFuse: the AWS key of an S3 upload target (empty: storage target 500).",
    )
    sourcefuse_aws_secret_access_key: str = Field(
        default="omnimeet-aws-secret-key",
        description="SourceFuse: the AWS secret of an S3 upload target (empty: storage target 500).",
    )
    sourcefuse_azure_account_key: str = Field(
        default="omnimeet-azure-account-key",
        description="SourceFuse: the Azure account key of an upload target (empty: storage target 500).",
    )
    vonage_recording_ready_event: Literal["recording:ready", "recording:uploaded"] = Field(
        default="recording:ready",
        description=(
            "The name Vonage Meetings webhooks give a recording whose file is ready: `recording:ready` (spec "
            "0.1.5) or `recording:uploaded` (spec 0.1.7 and the docs)."
        ),
    )
    opentalk_oidc_provider_name: str = Field(
        default="default",
        description="OpenTalk: the OIDC provider's name in `GET /auth/login`.",
    )
    opentalk_oidc_provider_url: str = Field(
        default="http://localhost:8080/realms/opentalk",
        description="OpenTalk: the OIDC provider's URL (its issuer) in `GET /auth/login`.",
    )
    opentalk_jwks_file: Path | None = Field(
        default=None,
        description=(
            'OpenTalk, strict mode: a JSON Web Key Set file (`{"keys": [...]}`); an RS256 token whose '
            "`kid` names one of its keys is verified with it (its issuer must still be a principal)."
        ),
    )
    opentalk_turn_servers: list[TurnServer] = Field(
        default_factory=list,
        description=(
            'OpenTalk: TURN servers for `GET /turn`, e.g. `[{"uris": ["turn:turn.example.com:3478"], '
            '"pre_shared_key": "secret"}]` (JSON). With neither TURN nor STUN servers `GET /turn` answers '
            "500, as the controller of the time did."
        ),
    )
    opentalk_stun_uris: list[str] = Field(
        default_factory=list,
        description="OpenTalk: STUN URIs `GET /turn` lists after the TURN servers (JSON list).",
    )
    opentalk_turn_lifetime_seconds: int = Field(
        default=86_400, ge=1, description="OpenTalk: how long TURN credentials from `GET /turn` stay valid."
    )
    opentalk_tariff_quotas: dict[str, int] = Field(
        default_factory=dict,
        description='OpenTalk: the quotas every tariff reports, e.g. `{"max_storage": 50000}` (JSON).',
    )
    recording_bitrate_kbps: int = Field(
        default=0,
        ge=0,
        le=1_000_000,
        description=(
            "Size of recording files (Vonage, OpenVidu Meet downloads): kbit/s of the recording's duration, "
            "e.g. 1000 for 125 kB per second (frames padded with H.264 filler data); 0 (default): the "
            "smallest valid MP4 (a few bytes per frame, at most 234,432 bytes). Read by the media module "
            "from `OMNIMEET_RECORDING_BITRATE_KBPS` itself; declared here to be documented and checked at "
            "start."
        ),
    )
    max_body_bytes: int = Field(
        default=1_048_576,
        description="Largest request body accepted; larger bodies get 413 in the vendor's error format.",
    )
    sqlite_busy_timeout_ms: int = Field(
        default=10_000,
        description="How long a SQLite writer waits for another process's lock before failing.",
    )
    postgres_durable_commits: bool = Field(
        default=False,
        description=(
            "PostgreSQL only. false: commits are acknowledged before they reach the disk "
            "(synchronous_commit=off; a database crash may lose the last moment of changes, never "
            "consistency). true: every commit waits for its flush."
        ),
    )
    journal_size: int = Field(
        default=1000,
        ge=0,
        description="How many vendor requests the journal keeps (the oldest go first); 0 turns it off.",
    )
    journal_body_bytes: int = Field(
        default=4096, ge=0, description="How much of each request and response body the journal keeps."
    )
    webhook_allowed_targets: list[str] = Field(
        default_factory=list,
        description=(
            "Strict mode: URL patterns (globs such as `https://hooks.example.com/*`) webhooks may be sent "
            "to; any other target is refused. Permissive mode allows every target."
        ),
    )
    webhook_retry_base_seconds: float = Field(
        default=1.0, gt=0, description="Delay before the first retry of a failed webhook; doubles each time."
    )
    webhook_retry_max_seconds: float = Field(
        default=3600.0, gt=0, description="The longest delay between two attempts of one webhook."
    )
    webhook_max_age_seconds: float = Field(
        default=86_400.0, gt=0, description="A webhook still undelivered this long after its event is failed."
    )
    webhook_timeout_seconds: float = Field(
        default=5.0, gt=0, description="How long one delivery attempt waits for the receiver."
    )
    control_token: str | None = Field(
        default=None,
        description=(
            "When set, every control API route except health needs `Authorization: Bearer <token>`. "
            "Set it on any instance reachable by others."
        ),
    )
    vendor_ports: dict[str, int] = Field(
        default_factory=dict,
        description=(
            'Vendors also served at the root of a port of their own, e.g. `{"telemost": 9001}` (JSON); '
            "`omnimeet serve --vendor-port VENDOR=PORT` sets it."
        ),
    )
    clock_offset_ms: int = Field(
        default=0,
        description=(
            "Where the virtual clock starts: this many ms from real time (`omnimeet serve --seed` sets it "
            "from the seed's clock)."
        ),
    )
    clock_frozen_at_ms: int | None = Field(
        default=None,
        description="When set, the virtual clock starts frozen at this time (ms since the epoch).",
    )
    random_seed: int | None = Field(
        default=None,
        description="Seed for generated ids and secrets; set it for reproducible ids across runs.",
    )

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'omnimeet.db').as_posix()}"
