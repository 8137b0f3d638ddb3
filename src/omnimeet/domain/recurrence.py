"""Recurring schedules: RFC 5545 recurrence lines (RRULE, RDATE, EXRULE, EXDATE) expanded in a time zone.

- A series starts at ``starts_at_ms`` (the first occurrence, UTC) and each occurrence lasts as long as the
  first (``ends_at_ms - starts_at_ms``). ``DTSTART``/``DTEND`` lines are refused: the start is the series'.
- Timed series expand on the wall clock of their IANA zone: a weekly 10:00 Europe/Berlin series stays at
  10:00 local across a daylight-saving change, so its UTC time moves by an hour.
- All-day series (start at midnight UTC, as the clients send them) expand in UTC, day by day.
- An ``RRULE`` line may omit its ``RRULE:`` name (``FREQ=WEEKLY;BYDAY=MO``). ``RDATE``/``EXDATE`` values
  may be UTC (``...Z``), local to a ``TZID`` parameter, floating (the series' zone) or dates
  (``VALUE=DATE``: the series' start time on that day). An ``UNTIL`` without ``Z`` is read in the series'
  zone; a date ``UNTIL`` includes that whole day.
- An occurrence is named by its original UTC start: ``20240705T170242Z`` (``instance_id``).
"""

from __future__ import annotations

import functools
import heapq
import re
import types
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import rrule as dateutil_rrule
from dateutil.rrule import rrule, rrulestr

from omnimeet.domain.errors import DomainError, ErrorCode

MAX_LINES = 4
MAX_LINE_LENGTH = 1024
ALLOWED = ("RRULE", "RDATE", "EXRULE", "EXDATE")
MAX_OCCURRENCES = 10_000
"""Expansion stops after this many occurrences (a guard for never-ending rules without a window)."""
HORIZON_YEARS = 100
"""No rule is searched further than this many years past the series' start (dateutil would go on to year
9999, period by period, for a rule that never matches: February 30th)."""
FIRST_WITHIN_YEARS = 10
"""An open-ended rule must have an occurrence this soon after the start, or it is refused."""
MAX_STEPS = 100_000
"""Expansion gives up after this many candidate times, included or excluded (an ``EXRULE`` that removes
every occurrence of its ``RRULE`` would otherwise never yield)."""

FIELD = "recurrence_pattern"
_NAME = re.compile(r"^([A-Za-z-]+)([;:])")
_INSTANCE_ID = re.compile(r"^(\d{8})T(\d{6})(Z|[+-]\d{4})$")
_UNTIL = re.compile(r"UNTIL=([0-9TZ]+)", re.IGNORECASE)


def _invalid(field: str = FIELD, **details: object) -> DomainError:
    return DomainError(ErrorCode.INVALID, "event", field=field, **details)


def zone(name: str) -> tzinfo:
    """The IANA zone ``name``; ``INVALID`` (field ``timezone``) when there is none by that name."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise _invalid("timezone", value=name) from None


def instance_id(start_ms: int) -> str:
    """An occurrence's id: its original start in UTC as ``YYYYMMDDTHHMMSSZ``."""
    moment = datetime.fromtimestamp(start_ms // 1000, UTC)
    if moment.year < 1000:  # as strftime writes it here (the year unpadded)
        return moment.strftime("%Y%m%dT%H%M%SZ")
    # By hand: strftime is several times slower, and a page of occurrences names each one.
    fields = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
    return "%04d%02d%02dT%02d%02d%02dZ" % fields  # noqa: UP031 (faster than an f-string here)


def parse_instance_id(value: str) -> int | None:
    """The UTC start (ms) an instance id names (``...Z``, or with an offset: ``20220215T180000+0100``), or
    None when it is not one."""
    match = _INSTANCE_ID.match(value)
    if match is None:
        return None
    offset = "+0000" if match.group(3) == "Z" else match.group(3)
    try:
        moment = datetime.strptime(match.group(1) + match.group(2) + offset, "%Y%m%d%H%M%S%z")
    except ValueError:
        return None
    return int(moment.timestamp()) * 1000


@dataclass(frozen=True, slots=True)
class Line:
    """One recurrence line split into its name (``RRULE`` ...), parameters and value."""

    name: str
    params: dict[str, str]
    value: str


def split_line(text: str) -> Line:
    """Parses one line; ``INVALID`` when it is not an allowed recurrence property."""
    text = text.strip()
    if len(text) > MAX_LINE_LENGTH or not text:
        raise _invalid(line=text)
    match = _NAME.match(text)
    if match is None or (match.group(1).upper() not in ALLOWED and "=" in text[: match.end()]):
        if text.upper().startswith("FREQ="):
            return Line("RRULE", {}, text)
        raise _invalid(line=text)
    name = match.group(1).upper()
    if name not in ALLOWED:
        raise _invalid(line=text)
    head, sep, value = text.partition(":")
    if not sep or not value:
        raise _invalid(line=text)
    params: dict[str, str] = {}
    for part in head.split(";")[1:]:
        key, eq, param = part.partition("=")
        if not eq:
            raise _invalid(line=text)
        params[key.upper()] = param
    return Line(name, params, value)


def check_pattern(lines: Sequence[str]) -> list[Line]:
    """The parsed lines of a pattern: 1-4 allowed lines, or ``INVALID`` (field ``recurrence_pattern``)."""
    if len(lines) > MAX_LINES:
        raise _invalid(count=len(lines))
    return [split_line(text) for text in lines]


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a series happens: its first occurrence, zone, kind and recurrence lines (may be empty)."""

    starts_at_ms: int
    ends_at_ms: int
    timezone: str
    is_all_day: bool = False
    pattern: tuple[str, ...] = ()

    @property
    def duration_ms(self) -> int:
        return self.ends_at_ms - self.starts_at_ms

    @property
    def is_recurring(self) -> bool:
        return bool(self.pattern)


def _dt(ms: int, where: tzinfo) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(where)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _parse_moment(value: str, where: tzinfo, start: datetime, is_date: bool) -> datetime:
    value = value.strip()
    try:
        if is_date or len(value) == 8:
            day = datetime.strptime(value, "%Y%m%d")
            return datetime.combine(day.date(), start.timetz().replace(tzinfo=None), where)
        if value.upper().endswith("Z"):
            return datetime.strptime(value[:-1], "%Y%m%dT%H%M%S").replace(tzinfo=UTC).astimezone(where)
        return datetime.strptime(value, "%Y%m%dT%H%M%S").replace(tzinfo=where)
    except (ValueError, OverflowError):
        raise _invalid(value=value) from None


def _moments(line: Line, where: tzinfo, start: datetime) -> list[datetime]:
    local = where
    if "TZID" in line.params:
        local = zone(line.params["TZID"])
    is_date = line.params.get("VALUE", "").upper() == "DATE"
    moments = []
    for value in line.value.split(","):
        moment = _parse_moment(value, local, start.astimezone(local), is_date)
        try:
            moments.append(moment.astimezone(where))
        except OverflowError:  # within a day of year 1 or 9999 (in one of the two zones)
            raise _invalid(value=value) from None
    return moments


def _utc_until(rule: str, where: tzinfo) -> str:
    """The rule with its ``UNTIL`` in UTC (dateutil wants that with a zoned start)."""

    def fix(match: re.Match[str]) -> str:
        value = match.group(1).upper()
        if value.endswith("Z"):
            return match.group(0)
        try:
            if len(value) == 8:
                moment = datetime.combine(datetime.strptime(value, "%Y%m%d").date(), time.max, where)
            else:
                moment = datetime.strptime(value, "%Y%m%dT%H%M%S").replace(tzinfo=where)
        except ValueError:
            raise _invalid(value=value) from None
        return "UNTIL=" + moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    return _UNTIL.sub(fix, rule)


def _rule(line: Line, where: tzinfo, start: datetime) -> rrule:
    try:
        parsed = rrulestr(_utc_until(line.value, where), dtstart=start)
    except (ValueError, TypeError, KeyError, IndexError):
        raise _invalid(line=line.value) from None
    if not isinstance(parsed, rrule):
        raise _invalid(line=line.value)
    return parsed


@dataclass
class Expansion:
    """A schedule's rules and dates, iterated as zoned start times in order: the included rules and dates
    merged, minus the excluded ones, within ``HORIZON_YEARS`` and ``MAX_STEPS``."""

    start: datetime
    rules: list[rrule] = field(default_factory=list)
    dates: list[datetime] = field(default_factory=list)
    exrules: list[rrule] = field(default_factory=list)
    exdates: list[datetime] = field(default_factory=list)

    def __iter__(self) -> Iterator[datetime]:
        last_year = min(self.start.year + HORIZON_YEARS, datetime.max.year)
        included = heapq.merge(*(_bounded(rule, last_year) for rule in self.rules), iter(sorted(self.dates)))
        excluded = heapq.merge(
            *(_bounded(rule, last_year) for rule in self.exrules), iter(sorted(self.exdates))
        )
        steps = 0
        next_excluded = next(excluded, None)
        previous: datetime | None = None
        for moment in included:
            steps += 1
            while next_excluded is not None and next_excluded < moment and steps <= MAX_STEPS:
                next_excluded = next(excluded, None)
                steps += 1
            if steps > MAX_STEPS:
                return
            if moment in (previous, next_excluded):
                continue
            previous = moment
            yield moment


class _SearchedTooFarError(Exception):
    """A rule's search passed its last year without an occurrence."""


_DaySet = tuple[Iterable[int | None], int, int]


class _YearBoundIterinfo(dateutil_rrule._iterinfo):
    """dateutil's per-period helper of one rule iteration, refusing periods after ``last_year``: its
    ``UNTIL`` stops only an iteration that still finds occurrences."""

    last_year = datetime.max.year

    def _check(self, year: int) -> None:
        if year > self.last_year:
            raise _SearchedTooFarError

    def ydayset(self, year: int, month: int, day: int) -> _DaySet:
        self._check(year)
        return super().ydayset(year, month, day)

    def mdayset(self, year: int, month: int, day: int) -> _DaySet:
        self._check(year)
        return super().mdayset(year, month, day)

    def wdayset(self, year: int, month: int, day: int) -> _DaySet:
        self._check(year)
        return super().wdayset(year, month, day)

    def ddayset(self, year: int, month: int, day: int) -> _DaySet:
        self._check(year)
        return super().ddayset(year, month, day)


@functools.lru_cache(maxsize=256)
def _bounded_iter(last_year: int) -> types.FunctionType:
    """dateutil's ``rrule._iter`` with globals whose period helper stops after ``last_year``. Made once per
    year: a class made per expansion is garbage only the cyclic collector frees (a class refers to
    itself), and a page of occurrences per request made the collector run, up to its oldest generation,
    in the middle of requests."""
    iterate = rrule._iter  # type: ignore[attr-defined]
    helper = type("_Iterinfo", (_YearBoundIterinfo,), {"last_year": last_year})
    return types.FunctionType(
        iterate.__code__,
        {**iterate.__globals__, "_iterinfo": helper},
        iterate.__name__,
        iterate.__defaults__,
        iterate.__closure__,
    )


def _bounded(rule: rrule, last_year: int) -> Iterator[datetime]:
    """The rule's occurrences in years up to ``last_year``: dateutil's own iteration, run with a period
    helper that stops it there (the same code, other globals)."""
    bounded_iter = _bounded_iter(last_year)
    try:
        yield from bounded_iter(rule)
    except _SearchedTooFarError:
        return


def build(schedule: Schedule) -> Expansion:
    """The schedule's expansion into zoned start times (without a rule: its start plus the extra dates)."""
    where: tzinfo = UTC if schedule.is_all_day else zone(schedule.timezone)
    start = _dt(schedule.starts_at_ms, where)
    expansion = Expansion(start)
    for line in check_pattern(schedule.pattern):
        if line.name == "RRULE":
            expansion.rules.append(_rule(line, where, start))
        elif line.name == "EXRULE":
            expansion.exrules.append(_rule(line, where, start))
        elif line.name == "RDATE":
            expansion.dates.extend(_moments(line, where, start))
        else:
            expansion.exdates.extend(_moments(line, where, start))
    if not expansion.rules:
        # Without a rule the series is its start plus the extra dates (RFC 5545: DTSTART always counts).
        expansion.dates.append(start)
    return expansion


def check(schedule: Schedule) -> None:
    """``INVALID`` when the schedule cannot be expanded (bad zone, bad lines) or has an open-ended rule
    without an occurrence in its first ``FIRST_WITHIN_YEARS``."""
    if schedule.ends_at_ms < schedule.starts_at_ms:
        raise _invalid("ends_at")
    expansion = build(schedule)
    soon = expansion.start.year + FIRST_WITHIN_YEARS
    try:
        for rule in expansion.rules:
            until: datetime | None = getattr(rule, "_until", None)
            if until is not None and until.year <= soon:
                continue  # ends soon: whatever it matches
            if next(_bounded(rule, soon), None) is None:
                raise _invalid(line="no occurrence soon")
        next(iter(expansion), None)
    except (ValueError, TypeError):
        raise _invalid() from None


def occurrences(
    schedule: Schedule,
    time_min_ms: int | None = None,
    time_max_ms: int | None = None,
    *,
    start_after_ms: int | None = None,
    limit: int | None = None,
) -> Iterator[int]:
    """Original start times (ms, ascending) of the occurrences that overlap ``[time_min, time_max)``:
    those ending after ``time_min`` and starting before ``time_max``. ``start_after_ms``: only those that
    start later (a cursor). ``limit``: at most that many."""
    if not schedule.is_recurring:
        candidates: Iterator[int] = iter([schedule.starts_at_ms])
    else:
        candidates = (_ms(moment) for moment in build(schedule))
    count = 0
    duration = schedule.duration_ms
    for seen, start in enumerate(candidates):
        if seen >= MAX_OCCURRENCES or (limit is not None and count >= limit):
            return
        if time_max_ms is not None and start >= time_max_ms:
            return
        if time_min_ms is not None and start + max(duration, 0) <= time_min_ms and start < time_min_ms:
            continue
        if start_after_ms is not None and start <= start_after_ms:
            continue
        count += 1
        yield start


PAGE_CACHE_SIZE = 256
"""Pages of occurrences kept (``page_starts``): each at most ``PAGE_CACHE_MAX`` starts and its key."""
PAGE_CACHE_MAX = 1000


def page_starts(
    schedule: Schedule,
    time_min_ms: int | None,
    time_max_ms: int | None,
    start_after_ms: int | None,
    limit: int,
) -> tuple[int, ...]:
    """``occurrences`` as a tuple, remembered for the latest ``PAGE_CACHE_SIZE`` pages asked for: the
    answer depends on nothing but the arguments (a changed event is another schedule), and expanding a
    rule with dateutil costs more than mapping the page it yields."""
    if limit > PAGE_CACHE_MAX:
        return _page(schedule, time_min_ms, time_max_ms, start_after_ms, limit)
    return _cached_page(schedule, time_min_ms, time_max_ms, start_after_ms, limit)


def _page(
    schedule: Schedule,
    time_min_ms: int | None,
    time_max_ms: int | None,
    start_after_ms: int | None,
    limit: int,
) -> tuple[int, ...]:
    return tuple(occurrences(schedule, time_min_ms, time_max_ms, start_after_ms=start_after_ms, limit=limit))


_cached_page = functools.lru_cache(maxsize=PAGE_CACHE_SIZE)(_page)


def is_occurrence(schedule: Schedule, start_ms: int) -> bool:
    """Whether the series has an occurrence starting exactly at ``start_ms``."""
    return any(start == start_ms for start in occurrences(schedule, start_ms, start_ms + 1))


def series_end_ms(schedule: Schedule) -> int | None:
    """When the last occurrence ends; None when the series never ends (or is too long to count)."""
    if not schedule.is_recurring:
        return schedule.ends_at_ms
    rules = build(schedule)
    for line in check_pattern(schedule.pattern):
        terms = {term.split("=", 1)[0].upper() for term in line.value.split(";")}
        if line.name == "RRULE" and not terms & {"COUNT", "UNTIL"}:
            return None
    last: datetime | None = None
    for seen, moment in enumerate(rules):
        if seen >= MAX_OCCURRENCES:
            return None
        last = moment
    if last is None:
        return schedule.ends_at_ms
    return _ms(last) + schedule.duration_ms
