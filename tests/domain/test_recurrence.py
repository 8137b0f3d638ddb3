"""Recurrence expansion against hand-computed occurrence lists (Europe/Berlin changes to summer time on
2026-03-29 and back on 2026-10-25; America/New_York on 2026-03-08)."""

from __future__ import annotations

from datetime import datetime

import pytest

from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.recurrence import (
    Schedule,
    check,
    instance_id,
    is_occurrence,
    occurrences,
    parse_instance_id,
    series_end_ms,
)

HOUR = 3_600_000


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def ids(schedule: Schedule, *args: int | None, **kwargs: int | None) -> list[str]:
    return [instance_id(start) for start in occurrences(schedule, *args, **kwargs)]  # type: ignore[arg-type]


def berlin(start: str, *pattern: str, hours: int = 1, all_day: bool = False) -> Schedule:
    return Schedule(ms(start), ms(start) + hours * HOUR, "Europe/Berlin", all_day, pattern)


def test_weekly_at_ten_local_moves_an_hour_in_utc_across_spring_forward() -> None:
    # Mondays 10:00 Berlin: 09:00Z in winter time, 08:00Z from 2026-03-29 on.
    weekly = berlin("2026-03-16T09:00:00Z", "RRULE:FREQ=WEEKLY;COUNT=4")
    assert ids(weekly) == ["20260316T090000Z", "20260323T090000Z", "20260330T080000Z", "20260406T080000Z"]
    assert series_end_ms(weekly) == ms("2026-04-06T09:00:00Z")


def test_daily_across_fall_back_keeps_local_time() -> None:
    daily = berlin("2026-10-24T08:00:00Z", "FREQ=DAILY;COUNT=3")
    assert ids(daily) == ["20261024T080000Z", "20261025T090000Z", "20261026T090000Z"]


def test_new_york_changes_on_its_own_date() -> None:
    start = ms("2026-03-07T15:00:00Z")  # 10:00 EST
    daily = Schedule(start, start + HOUR, "America/New_York", False, ("RRULE:FREQ=DAILY;COUNT=2",))
    assert ids(daily) == ["20260307T150000Z", "20260308T140000Z"]


def test_until_local_date_exdate_and_rdate_with_tzid() -> None:
    series = berlin(
        "2026-03-16T09:00:00Z",
        "RRULE:FREQ=WEEKLY;UNTIL=20260406",
        "EXDATE:20260323T090000Z",
        "RDATE;TZID=Europe/Berlin:20260401T150000",
    )
    assert ids(series) == ["20260316T090000Z", "20260330T080000Z", "20260401T130000Z", "20260406T080000Z"]
    assert series_end_ms(series) == ms("2026-04-06T09:00:00Z")


def test_until_in_utc_is_inclusive() -> None:
    series = berlin("2026-12-01T09:00:00Z", "RRULE:FREQ=DAILY;UNTIL=20261203T090000Z")
    assert ids(series) == ["20261201T090000Z", "20261202T090000Z", "20261203T090000Z"]


def test_floating_and_date_exdates_are_local() -> None:
    series = berlin(
        "2026-12-01T09:00:00Z",
        "RRULE:FREQ=DAILY;COUNT=5",
        "EXDATE:20261202T100000",
        "EXDATE;VALUE=DATE:20261204",
    )
    assert ids(series) == ["20261201T090000Z", "20261203T090000Z", "20261205T090000Z"]


def test_exrule_removes_its_occurrences() -> None:
    series = berlin("2026-12-07T09:00:00Z", "RRULE:FREQ=DAILY;COUNT=7", "EXRULE:FREQ=WEEKLY;BYDAY=WE,FR")
    assert ids(series) == [
        "20261207T090000Z",
        "20261208T090000Z",
        "20261210T090000Z",
        "20261212T090000Z",
        "20261213T090000Z",
    ]


def test_rdates_without_a_rule_add_to_the_start() -> None:
    series = berlin("2026-12-01T09:00:00Z", "RDATE:20261203T120000Z,20261205T120000Z")
    assert ids(series) == ["20261201T090000Z", "20261203T120000Z", "20261205T120000Z"]
    assert series_end_ms(series) == ms("2026-12-05T13:00:00Z")


def test_all_day_series_stay_at_midnight_utc_across_dst() -> None:
    series = berlin("2026-03-28T00:00:00Z", "RRULE:FREQ=DAILY;COUNT=3", hours=24, all_day=True)
    assert ids(series) == ["20260328T000000Z", "20260329T000000Z", "20260330T000000Z"]
    assert series_end_ms(series) == ms("2026-03-31T00:00:00Z")


def test_window_selects_overlapping_occurrences() -> None:
    daily = berlin("2026-12-01T09:00:00Z", "RRULE:FREQ=DAILY", hours=2)
    # 2026-12-03 09:00-11:00 overlaps a window starting at 10:00; 12-05 09:00 starts at the upper bound.
    window = (ms("2026-12-03T10:00:00Z"), ms("2026-12-05T09:00:00Z"))
    assert ids(daily, *window) == ["20261203T090000Z", "20261204T090000Z"]
    assert ids(daily, None, None, start_after_ms=ms("2026-12-02T09:00:00Z"), limit=2) == [
        "20261203T090000Z",
        "20261204T090000Z",
    ]
    assert series_end_ms(daily) is None


def test_a_single_event_is_its_one_occurrence() -> None:
    single = berlin("2026-12-01T09:00:00Z")
    assert ids(single) == ["20261201T090000Z"]
    assert ids(single, ms("2026-12-01T10:00:00Z"), None) == []
    assert series_end_ms(single) == ms("2026-12-01T10:00:00Z")
    assert is_occurrence(single, ms("2026-12-01T09:00:00Z"))
    assert not is_occurrence(single, ms("2026-12-02T09:00:00Z"))


def test_instance_ids() -> None:
    assert instance_id(ms("2024-07-05T17:02:42Z")) == "20240705T170242Z"
    assert parse_instance_id("20240705T170242Z") == ms("2024-07-05T17:02:42Z")
    assert parse_instance_id("20220215T180000+0100") == ms("2022-02-15T17:00:00Z")
    for bad in ("20240705T170242", "20241305T170242Z", "2024-07-05T17:02:42Z", "x"):
        assert parse_instance_id(bad) is None


@pytest.mark.parametrize(
    ("pattern", "field"),
    [
        (("DTSTART:20261201T090000Z",), "recurrence_pattern"),
        (("DTEND:20261201T100000Z",), "recurrence_pattern"),
        (("X-FOO:1",), "recurrence_pattern"),
        (("RRULE:FREQ=SOMETIMES",), "recurrence_pattern"),
        (("RRULE:FREQ=DAILY",) * 5, "recurrence_pattern"),
        (("EXDATE:yesterday",), "recurrence_pattern"),
        (("RDATE;TZID=Mars/Olympus:20261201T100000",), "timezone"),
    ],
)
def test_bad_patterns_are_refused(pattern: tuple[str, ...], field: str) -> None:
    with pytest.raises(DomainError) as caught:
        check(berlin("2026-12-01T09:00:00Z", *pattern))
    assert (caught.value.code, caught.value.details["field"]) == (ErrorCode.INVALID, field)


@pytest.mark.parametrize(
    "rule",
    [
        "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
        "RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;COUNT=3",
        "RRULE:FREQ=HOURLY;BYYEARDAY=366;BYMONTHDAY=31;BYMONTH=2",
        "RRULE:FREQ=DAILY;BYMONTH=4;BYMONTHDAY=31;UNTIL=99991231T000000Z",
    ],
)
def test_a_rule_that_never_matches_is_refused(rule: str) -> None:
    # dateutil would search such a rule period by period up to year 9999 on every expansion.
    with pytest.raises(DomainError) as refused:
        check(berlin("2027-03-22T08:00:00Z", rule))
    assert refused.value.code is ErrorCode.INVALID


def test_a_rare_rule_is_kept_and_searched_within_the_horizon() -> None:
    leap_days = berlin("2027-03-22T08:00:00Z", "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29")
    check(leap_days)
    assert ids(leap_days, limit=3) == ["20280229T080000Z", "20320229T080000Z", "20360229T080000Z"]
    # A hundred years of search (to 2127), never to the year 9999: 24 leap days, 2028 to 2124.
    found = ids(leap_days)
    assert (len(found), found[-1]) == (24, "21240229T080000Z")
    assert series_end_ms(leap_days) is None


def test_an_exrule_that_removes_everything_leaves_nothing_in_bounded_time() -> None:
    nothing = berlin("2027-03-22T08:00:00Z", "RRULE:FREQ=DAILY", "EXRULE:FREQ=DAILY")
    check(nothing)
    assert ids(nothing) == []
    assert ids(nothing, ms("2030-01-01T00:00:00Z"), ms("2030-02-01T00:00:00Z")) == []


def test_an_extra_date_at_the_end_of_time_is_refused() -> None:
    with pytest.raises(DomainError):
        check(berlin("2027-03-22T08:00:00Z", "RDATE:99991231T235959Z"))
