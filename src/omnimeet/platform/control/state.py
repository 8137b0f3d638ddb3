"""Control API: reset (everything, or one tenant), and state export/import.

The state document (``GET /state``, ``POST /state``, ``omnimeet serve --seed FILE``)::

    {"format": "omnimeet-state", "version": 1, "schema": "<migration revision>",
     "exported_at": "<ISO time>", "clock": {"now_ms": <int>, "frozen": <bool>},
     "tables": {"<table>": [{"<column>": <value>, ...}, ...], ...}}

Tables come parent-first, rows in primary-key order, values as stored (JSON text columns stay text),
booleans as booleans. Importing replaces the whole database content in one transaction.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import text
from sqlalchemy.sql import Executable

from omnimeet.domain import admin
from omnimeet.domain.errors import DomainError
from omnimeet.domain.tables import metadata
from omnimeet.platform.clock import VirtualClock, iso_ms
from omnimeet.platform.config import Settings
from omnimeet.platform.context import AppContext
from omnimeet.platform.control.errors import ControlError, domain_error_message
from omnimeet.platform.db import Database
from omnimeet.platform.migrate import SCHEMA_HEAD

FORMAT = "omnimeet-state"
VERSION = 1


class ResetRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tenant: str = Field(min_length=1, description="Reset only this tenant (an id from `GET /principals`).")


class StateClock(BaseModel):
    now_ms: int
    frozen: bool


class StateDocument(BaseModel):
    """What ``GET /state`` answers and ``POST /state`` takes."""

    format: str = Field(description="Always `omnimeet-state`.")
    version: int = Field(description="Version of the document format (1).")
    schema_: str = Field(alias="schema", description="The database schema's migration revision.")
    exported_at: str | None = None
    clock: StateClock | None = None
    tables: dict[str, list[dict[str, Any]]] = Field(
        default_factory=dict, description="Rows of each table, `{column: value}`, parent tables first."
    )

    model_config = ConfigDict(populate_by_name=True, extra="forbid")


# --- export ----------------------------------------------------------------------------------------------


def export_state(db: Database, clock: VirtualClock) -> dict[str, Any]:
    with db.transaction(write=False) as tx:
        tables = admin.export_tables(tx)
    now_ms = clock.now_ms()
    return {
        "format": FORMAT,
        "version": VERSION,
        "schema": SCHEMA_HEAD,
        "exported_at": iso_ms(now_ms),
        "clock": {"now_ms": now_ms, "frozen": clock.frozen},
        "tables": tables,
    }


# --- import ----------------------------------------------------------------------------------------------


class StateError(ValueError):
    """A state document that cannot be imported; the message says why."""


def check_document(document: Any) -> tuple[admin.TableRows, StateClock | None]:
    """The document's rows (validated against the schema) and clock; ``StateError`` when it is not an
    importable state document of this version and schema."""
    if not isinstance(document, dict):
        raise StateError("a state document is a JSON object")
    if document.get("format") != FORMAT:
        raise StateError(f"format must be {FORMAT!r}")
    if document.get("version") != VERSION:
        raise StateError(f"version {document.get('version')!r} is not supported (expected {VERSION})")
    if document.get("schema") != SCHEMA_HEAD:
        raise StateError(
            f"schema {document.get('schema')!r} does not match this server's schema {SCHEMA_HEAD!r}"
        )
    unknown = set(document) - {"format", "version", "schema", "exported_at", "clock", "tables"}
    if unknown:
        raise StateError(f"unknown fields: {', '.join(sorted(unknown))}")
    clock = None
    if document.get("clock") is not None:
        try:
            clock = StateClock.model_validate(document["clock"], strict=True)
        except ValueError as exc:
            raise StateError("clock must be {now_ms: integer, frozen: boolean}") from exc
    try:
        rows = admin.validate_tables(document.get("tables", {}))
    except DomainError as exc:
        raise StateError(str(exc.details.get("problem", domain_error_message(exc)))) from exc
    return rows, clock


def _database_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [sqlite3.Error]
    try:
        import psycopg
    except ImportError:  # the postgres extra is not installed
        pass
    else:
        errors.append(psycopg.Error)
    return tuple(errors)


def _sequence_resets() -> tuple[Executable, ...]:
    """PostgreSQL: every ``seq`` sequence moved past the largest key, so new rows do not collide."""
    return tuple(
        text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'seq'), "  # table names from the schema
            f"COALESCE(MAX(seq), 1), MAX(seq) IS NOT NULL) FROM {table.name}"
        )
        for table in metadata.sorted_tables
        if "seq" in table.c
    )


_SEQUENCE_RESETS = _sequence_resets()


def import_state(db: Database, clock: VirtualClock, document: Any) -> None:
    """Replaces the whole database content with the document's rows, in one transaction, and sets the
    clock when the document has one. ``StateError`` when the document or its rows are not acceptable (the
    database is then unchanged)."""
    rows, saved_clock = check_document(document)
    try:
        with db.transaction() as tx:
            admin.replace_all(tx, rows)
            if not db.is_sqlite:
                for statement in _SEQUENCE_RESETS:
                    tx.execute(statement)
    except _database_errors() as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StateError(f"the rows do not fit together: {first_line}") from exc
    if saved_clock is not None:
        restore_clock(clock, saved_clock.now_ms, frozen=saved_clock.frozen)


def restore_clock(clock: VirtualClock, now_ms: int, *, frozen: bool) -> None:
    """Puts the virtual clock at ``now_ms``, frozen there or running on from it."""
    if frozen:
        clock.freeze()
    else:
        clock.unfreeze()
    clock.set(now_ms)


def load_document_file(path: Path) -> Any:
    """A state document from a file: JSON, or YAML when the name ends in ``.yaml``/``.yml``.
    ``StateError`` when it cannot be read or parsed."""
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise StateError(f"cannot read {path}: {exc}") from exc
    if path.suffix.lower() not in {".yaml", ".yml"}:
        try:
            return json.loads(content)
        except ValueError as exc:
            raise StateError(f"{path} is not valid JSON: {exc}") from exc
    import yaml

    try:
        return yaml.safe_load(content)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or " ".join(str(exc).split())
        raise StateError(f"{path} is not valid YAML: {problem}{where}") from exc


# --- routes ----------------------------------------------------------------------------------------------


def build_router(ctx: AppContext) -> APIRouter:
    router = APIRouter(tags=["State"])

    @router.post("/reset", status_code=204, response_class=Response)
    async def reset(body: ResetRequest | None = None) -> Response:
        """Without a body: wipes every room, session, recording, invite, event, webhook and principal,
        rewinds the clock and clears the journal, faults and progression modes (strict-mode credentials
        are loaded again). With `{"tenant": id}`: deletes only that tenant's data; the tenant and its
        principals stay, so its credentials keep working. 404 for an unknown tenant."""
        if body is None:
            ctx.reset()
        else:
            with ctx.db.transaction() as tx:
                admin.wipe_tenant(tx, body.tenant)
        return Response(status_code=204)

    @router.get("/state", response_model=StateDocument, response_model_by_alias=True)
    async def get_state() -> Response:
        """Every table's rows and the virtual clock, as a document `POST /state` (or `omnimeet serve
        --seed FILE`) takes back."""
        document = export_state(ctx.db, ctx.clock)
        return Response(json.dumps(document, ensure_ascii=False), media_type="application/json")

    @router.post(
        "/state",
        status_code=204,
        response_class=Response,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/StateDocument"}}},
            }
        },
    )
    async def put_state(request: Request) -> Response:
        """Replaces all data with the document's (in one transaction) and sets the clock it saved. 400
        when the format, version or schema revision differ, or a table, column or value does not fit."""
        try:
            document = json.loads(await request.body())
        except ValueError as exc:
            raise ControlError(400, "invalid_state", f"the body is not JSON: {exc}") from exc
        try:
            import_state(ctx.db, ctx.clock, document)
        except StateError as exc:
            raise ControlError(400, "invalid_state", str(exc)) from exc
        return Response(status_code=204)

    return router


def start_clock(clock: VirtualClock, settings: Settings) -> None:
    """The clock a process starts with: ``clock_frozen_at_ms`` / ``clock_offset_ms`` (``omnimeet serve
    --seed`` sets them from the seed's clock, so every worker process starts at the same virtual time)."""
    if settings.clock_frozen_at_ms is not None:
        restore_clock(clock, settings.clock_frozen_at_ms, frozen=True)
    elif settings.clock_offset_ms:
        clock.advance(settings.clock_offset_ms)
