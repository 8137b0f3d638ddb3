"""Fault injection: rules that make a vendor route answer an error, slowly, or not at all.

A rule names a vendor and optionally a method and a path glob (matched like the journal's: against the whole
path, ``/telemost/*``, or the path inside the vendor's mount, ``/v1/telemost-api/conferences/*``). The gate
in front of each vendor sub-app (``platform/gate.py``) asks ``FaultRules.take`` for the first rule, in the
order they were added, that matches the request and whose ``probability`` draw hits; that rule alone
applies:

- ``delay_ms`` first waits that long (real time: a slow answer is about the client's timeouts);
- ``drop_connection`` then closes the connection without any HTTP answer;
- else ``status`` and/or ``body`` answer instead of the vendor: a status alone gets the vendor's own error
  answer for it (``VendorPlugin.error_response``), a body (any JSON) is sent as is with the status (500 when
  none is given) and the vendor's standard headers (its request id header, say);
- else (a delay alone) the request goes on to the vendor's route; ``headers`` are added to its answer.

``times`` counts down with every hit and the rule is removed when it reaches 0. A rule with a
``probability`` draws from its own ``random.Random(seed)``, so with a seed the sequence of hits and misses
is the same on every run.

Rules live in process memory (per worker), like the virtual clock; a reset removes them all.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from itertools import count
from typing import Any

from starlette.responses import Response

from omnimeet.platform.journal import PathMatcher, path_matcher
from omnimeet.platform.vendors import VendorPlugin

NO_BODY_STATUSES = frozenset({204, 205, 304})
"""Statuses whose answers never carry a body."""

_ENTITY_HEADERS = frozenset({b"content-length", b"content-type"})


class ConnectionDropped(Exception):  # noqa: N818 (it names what happened, like ConnectionReset)
    """Raised by the gate for a ``drop_connection`` fault when it cannot reach the server's transport to
    abort it (an in-process ASGI client): the caller then sees a failure rather than an answer."""


@dataclass(eq=False)
class FaultRule:
    id: int
    vendor: str
    method: str | None = None
    path: str | None = None
    status: int | None = None
    body: Any = None
    has_body: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    delay_ms: int = 0
    times: int | None = None
    probability: float | None = None
    seed: int | None = None
    drop_connection: bool = False
    remaining: int | None = None
    hits: int = 0
    _matches: PathMatcher | None = field(default=None, repr=False)
    _random: random.Random | None = field(default=None, repr=False)
    _raw_headers: list[tuple[bytes, bytes]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.remaining = self.times
        if self.path is not None:
            self._matches = path_matcher(self.path)
        if self.probability is not None:
            self._random = random.Random(self.seed)
        self._raw_headers = [
            (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in self.headers.items()
        ]

    @property
    def answers(self) -> bool:
        """Whether the rule answers in place of the vendor (rather than only delaying it)."""
        return self.status is not None or self.has_body

    @property
    def raw_headers(self) -> list[tuple[bytes, bytes]]:
        """``headers`` as ASGI header pairs (to add to a passed-through answer)."""
        return self._raw_headers

    def matches(self, vendor: str, method: str, path: str, mount: int) -> bool:
        if vendor != self.vendor or (self.method is not None and method != self.method):
            return False
        return self._matches is None or self._matches(path, path[mount:])

    def draw(self) -> bool:
        """Whether this matching request is hit (always, without a probability)."""
        return self._random is None or self._random.random() < (self.probability or 0.0)

    def response(self, plugin: VendorPlugin) -> Response:
        """The answer in place of the vendor's (for a rule that ``answers``)."""
        status = self.status if self.status is not None else 500
        vendor = plugin.error_response(status)
        response = vendor
        if status in NO_BODY_STATUSES or self.has_body:
            if status in NO_BODY_STATUSES:
                response = Response(status_code=status)
            else:
                content = json.dumps(self.body, ensure_ascii=False, separators=(",", ":")).encode()
                response = Response(content, status_code=status, media_type="application/json")
            # The vendor's standard headers (its request id, say), without its body's.
            response.raw_headers += [(n, v) for n, v in vendor.raw_headers if n not in _ENTITY_HEADERS]
        if self._raw_headers:
            extra = {name for name, _ in self._raw_headers}
            response.raw_headers = [(n, v) for n, v in response.raw_headers if n not in extra]
            response.raw_headers += self._raw_headers
        return response

    def describe(self) -> dict[str, Any]:
        """The rule as the control API shows it."""
        return {
            "id": self.id,
            "vendor": self.vendor,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "body": self.body,
            "headers": dict(self.headers),
            "delay_ms": self.delay_ms,
            "times": self.times,
            "remaining": self.remaining,
            "probability": self.probability,
            "seed": self.seed,
            "drop_connection": self.drop_connection,
            "hits": self.hits,
        }


class FaultRules:
    """The rules in force. ``rules`` is an empty (falsy) list when there are none: the gate's whole cost."""

    def __init__(self) -> None:
        self.rules: list[FaultRule] = []
        self._ids = count(1)

    def add(self, vendor: str, **options: Any) -> FaultRule:
        """A new rule (``FaultRule``'s fields as keywords), applied after those already present."""
        rule = FaultRule(next(self._ids), vendor, **options)
        self.rules = [*self.rules, rule]
        return rule

    def get(self, rule_id: int) -> FaultRule | None:
        return next((rule for rule in self.rules if rule.id == rule_id), None)

    def remove(self, rule_id: int) -> bool:
        kept = [rule for rule in self.rules if rule.id != rule_id]
        removed = len(kept) != len(self.rules)
        self.rules = kept
        return removed

    def clear(self) -> None:
        self.rules = []

    def take(self, vendor: str, method: str, path: str, mount: int) -> FaultRule | None:
        """The rule to apply to this request, counted as a hit (and removed once its ``times`` are used
        up), or None. ``path[mount:]`` is the path inside the vendor's mount."""
        for rule in self.rules:
            if not rule.matches(vendor, method, path, mount) or not rule.draw():
                continue
            rule.hits += 1
            if rule.remaining is not None:
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self.rules = [kept for kept in self.rules if kept is not rule]
            return rule
        return None
