"""ThemeService through a real database transaction."""

from __future__ import annotations

import json

import pytest

from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.rooms import RoomService
from omnimeet.domain.tables import RoomRow, ThemeRow
from omnimeet.domain.tenancy import Principal
from omnimeet.domain.themes import Theme, ThemeService
from omnimeet.platform.db import Database
from tests.domain.conftest import NOW_MS, FixedClock, MakePrincipal, count_rows


@pytest.fixture
def themes(clock: FixedClock) -> ThemeService:
    return ThemeService(clock)


@pytest.fixture
def acme(make_principal: MakePrincipal) -> Principal:
    return make_principal("acme", api="vonage")


@pytest.fixture
def globex(make_principal: MakePrincipal) -> Principal:
    return make_principal("globex", api="vonage")


def _error(db: Database, call: object) -> DomainError:
    assert callable(call)
    with pytest.raises(DomainError) as caught, db.transaction() as tx:
        call(tx)
    return caught.value


def _create(
    db: Database, themes: ThemeService, who: Principal, public_id: str, name: str, **settings: object
) -> Theme:
    with db.transaction() as tx:
        return themes.create(tx, who, public_id, name, settings, unique=("url",))


def test_create_returns_what_is_stored(db: Database, themes: ThemeService, acme: Principal) -> None:
    created = _create(db, themes, acme, "t1", "blue", color="#0000ff")
    assert created == Theme(
        seq=created.seq,
        tenant_id="acme",
        api="vonage",
        public_id="t1",
        name="blue",
        is_default=False,
        settings='{"color": "#0000ff"}',
        created_at_ms=NOW_MS,
        updated_at_ms=NOW_MS,
    )
    with db.transaction(write=False) as tx:
        assert themes.get(tx, acme, "t1") == created
        assert themes.list_themes(tx, acme) == [created]
        assert themes.by_seqs(tx, acme, [created.seq, 999]) == {created.seq: created}
        assert themes.default_theme(tx, acme) is None
    assert created.document() == {"color": "#0000ff"}


def test_get_unknown_and_foreign(
    db: Database, themes: ThemeService, acme: Principal, globex: Principal
) -> None:
    _create(db, themes, acme, "t1", "blue")
    assert _error(db, lambda tx: themes.get(tx, acme, "nope")).code is ErrorCode.NOT_FOUND
    error = _error(db, lambda tx: themes.get(tx, globex, "t1"))
    assert (error.code, error.entity, error.details) == (ErrorCode.OTHER_TENANT, "theme", {"id": "t1"})
    with db.transaction(write=False) as tx:
        assert themes.by_seqs(tx, globex, [1, 2, 3]) == {}
        assert themes.list_themes(tx, globex) == []


def test_names_and_unique_keys_conflict_within_a_tenant(
    db: Database, themes: ThemeService, acme: Principal, globex: Principal
) -> None:
    _create(db, themes, acme, "t1", "blue", url="acme")
    error = _error(db, lambda tx: themes.create(tx, acme, "t2", "blue", {}, unique=("url",)))
    assert (error.code, error.details) == (ErrorCode.CONFLICT, {"field": "name", "value": "blue"})
    error = _error(db, lambda tx: themes.create(tx, acme, "t2", "red", {"url": "acme"}, unique=("url",)))
    assert (error.code, error.details) == (ErrorCode.CONFLICT, {"field": "url", "value": "acme"})
    _create(db, themes, globex, "g1", "blue", url="acme")  # another tenant: free
    _create(db, themes, acme, "t2", "red", url="other")
    error = _error(db, lambda tx: themes.update(tx, acme, "t2", name="blue"))
    assert error.details["field"] == "name"
    error = _error(db, lambda tx: themes.update(tx, acme, "t2", changes={"url": "acme"}, unique=("url",)))
    assert error.details["field"] == "url"


def test_update_merges_settings(
    db: Database, themes: ThemeService, acme: Principal, clock: FixedClock
) -> None:
    _create(db, themes, acme, "t1", "blue", color="#0000ff", url="acme")
    clock.now += 5
    with db.transaction() as tx:
        updated = themes.update(
            tx, acme, "t1", name="navy", changes={"url": "acme", "text": "A"}, unique=("url",)
        )
    assert (updated.name, updated.updated_at_ms) == ("navy", NOW_MS + 5)
    assert json.loads(updated.settings) == {"color": "#0000ff", "url": "acme", "text": "A"}
    with db.transaction(write=False) as tx:
        assert themes.get(tx, acme, "t1") == updated


def test_default_theme(db: Database, themes: ThemeService, acme: Principal, globex: Principal) -> None:
    _create(db, themes, acme, "t1", "blue")
    _create(db, themes, acme, "t2", "red")
    with db.transaction() as tx:
        assert themes.set_default(tx, acme, "t1") is not None
    with db.transaction() as tx:
        chosen = themes.set_default(tx, acme, "t2")
    assert chosen is not None
    assert chosen.is_default
    with db.transaction(write=False) as tx:
        default = themes.default_theme(tx, acme)
        assert default is not None
        assert default.public_id == "t2"
        assert [t.is_default for t in themes.list_themes(tx, acme)] == [False, True]
        assert themes.default_theme(tx, globex) is None
    with db.transaction() as tx:
        assert themes.set_default(tx, acme, None) is None
        assert themes.default_theme(tx, acme) is None


def test_delete_in_use_needs_force(
    db: Database, themes: ThemeService, acme: Principal, clock: FixedClock
) -> None:
    theme = _create(db, themes, acme, "t1", "blue")
    rooms = RoomService(clock)
    with db.transaction() as tx:
        rooms.create(tx, acme, "r1", {"theme_seq": theme.seq})
        rooms.create(tx, acme, "r2", {"theme_seq": theme.seq})
        assert themes.rooms_using(tx, theme) == 2
    error = _error(db, lambda tx: themes.delete(tx, acme, "t1"))
    assert (error.code, error.details) == (
        ErrorCode.CONFLICT,
        {"field": "in_use", "id": "t1", "rooms": 2, "is_default": False},
    )
    with db.transaction() as tx:
        themes.delete(tx, acme, "t1", force=True)
    assert count_rows(db, ThemeRow) == 0
    assert count_rows(db, RoomRow) == 2
    with db.transaction(write=False) as tx:
        assert rooms.get(tx, acme, "r1").theme_seq is None
    _create(db, themes, acme, "t2", "unused")
    with db.transaction() as tx:
        themes.delete(tx, acme, "t2")
    assert count_rows(db, ThemeRow) == 0


def test_force_delete_moves_rooms_to_the_default(
    db: Database, themes: ThemeService, acme: Principal, clock: FixedClock
) -> None:
    doomed = _create(db, themes, acme, "t1", "blue")
    default = _create(db, themes, acme, "t2", "red")
    rooms = RoomService(clock)
    with db.transaction() as tx:
        themes.set_default(tx, acme, "t2")
        rooms.create(tx, acme, "r1", {"theme_seq": doomed.seq})
        rooms.create(tx, acme, "r2", {"theme_seq": default.seq})
    error = _error(db, lambda tx: themes.delete(tx, acme, "t2"))
    assert error.details == {"field": "in_use", "id": "t2", "rooms": 1, "is_default": True}
    with db.transaction() as tx:
        themes.delete(tx, acme, "t1", force=True)
        assert rooms.get(tx, acme, "r1").theme_seq == default.seq
    with db.transaction() as tx:
        themes.delete(tx, acme, "t2", force=True)
        assert rooms.get(tx, acme, "r1").theme_seq is None
        assert rooms.get(tx, acme, "r2").theme_seq is None
        assert themes.default_theme(tx, acme) is None


def test_a_name_taken_by_a_concurrent_create_is_a_conflict(
    db: Database, themes: ThemeService, acme: Principal, monkeypatch: pytest.MonkeyPatch
) -> None:
    _create(db, themes, acme, "t1", "blue")
    # As if another unit of work had inserted the name after this one's check.
    monkeypatch.setattr(themes, "_check_unique", lambda *args: None)
    error = _error(db, lambda tx: themes.create(tx, acme, "t2", "blue", {}))
    assert (error.code, error.details) == (ErrorCode.CONFLICT, {"field": "name", "value": "blue"})
    assert count_rows(db, ThemeRow) == 1
