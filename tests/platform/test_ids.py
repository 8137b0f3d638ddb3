"""Random ids: formats, and reproducibility with a seed."""

from __future__ import annotations

import re
import string
import uuid

import pytest

from omnimeet.platform.ids import RandomIds

SIZES = [1, 2, 7, 10, 11, 32, 64]


@pytest.fixture(params=[None, 1234], ids=["system", "seeded"])
def ids(request: pytest.FixtureRequest) -> RandomIds:
    return RandomIds(request.param)


@pytest.mark.parametrize("n", SIZES)
def test_digits(ids: RandomIds, n: int) -> None:
    for _ in range(200):
        value = ids.digits(n)
        assert len(value) == n
        assert value.isdigit()
        assert value.isascii()
        assert value[0] != "0"
        assert len(str(int(value))) == n


@pytest.mark.parametrize("n", SIZES)
def test_hex(ids: RandomIds, n: int) -> None:
    for _ in range(200):
        value = ids.hex(n)
        assert re.fullmatch(f"[0-9a-f]{{{n}}}", value), value


@pytest.mark.parametrize("n", SIZES)
def test_alnum(ids: RandomIds, n: int) -> None:
    allowed = set(string.ascii_letters + string.digits)
    for _ in range(200):
        value = ids.alnum(n)
        assert len(value) == n
        assert set(value) <= allowed


@pytest.mark.parametrize("n", [0])
def test_zero_length(ids: RandomIds, n: int) -> None:
    assert (ids.digits(n), ids.hex(n), ids.alnum(n)) == ("", "", "")


def test_uuid4(ids: RandomIds) -> None:
    for _ in range(200):
        value = ids.uuid4()
        parsed = uuid.UUID(value)
        assert str(parsed) == value
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122


def test_values_spread_over_the_alphabet(ids: RandomIds) -> None:
    assert set("".join(ids.hex(32) for _ in range(50))) == set("0123456789abcdef")
    assert set("".join(ids.digits(10)[1:] for _ in range(100))) == set(string.digits)
    assert len({ids.uuid4() for _ in range(1000)}) == 1000


def _sequence(ids: RandomIds) -> list[str]:
    return [ids.digits(10), ids.hex(32), ids.alnum(16), ids.uuid4(), ids.digits(3), ids.hex(5)]


def test_a_seed_reproduces_the_sequence() -> None:
    assert _sequence(RandomIds(7)) == _sequence(RandomIds(7))
    assert _sequence(RandomIds(7)) != _sequence(RandomIds(8))


def test_unseeded_generators_differ() -> None:
    assert _sequence(RandomIds()) != _sequence(RandomIds())
