"""UserService: first login creates, later logins refresh; pages of a tenant's users; search by name and
e-mail, closest first; own settings."""

from __future__ import annotations

import pytest

from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.users import FIND_LIMIT, Identity, User, UserService, levenshtein, session_expiry
from omnimeet.platform.db import Database
from omnimeet.platform.ids import RandomIds
from tests.domain.conftest import NOW_MS, FixedClock, MakePrincipal


@pytest.fixture
def users(clock: FixedClock) -> UserService:
    return UserService(clock, RandomIds(7))


def person(subject: str, first: str, last: str, email: str | None = None) -> Identity:
    return Identity(subject, email or f"{first.lower()}@example.com", first, last)


def sign_up(db: Database, users: UserService, principal: object, *people: Identity) -> list[User]:
    with db.transaction() as tx:
        return [users.login(tx, principal, one) for one in people]  # type: ignore[arg-type]


def test_first_login_creates_later_login_refreshes_idp_fields_and_keeps_own_ones(
    db: Database, users: UserService, clock: FixedClock, make_principal: MakePrincipal
) -> None:
    acme = make_principal("acme", api="opentalk")
    with db.transaction() as tx:
        first = users.login(tx, acme, Identity("s1", "a@example.com", "Alice", "Adams", "Ali"))
        users.update(tx, first, {"display_name": "Captain A", "language": "de"})
    clock.now = NOW_MS + 5_000
    with db.transaction() as tx:
        again = users.login(tx, acme, Identity("s1", "alice@example.org", "Alicia", "Adams", "Other"))
        unrefreshed = users.login(tx, acme, Identity("s1", "ignored@example.org"), refresh=False)
    assert again.public_id == first.public_id == unrefreshed.public_id
    assert (again.email, again.firstname, again.display_name, again.language) == (
        "alice@example.org",
        "Alicia",
        "Captain A",
        "de",
    )
    assert (again.created_at_ms, again.last_login_at_ms) == (NOW_MS, NOW_MS + 5_000)
    assert unrefreshed.email == "alice@example.org"


def test_a_login_sets_the_session_end_an_access_token_keeps_it(
    db: Database, users: UserService, make_principal: MakePrincipal
) -> None:
    acme = make_principal("acme", api="opentalk")
    with db.transaction() as tx:
        plain = users.login(tx, acme, person("s1", "Alice", "Adams"))
        first = users.login(tx, acme, Identity("s2", "b@example.com", session_expires_at_ms=NOW_MS + 60))
        by_token = users.login(tx, acme, Identity("s2", session_expires_at_ms=1), refresh=False)
        users.update(tx, first, {"language": "de"})
        again = users.login(tx, acme, Identity("s2", session_expires_at_ms=NOW_MS + 120))
        unsaid = users.login(tx, acme, Identity("s2"))
    assert (session_expiry(plain), session_expiry(first), session_expiry(by_token)) == (
        None,
        NOW_MS + 60,
        NOW_MS + 60,
    )
    assert (session_expiry(again), session_expiry(unsaid), unsaid.language) == (NOW_MS + 120, None, "de")


def test_page_lists_the_tenants_users_in_sign_up_order_with_the_total(
    db: Database, users: UserService, make_principal: MakePrincipal
) -> None:
    acme = make_principal("acme", api="opentalk")
    other = make_principal("other", api="opentalk")
    made = sign_up(db, users, acme, *(person(f"s{i}", f"F{i}", "L") for i in range(5)))
    sign_up(db, users, other, person("x", "Xavier", "Other"))
    with db.transaction(write=False) as tx:
        first = users.page(tx, acme, 0, 2)
        last = users.page(tx, acme, 4, 2)
        beyond = users.page(tx, acme, 6, 2)
    assert (first[0], [u.public_id for u in first[1]]) == (5, [made[0].public_id, made[1].public_id])
    assert (last[0], [u.public_id for u in last[1]]) == (5, [made[4].public_id])
    assert beyond == (5, [])


def test_search_matches_full_name_or_email_case_insensitively_closest_first(
    db: Database, users: UserService, make_principal: MakePrincipal
) -> None:
    acme = make_principal("acme", api="opentalk")
    other = make_principal("other", api="opentalk")
    anna, hanna, bob, _ = sign_up(
        db,
        users,
        acme,
        person("1", "Annabel", "Smith"),
        person("2", "Hanna", "Jones"),
        person("3", "Bob", "Baker", "bob.anna@example.com"),
        person("4", "Carl", "Clark"),
    )
    sign_up(db, users, other, person("5", "Anna", "Elsewhere"))
    with db.transaction(write=False) as tx:
        by_name = users.search(tx, acme, "  ANNA ")
        by_full_name = users.search(tx, acme, "hanna jo")
        with_percent = users.search(tx, acme, "%smi%")
        underscore = users.search(tx, acme, "_")
        blank = users.search(tx, acme, " % ")
        huge = users.search(tx, acme, "anna" + "z" * 60_000)
    # Distances of "annabel smith", "hanna jones", "bob baker" to "anna": 9, 7, 8.
    assert [u.public_id for u in by_name] == [hanna.public_id, bob.public_id, anna.public_id]
    assert [u.public_id for u in by_full_name] == [hanna.public_id]
    assert [u.public_id for u in with_percent] == [anna.public_id]
    assert (underscore, blank, huge) == ([], [], [])


def test_search_returns_at_most_five(db: Database, users: UserService, make_principal: MakePrincipal) -> None:
    acme = make_principal("acme", api="opentalk")
    made = sign_up(db, users, acme, *(person(f"s{i}", "Sam", "X" * (i + 1)) for i in range(7)))
    with db.transaction(write=False) as tx:
        found = users.search(tx, acme, "sam")
    assert [u.public_id for u in found] == [u.public_id for u in made[:FIND_LIMIT]]


def test_update_changes_own_settings_only(
    db: Database, users: UserService, clock: FixedClock, make_principal: MakePrincipal
) -> None:
    acme = make_principal("acme", api="opentalk")
    (alice,) = sign_up(db, users, acme, person("1", "Alice", "Adams"))
    clock.now = NOW_MS + 1
    with db.transaction() as tx:
        changed = users.update(tx, alice, {"title": "Dr.", "conference_theme": "dark"})
        with pytest.raises(DomainError) as refused:
            users.update(tx, alice, {"email": "x@example.com"})
    with db.transaction(write=False) as tx:
        stored = users.get(tx, acme, alice.public_id)
    assert (stored.title, stored.conference_theme, stored.updated_at_ms) == ("Dr.", "dark", NOW_MS + 1)
    assert changed.title == "Dr."
    assert (refused.value.code, refused.value.details) == (ErrorCode.INVALID, {"field": "email"})


def test_another_tenants_user_is_not_found(
    db: Database, users: UserService, make_principal: MakePrincipal
) -> None:
    acme = make_principal("acme", api="opentalk")
    other = make_principal("other", api="opentalk")
    (xavier,) = sign_up(db, users, other, person("x", "Xavier", "Other"))
    with db.transaction(write=False) as tx:
        assert users.find(tx, acme, xavier.public_id) is None
        assert users.find(tx, other, xavier.public_id) is not None
        with pytest.raises(DomainError) as missing:
            users.get(tx, acme, xavier.public_id)
    assert missing.value.code is ErrorCode.NOT_FOUND


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [("", "", 0), ("anna", "", 4), ("kitten", "sitting", 3), ("hanna jones", "anna", 7), ("abc", "abc", 0)],
)
def test_levenshtein(a: str, b: str, distance: int) -> None:
    assert levenshtein(a, b) == levenshtein(b, a) == distance
