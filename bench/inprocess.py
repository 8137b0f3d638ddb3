"""bench's in-process figure: a Telemost create-then-get round trip through omnimeet's pytest plugin, as a
user's test suite makes it (the ``omnimeet_app`` fixture: the app in the test's own process, an
``httpx.AsyncClient`` on ``httpx.ASGITransport``, no socket; SQLite in a temporary directory).

``bench.py`` runs it as ``python -m pytest bench/inprocess.py`` in a subprocess, with
``BENCH_INPROCESS_N`` round trips (after 50 not timed) and ``BENCH_INPROCESS_OUT`` naming the JSON file to
write: the median and p99 of a round trip, and of its two calls, in microseconds. Not a test of the
project (``tests/`` holds those; pytest only collects this file when given its path).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

from omnimeet.testing.plugin import OmnimeetApp

WARM_UP = 50


def _summary(ns: list[int]) -> dict[str, float]:
    ordered = sorted(ns)
    return {
        "median_us": round(statistics.median(ordered) / 1000, 1),
        "p99_us": round(ordered[max(0, int(len(ordered) * 0.99) - 1)] / 1000, 1),
    }


async def _round_trips(app: OmnimeetApp, n: int) -> dict[str, Any]:
    create_ns: list[int] = []
    get_ns: list[int] = []
    total_ns: list[int] = []
    async with app.client("telemost", headers={"Authorization": "OAuth bench-token"}) as client:
        for i in range(WARM_UP + n):
            t0 = time.perf_counter_ns()
            created = await client.post("/conferences", json={"access_level": "PUBLIC"})
            t1 = time.perf_counter_ns()
            got = await client.get(f"/conferences/{created.json()['id']}")
            t2 = time.perf_counter_ns()
            if created.status_code != 201 or got.status_code != 200:
                raise AssertionError(f"{created.status_code} {created.text[:200]} / {got.status_code}")
            if i >= WARM_UP:
                create_ns.append(t1 - t0)
                get_ns.append(t2 - t1)
                total_ns.append(t2 - t0)
    return {
        "round_trips": n,
        "round_trip": _summary(total_ns),
        "create": _summary(create_ns),
        "get": _summary(get_ns),
        "round_trips_per_s": round(n / (sum(total_ns) / 1e9)),
    }


def test_create_then_get_round_trip(omnimeet_app: OmnimeetApp) -> None:
    n = int(os.environ.get("BENCH_INPROCESS_N", "1000"))
    result = asyncio.run(_round_trips(omnimeet_app, n))
    Path(os.environ.get("BENCH_INPROCESS_OUT", "inprocess.json")).write_text(json.dumps(result) + "\n")
