"""Themes: named looks for rooms (colours, texts, logos), one of which may be a tenant's default.

A theme's vendor-specific fields live in its ``settings`` JSON document; the service only knows its name,
its default flag and which settings keys must be unique within the tenant (``unique`` arguments).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, select

from omnimeet.domain import tables
from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.ports import Clock
from omnimeet.domain.store import Tx
from omnimeet.domain.tenancy import Principal

_T = tables.THEMES
_R = tables.ROOMS


@dataclass(slots=True)
class Theme:
    """A ``themes`` row; fields in column order."""

    seq: int
    tenant_id: str
    api: str
    public_id: str
    name: str
    is_default: bool
    settings: str
    created_at_ms: int
    updated_at_ms: int

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> Theme:
        theme = cls(*row)
        theme.is_default = bool(theme.is_default)
        return theme

    def document(self) -> dict[str, Any]:
        """The settings document, parsed."""
        loaded = json.loads(self.settings or "{}")
        return loaded if isinstance(loaded, dict) else {}


_BY_PUBLIC_ID = select(_T).where(_T.c.api == bindparam("api"), _T.c.public_id == bindparam("public_id"))
_OF_TENANT = (
    select(_T)
    .where(_T.c.tenant_id == bindparam("tenant_id"), _T.c.api == bindparam("api"))
    .order_by(_T.c.seq)
)
_DEFAULT = (
    select(_T)
    .where(_T.c.tenant_id == bindparam("tenant_id"), _T.c.api == bindparam("api"), _T.c.is_default.is_(True))
    .order_by(_T.c.seq)
    .limit(1)
)
_ROOMS_USING = select(func.count()).select_from(_R).where(_R.c.theme_seq == bindparam("theme_seq"))


class ThemeService:
    """Creates, reads, changes and deletes themes within the caller's tenant."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    # --- reads ---------------------------------------------------------------------------------------------

    def get(self, tx: Tx, principal: Principal, public_id: str) -> Theme:
        """The theme with this id in the principal's API; another tenant's theme is ``OTHER_TENANT``."""
        # No stored id holds U+0000 (PostgreSQL text cannot): do not ask the database.
        row = (
            None
            if "\x00" in public_id
            else tx.fetch_one(_BY_PUBLIC_ID, {"api": principal.api, "public_id": public_id})
        )
        if row is None:
            raise DomainError(ErrorCode.NOT_FOUND, "theme", id=public_id)
        theme = Theme.from_row(row)
        if theme.tenant_id != principal.tenant_id:
            raise DomainError(ErrorCode.OTHER_TENANT, "theme", id=public_id)
        return theme

    def by_seqs(self, tx: Tx, principal: Principal, seqs: Iterable[int]) -> dict[int, Theme]:
        """The principal's themes among ``seqs``, by seq (unknown or foreign seqs are left out)."""
        wanted = {seq for seq in seqs if seq is not None}
        if not wanted:
            return {}
        # A tenant has few themes: one query for all of them beats a statement per set of seqs.
        return {theme.seq: theme for theme in self.list_themes(tx, principal) if theme.seq in wanted}

    def list_themes(self, tx: Tx, principal: Principal) -> list[Theme]:
        """Every theme of the principal's tenant in its API, oldest first."""
        rows = tx.fetch_all(_OF_TENANT, {"tenant_id": principal.tenant_id, "api": principal.api})
        return [Theme.from_row(row) for row in rows]

    def default_theme(self, tx: Tx, principal: Principal) -> Theme | None:
        """The tenant's default theme in its API, if one is set."""
        row = tx.fetch_one(_DEFAULT, {"tenant_id": principal.tenant_id, "api": principal.api})
        return None if row is None else Theme.from_row(row)

    def rooms_using(self, tx: Tx, theme: Theme) -> int:
        """How many rooms have this theme."""
        row = tx.fetch_one(_ROOMS_USING, {"theme_seq": theme.seq})
        return int(row[0]) if row else 0

    # --- changes -------------------------------------------------------------------------------------------

    def create(
        self,
        tx: Tx,
        principal: Principal,
        public_id: str,
        name: str,
        settings: Mapping[str, Any],
        unique: Iterable[str] = (),
    ) -> Theme:
        """Creates a theme. A name already used in the tenant is ``CONFLICT`` (``field='name'``), as is a
        value of a ``unique`` settings key that another theme of the tenant has (``field=<key>``)."""
        self._check_unique(tx, principal, None, name, settings, unique)
        now = self.clock.now_ms()
        values: dict[str, Any] = {
            "tenant_id": principal.tenant_id,
            "api": principal.api,
            "public_id": public_id,
            "name": name,
            "is_default": False,
            "settings": json.dumps(dict(settings)),
            "created_at_ms": now,
            "updated_at_ms": now,
        }
        # A concurrent create of the same name loses here rather than on the unique constraint.
        if not tx.insert_ignore(_T, values, conflict=("tenant_id", "api", "name")):
            raise DomainError(ErrorCode.CONFLICT, "theme", field="name", value=name)
        return self.get(tx, principal, public_id)

    def update(
        self,
        tx: Tx,
        principal: Principal,
        public_id: str,
        name: str | None = None,
        changes: Mapping[str, Any] | None = None,
        unique: Iterable[str] = (),
    ) -> Theme:
        """Renames the theme (when ``name`` is given) and merges ``changes`` into its settings; the same
        uniqueness rules as ``create``."""
        theme = self.get(tx, principal, public_id)
        document = theme.document()
        document.update(changes or {})
        new_name = theme.name if name is None else name
        self._check_unique(tx, principal, theme.seq, new_name, changes or {}, unique)
        now = self.clock.now_ms()
        encoded = json.dumps(document)
        tx.update(_T, {"seq": theme.seq}, {"name": new_name, "settings": encoded, "updated_at_ms": now})
        theme.name = new_name
        theme.settings = encoded
        theme.updated_at_ms = now
        return theme

    def delete(self, tx: Tx, principal: Principal, public_id: str, force: bool = False) -> Theme:
        """Deletes the theme. While rooms use it or it is the default, that is ``CONFLICT``
        (``field='in_use'``, ``rooms=<n>``, ``is_default=<bool>``) unless ``force``: then its rooms get the
        tenant's default theme (none when the deleted theme was the default)."""
        theme = self.get(tx, principal, public_id)
        in_use = self.rooms_using(tx, theme)
        if (in_use or theme.is_default) and not force:
            raise DomainError(
                ErrorCode.CONFLICT,
                "theme",
                field="in_use",
                id=public_id,
                rooms=in_use,
                is_default=theme.is_default,
            )
        if in_use:
            default = None if theme.is_default else self.default_theme(tx, principal)
            fallback = None if default is None else default.seq
            tx.update(_R, {"theme_seq": theme.seq}, {"theme_seq": fallback})
        tx.delete(_T, {"seq": theme.seq})
        return theme

    def set_default(self, tx: Tx, principal: Principal, public_id: str | None) -> Theme | None:
        """Makes the theme the tenant's default (``None``: no default); returns it."""
        theme = None if public_id is None else self.get(tx, principal, public_id)
        current = self.default_theme(tx, principal)
        if current is not None and (theme is None or current.seq != theme.seq):
            tx.update(_T, {"seq": current.seq}, {"is_default": False})
        if theme is not None and not theme.is_default:
            tx.update(_T, {"seq": theme.seq}, {"is_default": True})
            theme.is_default = True
        return theme

    def _check_unique(
        self,
        tx: Tx,
        principal: Principal,
        own_seq: int | None,
        name: str,
        settings: Mapping[str, Any],
        unique: Iterable[str],
    ) -> None:
        others = [theme for theme in self.list_themes(tx, principal) if theme.seq != own_seq]
        if any(theme.name == name for theme in others):
            raise DomainError(ErrorCode.CONFLICT, "theme", field="name", value=name)
        for key in unique:
            value = settings.get(key)
            if value is None:
                continue
            if any(theme.document().get(key) == value for theme in others):
                raise DomainError(ErrorCode.CONFLICT, "theme", field=key, value=value)
