"""The state machines, checked over every (from, to) pair of every table."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from itertools import product
from typing import Any

import pytest

from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.states import (
    RECORDING_TRANSITIONS,
    SESSION_TRANSITIONS,
    RecordingStatus,
    SessionStatus,
    check_transition,
)

MACHINES: list[tuple[str, type[StrEnum], Mapping[Any, frozenset[Any]], set[Any]]] = [
    ("session", SessionStatus, SESSION_TRANSITIONS, {SessionStatus.ENDED}),
    (
        "recording",
        RecordingStatus,
        RECORDING_TRANSITIONS,
        {RecordingStatus.READY, RecordingStatus.FAILED},
    ),
]
IDS = [m[0] for m in MACHINES]


@pytest.mark.parametrize(("entity", "status", "table", "terminal"), MACHINES, ids=IDS)
def test_every_status_is_a_key_and_targets_are_statuses(
    entity: str, status: type[StrEnum], table: Mapping[StrEnum, frozenset[StrEnum]], terminal: set[StrEnum]
) -> None:
    assert set(table) == set(status)
    for targets in table.values():
        assert targets <= set(status)


@pytest.mark.parametrize(("entity", "status", "table", "terminal"), MACHINES, ids=IDS)
def test_allowed_pairs_pass_and_all_others_raise(
    entity: str, status: type[StrEnum], table: Mapping[StrEnum, frozenset[StrEnum]], terminal: set[StrEnum]
) -> None:
    allowed = refused = 0
    for current, target in product(status, status):
        if target in table[current]:
            check_transition(table, entity, current, target)
            allowed += 1
            continue
        with pytest.raises(DomainError) as caught:
            check_transition(table, entity, current, target)
        assert caught.value.code is ErrorCode.INVALID_TRANSITION
        assert caught.value.entity == entity
        assert caught.value.details == {"from": current.value, "to": target.value}
        refused += 1
    assert allowed == sum(len(targets) for targets in table.values())
    assert allowed + refused == len(status) ** 2


@pytest.mark.parametrize(("entity", "status", "table", "terminal"), MACHINES, ids=IDS)
def test_terminal_states_have_no_exits_and_only_they(
    entity: str, status: type[StrEnum], table: Mapping[StrEnum, frozenset[StrEnum]], terminal: set[StrEnum]
) -> None:
    assert {s for s, targets in table.items() if not targets} == terminal


@pytest.mark.parametrize(("entity", "status", "table", "terminal"), MACHINES, ids=IDS)
def test_no_status_moves_to_itself(
    entity: str, status: type[StrEnum], table: Mapping[StrEnum, frozenset[StrEnum]], terminal: set[StrEnum]
) -> None:
    assert [s for s, targets in table.items() if s in targets] == []


@pytest.mark.parametrize(("entity", "status", "table", "terminal"), MACHINES, ids=IDS)
def test_every_status_is_reachable_from_the_first(
    entity: str, status: type[StrEnum], table: Mapping[StrEnum, frozenset[StrEnum]], terminal: set[StrEnum]
) -> None:
    start = next(iter(status))
    seen, frontier = {start}, [start]
    while frontier:
        for target in table[frontier.pop()]:
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    assert seen == set(status)


def test_specific_moves() -> None:
    check_transition(SESSION_TRANSITIONS, "session", SessionStatus.SCHEDULED, SessionStatus.ACTIVE)
    check_transition(RECORDING_TRANSITIONS, "recording", RecordingStatus.PAUSED, RecordingStatus.ACTIVE)
    with pytest.raises(DomainError, match="invalid_transition"):
        check_transition(SESSION_TRANSITIONS, "session", SessionStatus.ENDED, SessionStatus.ACTIVE)
    with pytest.raises(DomainError, match="invalid_transition"):
        check_transition(RECORDING_TRANSITIONS, "recording", RecordingStatus.READY, RecordingStatus.ACTIVE)
