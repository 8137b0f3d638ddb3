"""The request journal: every vendor request and its answer, in a bounded in-memory ring.

``vendor_gate`` (``platform/gate.py``) records one ``Entry`` per HTTP request to a vendor sub-app, answered
by the vendor or by an injected fault. The ring is a ``deque(maxlen=size)``: memory stays flat under any
load, the oldest entries go first. ``size`` 0 turns the journal off (nothing is captured at all).

Entries are small immutable tuples holding what the gate saw, raw: header lists, the first ``body_bytes``
bytes of each body. Masking secrets, decoding bodies and building dicts happen only when an entry is read
(``render``), not on the request's hot path.

The journal lives in process memory, like the virtual clock: with several workers each keeps its own, and a
reset (or ``DELETE /_omnimeet/requests``) empties it. Entry ids keep increasing across a clear, so polling
with ``since=<last id>`` never misses a new entry.
"""

from __future__ import annotations

import codecs
import fnmatch
import re
from collections import deque
from collections.abc import Callable, Iterator
from itertools import count
from typing import Any, NamedTuple

from omnimeet.platform.clock import iso_ms

Headers = tuple[tuple[bytes, bytes], ...]

SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "x-api-key", "cookie", "set-cookie"})
"""Headers whose value the journal shows only as a short prefix (``OAuth tok…``)."""


class Entry(NamedTuple):
    id: int
    at_ms: int
    """Virtual-clock time the request arrived."""
    vendor: str
    tenant: str | None
    """The tenant the vendor's auth filed the request under (None: auth failed or never ran)."""
    method: str
    path: str
    """The whole path as the client sent it, mount prefix included (``/telemost/v1/telemost-api/...``)."""
    mount: int
    """Length of the mount prefix in ``path``: ``path[mount:]`` is the path inside the vendor's sub-app."""
    query: bytes
    status: int | None
    """The answer's status; None when no answer was sent (a dropped connection)."""
    duration_ms: float
    request_headers: Headers
    request_body: bytes
    request_truncated: bool
    response_headers: Headers
    response_body: bytes
    response_truncated: bool

    @property
    def inner_path(self) -> str:
        return self.path[self.mount :]


PathMatcher = Callable[[str, str], bool]


def path_matcher(glob: str) -> PathMatcher:
    """``matches(full_path, inner_path)``: whether a path glob (``fnmatch``, case-sensitive, ``*`` also
    crosses ``/``) matches the full path (``/telemost/*``) or the path inside the vendor's mount
    (``/v1/telemost-api/conferences/*``)."""
    match = re.compile(fnmatch.translate(glob)).match

    def matches(full: str, inner: str) -> bool:
        return match(full) is not None or match(inner) is not None

    return matches


class Journal:
    """The ring of entries. ``enabled`` is False (and nothing is recorded) when ``size`` is 0."""

    def __init__(self, size: int, body_bytes: int) -> None:
        self.size = size
        self.body_bytes = body_bytes
        self.enabled = size > 0
        self._entries: deque[Entry] = deque(maxlen=max(size, 0))
        self._ids = count(1)

    def record(self, *fields: Any) -> None:
        """Appends ``Entry(<next id>, *fields)``. Ids are given in the order requests finish, so they
        increase along the ring (``get`` is one index computation)."""
        self._entries.append(Entry(next(self._ids), *fields))

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(tuple(self._entries))

    def get(self, entry_id: int) -> Entry | None:
        entries = self._entries
        if not entries:
            return None
        index = entry_id - entries[0].id
        return entries[index] if 0 <= index < len(entries) else None

    def find(
        self,
        *,
        vendor: str | None = None,
        method: str | None = None,
        path: str | None = None,
        status: Callable[[int | None], bool] | None = None,
        after_id: int | None = None,
        since_ms: int | None = None,
    ) -> list[Entry]:
        """Matching entries, oldest first. ``method`` is case-insensitive, ``path`` a glob (``path_matcher``),
        ``status`` a predicate, ``after_id`` keeps ids above it, ``since_ms`` times at or after it."""
        wanted_method = method.upper() if method else None
        matches = path_matcher(path) if path else None
        found = []
        for entry in tuple(self._entries):
            if vendor is not None and entry.vendor != vendor:
                continue
            if wanted_method is not None and entry.method != wanted_method:
                continue
            if matches is not None and not matches(entry.path, entry.inner_path):
                continue
            if status is not None and not status(entry.status):
                continue
            if after_id is not None and entry.id <= after_id:
                continue
            if since_ms is not None and entry.at_ms < since_ms:
                continue
            found.append(entry)
        return found


# --- reading entries ------------------------------------------------------------------------------------


def mask(value: str) -> str:
    """A secret header value cut to a short prefix: ``OAuth token-of-a`` -> ``OAuth tok…``. At most three
    characters of the secret, and no more than a quarter of it, stay visible."""
    scheme, space, secret = value.partition(" ")
    if not space:
        scheme, secret = "", value
    secret = secret.strip()
    shown = secret[: min(3, len(secret) // 4)]
    return f"{scheme}{space}{shown}…"


def headers_dict(headers: Headers) -> dict[str, str]:
    """Header names in lower case; repeated headers joined with ``, ``; secrets masked."""
    result: dict[str, str] = {}
    for raw_name, raw_value in headers:
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        if name in SECRET_HEADERS:
            value = mask(value)
        result[name] = f"{result[name]}, {value}" if name in result else value
    return result


def body_text(body: bytes, truncated: bool) -> str:
    """The body as text (UTF-8, undecodable bytes replaced); a character cut by truncation is left out."""
    if truncated:
        return codecs.getincrementaldecoder("utf-8")("replace").decode(body, final=False)
    return body.decode("utf-8", "replace")


def render(entry: Entry) -> dict[str, Any]:
    """An entry as the control API shows it."""
    return {
        "id": entry.id,
        "time": iso_ms(entry.at_ms),
        "vendor": entry.vendor,
        "tenant": entry.tenant,
        "method": entry.method,
        "path": entry.path,
        "query": entry.query.decode("latin-1"),
        "status": entry.status,
        "duration_ms": round(entry.duration_ms, 3),
        "request": {
            "headers": headers_dict(entry.request_headers),
            "body": body_text(entry.request_body, entry.request_truncated),
            "truncated": entry.request_truncated,
        },
        "response": {
            "headers": headers_dict(entry.response_headers),
            "body": body_text(entry.response_body, entry.response_truncated),
            "truncated": entry.response_truncated,
        },
    }
