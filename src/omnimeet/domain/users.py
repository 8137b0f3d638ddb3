"""People who log in to an API (an OIDC subject or an opaque token): their profile and preferences.

A user belongs to one tenant and one API; ``subject`` identifies them at login, ``public_id`` is the id
clients see. The first login creates the user; later logins refresh what the identity provider says
(e-mail, names) and leave what the user set themselves (display name, language, themes) alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import bindparam, func, or_, select

from omnimeet.domain import tables
from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.ports import Clock, Ids
from omnimeet.domain.store import Row, Tx
from omnimeet.domain.tenancy import Principal

_U = tables.USERS

_LONGEST_MATCH = 2 * 255 + 1
"""No "first last" name (255 characters each) nor e-mail (320) contains a longer text."""
FIND_LIMIT = 5
"""How many users a search returns at most (an autocomplete list)."""


@dataclass(slots=True)
class User:
    """A ``users`` row; fields in column order."""

    seq: int
    tenant_id: str
    api: str
    public_id: str
    subject: str
    email: str | None
    title: str | None
    firstname: str | None
    lastname: str | None
    display_name: str | None
    avatar_url: str | None
    language: str | None
    dashboard_theme: str | None
    conference_theme: str | None
    tariff_status: str | None
    created_at_ms: int
    updated_at_ms: int
    last_login_at_ms: int | None
    settings: str

    @classmethod
    def from_row(cls, row: Row) -> User:
        return cls(*row)


@dataclass(frozen=True, slots=True)
class Identity:
    """What an identity provider says about a person at login (None: it did not say)."""

    subject: str
    email: str | None = None
    firstname: str | None = None
    lastname: str | None = None
    display_name: str | None = None
    avatar_url: str | None = None
    session_expires_at_ms: int | None = None
    """When the session this sign-in starts ends (an id token's expiry); a refreshing login without one
    starts a session without end."""


SESSION_EXPIRY = "session_expires_at_ms"
"""The key in a user's ``settings`` under which the end of their signed-in session is kept."""


def session_expiry(user: User) -> int | None:
    """When the user's session ends (set by a login that said so), or None."""
    if SESSION_EXPIRY not in user.settings:
        return None
    value = json.loads(user.settings).get(SESSION_EXPIRY)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


_COLUMNS = tuple(f.name for f in fields(User))
EDITABLE_USER_FIELDS = frozenset(
    {"title", "display_name", "language", "dashboard_theme", "conference_theme", "avatar_url", "settings"}
)
"""What a user may change about themselves (the rest comes from the identity provider)."""

_BY_SUBJECT = select(_U).where(
    _U.c.tenant_id == bindparam("tenant_id"),
    _U.c.api == bindparam("api"),
    _U.c.subject == bindparam("subject"),
)
_BY_PUBLIC_ID = select(_U).where(_U.c.api == bindparam("api"), _U.c.public_id == bindparam("public_id"))
_BY_PUBLIC_IDS = select(_U).where(
    _U.c.tenant_id == bindparam("tenant_id"),
    _U.c.api == bindparam("api"),
    _U.c.public_id.in_(bindparam("public_ids", expanding=True)),
)
_OF_TENANT = (_U.c.tenant_id == bindparam("tenant_id"), _U.c.api == bindparam("api"))
_PAGE = select(_U).where(*_OF_TENANT).order_by(_U.c.seq).limit(bindparam("limit")).offset(bindparam("offset"))
_COUNT = select(func.count()).select_from(_U).where(*_OF_TENANT)
_FULL_NAME = func.lower(func.coalesce(_U.c.firstname, "") + " " + func.coalesce(_U.c.lastname, ""))
_SEARCH = (
    select(_U)
    .where(
        *_OF_TENANT,
        or_(
            _FULL_NAME.like(bindparam("pattern"), escape="\\"),
            func.lower(func.coalesce(_U.c.email, "")).like(bindparam("pattern"), escape="\\"),
        ),
    )
    .order_by(_U.c.seq)
)


def levenshtein(a: str, b: str) -> int:
    """The edit distance between two texts (insertions, deletions, substitutions)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, left in enumerate(a, 1):
        current = [i]
        for j, right in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (left != right)))
        previous = current
    return previous[-1]


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("_", "\\_")
    return f"%{escaped}%"


def _with_session(settings: str, identity: Identity) -> str:
    """``settings`` with the session end the identity names (none named: no end)."""
    if identity.session_expires_at_ms is None and SESSION_EXPIRY not in settings:
        return settings
    document = json.loads(settings)
    if identity.session_expires_at_ms is None:
        document.pop(SESSION_EXPIRY, None)
    else:
        document[SESSION_EXPIRY] = identity.session_expires_at_ms
    return json.dumps(document, separators=(",", ":"))


def normal_email(email: str) -> str:
    """An address as stored and compared: trimmed, lower case."""
    return email.strip().lower()


class UserService:
    def __init__(self, clock: Clock, ids: Ids) -> None:
        self.clock = clock
        self.ids = ids

    def by_subject(self, tx: Tx, principal: Principal, subject: str) -> User | None:
        row = tx.fetch_one(
            _BY_SUBJECT, {"tenant_id": principal.tenant_id, "api": principal.api, "subject": subject}
        )
        return User.from_row(row) if row is not None else None

    def login(self, tx: Tx, principal: Principal, identity: Identity, *, refresh: bool = True) -> User:
        """The user behind ``identity``, created on first sight. ``refresh``: update what the identity
        provider says (a login with an id token); False keeps the stored profile (an access token)."""
        now = self.clock.now_ms()
        user = self.by_subject(tx, principal, identity.subject)
        if user is None:
            values: dict[str, Any] = {
                "tenant_id": principal.tenant_id,
                "api": principal.api,
                "public_id": self.ids.uuid4(),
                "subject": identity.subject,
                "email": identity.email,
                "title": None,
                "firstname": identity.firstname,
                "lastname": identity.lastname,
                "display_name": identity.display_name,
                "avatar_url": identity.avatar_url,
                "language": None,
                "dashboard_theme": None,
                "conference_theme": None,
                "tariff_status": None,
                "created_at_ms": now,
                "updated_at_ms": now,
                "last_login_at_ms": now,
                "settings": _with_session("{}", identity) if refresh else "{}",
            }
            # Two first requests of one person may race: the unique (tenant, api, subject) key decides.
            if tx.insert_ignore(_U, values, ("tenant_id", "api", "subject")):
                found = self.by_subject(tx, principal, identity.subject)
                assert found is not None
                return found
            found = self.by_subject(tx, principal, identity.subject)
            assert found is not None
            return found
        if refresh:
            said = {
                "email": identity.email,
                "firstname": identity.firstname,
                "lastname": identity.lastname,
                "avatar_url": identity.avatar_url,
            }
            changes: dict[str, Any] = {key: value for key, value in said.items() if value is not None}
            if user.display_name is None and identity.display_name is not None:
                changes["display_name"] = identity.display_name
            changes["last_login_at_ms"] = now
            settings = _with_session(user.settings, identity)
            if settings != user.settings:
                changes["settings"] = settings
            tx.update(_U, {"seq": user.seq}, changes)
            for key, value in changes.items():
                setattr(user, key, value)
        return user

    def get(self, tx: Tx, principal: Principal, public_id: str) -> User:
        """A user of the principal's tenant, or ``NOT_FOUND`` (another tenant's users do not exist)."""
        user = self.find(tx, principal, public_id)
        if user is None:
            raise DomainError(ErrorCode.NOT_FOUND, "user", id=public_id)
        return user

    def find(self, tx: Tx, principal: Principal, public_id: str) -> User | None:
        if "\x00" in public_id:
            return None
        row = tx.fetch_one(_BY_PUBLIC_ID, {"api": principal.api, "public_id": public_id})
        if row is None or row[1] != principal.tenant_id:
            return None
        return User.from_row(row)

    def many(self, tx: Tx, principal: Principal, public_ids: Iterable[str]) -> dict[str, User]:
        """The tenant's users among ``public_ids``, by id (unknown ids are left out)."""
        wanted = sorted({public_id for public_id in public_ids if "\x00" not in public_id})
        if not wanted:
            return {}
        rows = tx.fetch_all(
            _BY_PUBLIC_IDS, {"tenant_id": principal.tenant_id, "api": principal.api, "public_ids": wanted}
        )
        return {row[3]: User.from_row(row) for row in rows}

    def page(self, tx: Tx, principal: Principal, offset: int, limit: int) -> tuple[int, list[User]]:
        """The tenant's users in the order they came (first sign-in first): the total and one page."""
        params = {"tenant_id": principal.tenant_id, "api": principal.api}
        total = int(tx.fetch_one(_COUNT, params)[0])  # type: ignore[index]
        if offset >= total:
            return total, []
        rows = tx.fetch_all(_PAGE, {**params, "limit": limit, "offset": offset})
        return total, [User.from_row(row) for row in rows]

    def search(self, tx: Tx, principal: Principal, query: str, limit: int = FIND_LIMIT) -> list[User]:
        """Users of the tenant whose "first last" name or e-mail contains ``query`` (case-insensitive; ``%``
        ignored), closest names first (edit distance, then sign-up order); at most ``limit``. A blank query
        finds no one."""
        text = query.replace("%", "").replace("\x00", "").strip().lower()
        if not text or len(text) > _LONGEST_MATCH:
            return []
        rows = tx.fetch_all(
            _SEARCH,
            {"tenant_id": principal.tenant_id, "api": principal.api, "pattern": _like_pattern(text)},
        )
        users = [User.from_row(row) for row in rows]

        def closeness(user: User) -> tuple[int, int]:
            name = f"{user.firstname or ''} {user.lastname or ''}".lower()
            return levenshtein(name, text), user.seq

        return sorted(users, key=closeness)[:limit]

    def update(self, tx: Tx, user: User, changes: Mapping[str, Any]) -> User:
        """Changes a user's own settings (``EDITABLE_USER_FIELDS``)."""
        unknown = set(changes) - EDITABLE_USER_FIELDS
        if unknown:
            raise DomainError(ErrorCode.INVALID, "user", field=sorted(unknown)[0])
        if not changes:
            return user
        values = {**changes, "updated_at_ms": self.clock.now_ms()}
        tx.update(_U, {"seq": user.seq}, values)
        for key, value in values.items():
            setattr(user, key, value)
        return user


assert tuple(column.name for column in _U.columns) == _COLUMNS, "User fields must follow the table"
