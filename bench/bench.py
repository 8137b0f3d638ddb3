"""omnimeet's benchmark (run it with bench/run): wrk against the ceilings, omnimeet and its peers (each
figure the median of --repeat runs), plus start-up time, reset latency, the in-process round trip
(bench/inprocess.py), list time at scale and resident memory.

Everything runs side by side in one run on one machine, on 127.0.0.1 only, so the figures to compare are
ratios (to the FastAPI-from-memory ceiling), not absolute numbers. Every wait is bounded in time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import math
import os
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import jwt

HERE = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
NODE_BIN = HERE / "node_modules" / ".bin"
TELEMOST = "/telemost/v1/telemost-api"
TELEMOST_AUTH = "OAuth bench-token"
VONAGE = "/vonage/v1/meetings"
VONAGE_AUTH = "Bearer " + jwt.encode(
    {"application_id": "bench-app"}, "permissive-mode-checks-no-signature", algorithm="HS256"
)
OPENTALK = "/opentalk/v1"
OPENTALK_AUTH = "Bearer " + jwt.encode(
    {
        "sub": "bench",
        "iss": "https://keycloak.example/realms/opentalk",
        "email": "bench@example.com",
        "given_name": "Bench",
        "family_name": "Mark",
        "name": "Bench Mark",
    },
    "not-checked-in-permissive-mode-32b",
    algorithm="HS256",
)
MEET = "/openvidu/meet/api/v1"
MEET_KEY = "bench-api-key"
UVICORN_FLAGS = ["--loop", "uvloop", "--http", "httptools", "--log-level", "warning", "--no-access-log"]
MIB = 1024 * 1024
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
RECORDING_SECONDS = 60
"""Length of the OpenVidu Meet recording of the range read (7.5 MB at the default 1000 kbit/s)."""
PYCACHE = HERE / ".work" / "pycache"
PROFILED_MISSES = HERE / "profiled-misses.json"
"""Kept by hand: each missed target that was profiled, with its figure before and after the fix."""


# --- processes ---------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Client:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1:port."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        data = None if body is None else json.dumps(body).encode()
        hdrs = dict(headers or {})
        if data is not None:
            hdrs["Content-Type"] = "application/json"
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=data, headers=hdrs)
                resp = self.conn.getresponse()
                return resp.status, resp.read()
            except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
                # the server closed an idle keep-alive connection: open a new one
                self.conn.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def json(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        expect: tuple[int, ...] = (200, 201),
    ) -> Any:
        status, raw = self.call(method, path, body, headers)
        if status not in expect:
            raise RuntimeError(f"{method} {path}: {status} {raw[:300]!r}")
        return json.loads(raw) if raw else None


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of every process the benchmark starts: this one's, with Python's bytecode cache
    on (``PYTHONDONTWRITEBYTECODE`` removed, the cache under ``bench/.work/pycache``, outside the source
    tree), as in a user's install (pip writes .pyc files; an editable install writes them on first
    import); else each omnimeet start would compile its modules from source again."""
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(PYCACHE), **(extra or {})}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def probe(port: int, path: str, headers: dict[str, str] | None) -> int | None:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        conn.request("GET", path, headers=headers or {})
        status = conn.getresponse().status
        conn.close()
        return status
    except OSError:
        return None


class Server:
    """A server process in its own process group; ready once ``path`` answers (200, or anything with
    ``any_status``); ``startup_s`` from spawn to that answer."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        port: int,
        path: str,
        *,
        env: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        any_status: bool = False,
        cwd: Path | None = None,
    ) -> None:
        self.name, self.argv, self.port, self.path = name, argv, port, path
        self.env, self.headers, self.any_status, self.cwd = env, headers, any_status, cwd

    def __enter__(self) -> Server:
        self.log = tempfile.TemporaryFile()
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            self.argv,
            env=child_env(self.env),
            cwd=self.cwd,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
            start_new_session=True,
        )
        deadline = started + 60
        while time.perf_counter() < deadline:
            status = probe(self.port, self.path, self.headers)
            if status is not None and (status == 200 or (self.any_status and status < 500)):
                self.startup_s = time.perf_counter() - started
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.005)
        self.__exit__()
        self.log.seek(0)
        raise RuntimeError(f"{self.name} did not come up: {self.log.read()[-2000:].decode(errors='replace')}")

    def pids(self) -> list[int]:
        """The process and its descendants."""
        found, todo = [], [self.proc.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            try:
                kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            except OSError:
                kids = []
            todo += [int(k) for k in kids]
        return found

    def rss_mb(self) -> dict[str, float]:
        """VmRSS per process (MB): the whole tree and the largest one (a worker, or the only process)."""
        sizes = []
        for pid in self.pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        sizes.append(int(line.split()[1]) / 1024)
            except OSError:
                pass
        return {"total": round(sum(sizes), 1), "largest": round(max(sizes, default=0), 1)}

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the process and its descendants have used so far."""
        ticks = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
        return ticks / CLOCK_TICKS

    def __exit__(self, *exc: object) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)


# --- wrk ---------------------------------------------------------------------------------------------

WRK_LUA = """
wrk.method = {method}
{headers}
{body}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH {{\\"requests\\":%d,\\"duration_us\\":%d,\\"p50_us\\":%d,\\"p99_us\\":%d,\\"max_us\\":%d," ..
    "\\"non_2xx_3xx\\":%d,\\"socket_errors\\":%d,\\"bytes\\":%d}}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.status, e.connect + e.read + e.write + e.timeout, summary.bytes))
end
"""


def wrk(
    port: int,
    path: str,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: Any = None,
    *,
    seconds: float,
    connections: int,
    threads: int = 2,
    server: Server | None = None,
) -> dict[str, Any]:
    """One wrk run. With ``server``, also the CPU cores it and wrk used on average (CPU seconds / wall
    seconds), to see how the machine's cores were shared."""
    hdrs = dict(headers or {})
    if body is not None:
        hdrs["Content-Type"] = "application/json"
    script = WRK_LUA.format(
        method=json.dumps(method),
        headers="\n".join(f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in hdrs.items()),
        body="" if body is None else f"wrk.body = {json.dumps(json.dumps(body))}",
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    cpu_server = server.cpu_seconds() if server else 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    try:
        out = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{seconds:g}s",
                "-s",
                f.name,
                f"http://127.0.0.1:{port}{path}",
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=True,
        ).stdout
    finally:
        os.unlink(f.name)
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next(x for x in out.splitlines() if x.startswith("BENCH "))
    raw = json.loads(line[len("BENCH ") :])
    result = {
        "rps": round(raw["requests"] / (raw["duration_us"] / 1e6)),
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "requests": raw["requests"],
        "non_2xx_3xx": raw["non_2xx_3xx"],
        "socket_errors": raw["socket_errors"],
        "mb_per_s": round(raw["bytes"] / (raw["duration_us"] / 1e6) / MIB, 1),
        "bytes_per_request": round(raw["bytes"] / max(raw["requests"], 1)),
    }
    if server:
        wrk_cpu = (after.ru_utime + after.ru_stime) - (usage.ru_utime + usage.ru_stime)
        result["server_cpu_cores"] = round((server.cpu_seconds() - cpu_server) / wall, 2)
        result["wrk_cpu_cores"] = round(wrk_cpu / wall, 2)
    return result


def measure(
    a: argparse.Namespace,
    server: Server,
    path: str,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: Any = None,
) -> dict[str, Any]:
    """``a.repeat`` wrk runs of ``a.seconds``; the figure is the median run by req/s (its p50 and p99 too),
    with every run's req/s in ``runs_rps``, and requests and errors added up over all runs."""
    runs = [
        wrk(
            server.port,
            path,
            method,
            headers,
            body,
            seconds=a.seconds,
            connections=a.connections,
            threads=a.wrk_threads,
            server=server,
        )
        for _ in range(a.repeat)
    ]
    median = dict(sorted(runs, key=lambda r: r["rps"])[(len(runs) - 1) // 2])
    median["runs_rps"] = [r["rps"] for r in runs]
    for key in ("requests", "non_2xx_3xx", "socket_errors"):
        median[key] = sum(r[key] for r in runs)
    return median


# --- the systems under test --------------------------------------------------------------------------


def ceiling(name: str, app: str, env: dict[str, str] | None = None) -> Server:
    port = free_port()
    return Server(
        name,
        [
            str(VENV_BIN / "uvicorn"),
            app,
            "--app-dir",
            str(HERE),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            *UVICORN_FLAGS,
        ],
        port,
        f"{TELEMOST}/conferences/12345678901234",
        env=env,
    )


def omnimeet(
    name: str, data_dir: Path, database_url: str | None, workers: int, recording_kbps: int = 0
) -> Server:
    port = free_port()
    argv = [str(VENV_BIN / "omnimeet"), "serve", "--port", str(port), "--workers", str(workers)]
    if database_url:
        argv += ["--database-url", database_url]
    env = {"OMNIMEET_DATA_DIR": str(data_dir), "OMNIMEET_RECORDING_BITRATE_KBPS": str(recording_kbps)}
    return Server(name, argv, port, "/_omnimeet/health", env=env)


def prism() -> Server:
    port = free_port()
    return Server(
        "prism",
        [
            str(NODE_BIN / "prism"),
            "mock",
            str(HERE / "peers" / "telemost-mini.yaml"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "--errors",
            "false",
            "-v",
            "error",
        ],
        port,
        f"{TELEMOST}/conferences/1",
        headers={"Authorization": TELEMOST_AUTH},
        any_status=True,
    )


def mockoon(work: Path) -> Server:
    port = free_port()
    return Server(
        "mockoon",
        [
            str(NODE_BIN / "mockoon-cli"),
            "start",
            "-d",
            str(HERE / "peers" / "telemost-mockoon.json"),
            "-p",
            str(port),
            "-l",
            "127.0.0.1",
            "-X",
            "--disable-admin-api",
        ],
        port,
        f"{TELEMOST}/conferences/1",
        any_status=True,
        cwd=work,
        env={"HOME": str(work)},
    )


def telemost_pair(server: Server, conference: str, a: argparse.Namespace) -> dict[str, Any]:
    auth = {"Authorization": TELEMOST_AUTH}
    return {
        "telemost_get": measure(a, server, f"{TELEMOST}/conferences/{conference}", headers=auth),
        "telemost_post": measure(
            a, server, f"{TELEMOST}/conferences", "POST", auth, {"access_level": "PUBLIC"}
        ),
    }


def seed_omnimeet(c: Client, recording_s: int) -> dict[str, Any]:
    """What the scenarios read: a conference, 25 Vonage rooms, a weekly OpenTalk event over a year, an
    OpenVidu Meet recording of ``recording_s`` seconds (its size follows from the server's
    ``OMNIMEET_RECORDING_BITRATE_KBPS``), and whether a 1 MiB range of it can be read."""
    seeded: dict[str, Any] = {}
    auth = {"Authorization": TELEMOST_AUTH}
    seeded["conference"] = c.json("POST", f"{TELEMOST}/conferences", {"access_level": "PUBLIC"}, auth)["id"]
    for i in range(25):
        c.json("POST", f"{VONAGE}/rooms", {"display_name": f"bench {i}"}, {"Authorization": VONAGE_AUTH})
    event = c.json(
        "POST",
        f"{OPENTALK}/events",
        {
            "title": "Weekly",
            "description": "bench",
            "is_time_independent": False,
            "is_all_day": False,
            "starts_at": {"datetime": "2027-01-04T09:00:00Z", "timezone": "Europe/Berlin"},
            "ends_at": {"datetime": "2027-01-04T10:00:00Z", "timezone": "Europe/Berlin"},
            "recurrence_pattern": ["RRULE:FREQ=WEEKLY;COUNT=52"],
        },
        {"Authorization": OPENTALK_AUTH},
    )
    seeded["event"] = event["id"]
    try:
        key = {"X-API-KEY": MEET_KEY}
        now_ms = int(time.time() * 1000)
        room = c.json(
            "POST",
            f"{MEET}/rooms",
            {"roomNamePrefix": "bench", "expirationDate": now_ms + 400 * 86_400_000},
            key,
        )
        rec = c.json("POST", f"{MEET}/recordings", {"roomName": room["roomName"]}, key)
        c.json("POST", "/_omnimeet/clock", {"advance_seconds": recording_s})
        c.json("PUT", f"{MEET}/recordings/{rec['id']}", None, key, expect=(200, 204))
        info = c.json("GET", f"{MEET}/recordings/{rec['id']}", None, key)
        seeded["recording"], seeded["recording_size"] = rec["id"], info.get("size")
        status, body = c.call(
            "GET", f"{MEET}/recordings/{rec['id']}/stream", headers={**key, "Range": f"bytes=0-{MIB - 1}"}
        )
        seeded["range_read"] = {"status": status, "bytes": len(body)}
    except (RuntimeError, KeyError) as exc:
        seeded["recording_error"] = str(exc)
    return seeded


def omnimeet_scenarios(server: Server, seeded: dict[str, Any], a: argparse.Namespace) -> dict[str, Any]:
    out = telemost_pair(server, seeded["conference"], a)
    out["vonage_rooms_page"] = measure(
        a, server, f"{VONAGE}/rooms?page_size=20", headers={"Authorization": VONAGE_AUTH}
    )
    out["opentalk_instances"] = measure(
        a,
        server,
        f"{OPENTALK}/events/{seeded['event']}/instances?per_page=100",
        headers={"Authorization": OPENTALK_AUTH},
    )
    if "recording" in seeded:
        out["meet_range_read"] = measure(
            a,
            server,
            f"{MEET}/recordings/{seeded['recording']}/stream",
            headers={"X-API-KEY": MEET_KEY, "Range": f"bytes=0-{MIB - 1}"},
        )
    return out


def inprocess(round_trips: int) -> dict[str, Any]:
    """The in-process figure: ``bench/inprocess.py`` run by pytest in a subprocess (the omnimeet plugin's
    ``omnimeet_app`` fixture, httpx.ASGITransport, SQLite in a temporary directory)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "inprocess.json"
        env = child_env({"BENCH_INPROCESS_OUT": str(out), "BENCH_INPROCESS_N": str(round_trips)})
        env.pop("OMNIMEET_DATABASE_URL", None)
        done = subprocess.run(
            [
                str(VENV_BIN / "python"),
                "-m",
                "pytest",
                str(HERE / "inprocess.py"),
                "-q",
                "-p",
                "no:cacheprovider",
                "--rootdir",
                tmp,
                "-c",
                os.devnull,
            ],
            cwd=tmp,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if done.returncode != 0 or not out.exists():
            raise RuntimeError(f"bench/inprocess.py failed: {(done.stdout + done.stderr)[-2000:]}")
        result: dict[str, Any] = json.loads(out.read_text())
        return result


def reset_with_rooms(c: Client, rooms: int, repeat: int) -> list[float]:
    """ms of POST /_omnimeet/reset, each time with ``rooms`` Telemost conferences present."""
    times = []
    for _ in range(repeat):
        for _ in range(rooms):
            c.json(
                "POST",
                f"{TELEMOST}/conferences",
                {"access_level": "PUBLIC"},
                {"Authorization": TELEMOST_AUTH},
            )
        t = time.perf_counter()
        c.json("POST", "/_omnimeet/reset", expect=(200, 204))
        times.append(round((time.perf_counter() - t) * 1000, 2))
    return times


def vonage_count(c: Client) -> int:
    page = c.json("GET", f"{VONAGE}/rooms?page_size=1", None, {"Authorization": VONAGE_AUTH})
    return int(page["total_items"])


def scale(a: argparse.Namespace, levels: tuple[int, ...]) -> list[dict[str, Any]]:
    """Time of a first-page list (Vonage ``GET /rooms?page_size=20``) with ``levels`` rooms in the tenant:
    rooms are created by wrk POSTing (then one by one up to the level), the list timed from one client,
    one request at a time (200 requests; median and p99 ms). SQLite, 1 worker."""
    out = []
    auth = {"Authorization": VONAGE_AUTH}
    with tempfile.TemporaryDirectory() as tmp, omnimeet("scale", Path(tmp), None, 1) as s:
        c = Client(s.port)
        rate: float | None = None
        for level in levels:
            have = vonage_count(c)
            while level - have > 3000:
                # a 1 s burst first to learn the create rate, then bursts aiming at half of what is left
                # (at most 10 s, the rate measured again after each: it changes on a shared machine)
                seconds = 1 if rate is None else max(1, min(10, math.floor((level - have) * 0.5 / rate)))
                t = time.perf_counter()
                wrk(
                    s.port,
                    f"{VONAGE}/rooms",
                    "POST",
                    auth,
                    {"display_name": "scale"},
                    seconds=seconds,
                    connections=a.connections,
                    threads=a.wrk_threads,
                )
                now = vonage_count(c)
                rate = max(100.0, (now - have) / (time.perf_counter() - t))
                have = now
            for _ in range(max(0, level - have)):
                c.json("POST", f"{VONAGE}/rooms", {"display_name": "scale"}, auth)
            have = vonage_count(c)
            times = []
            for _ in range(200):
                t = time.perf_counter()
                c.json("GET", f"{VONAGE}/rooms?page_size=20", None, auth)
                times.append((time.perf_counter() - t) * 1000)
            times.sort()
            out.append(
                {
                    "rooms": have,
                    "median_ms": round(statistics.median(times), 2),
                    "p99_ms": round(times[int(len(times) * 0.99) - 1], 2),
                }
            )
            log(f"scale: {out[-1]}")
        c.conn.close()
    return out


# --- PostgreSQL --------------------------------------------------------------------------------------


def postgres_database() -> tuple[str, str] | None:
    """A fresh database on 127.0.0.1:5432 (name, SQLAlchemy URL), or None where there is none."""
    if not shutil.which("createdb"):
        return None
    name = f"bench_{secrets.token_hex(4)}"
    done = subprocess.run(
        ["createdb", "-h", "127.0.0.1", "-U", "postgres", name], capture_output=True, timeout=30
    )
    if done.returncode != 0:
        print(f"PostgreSQL skipped: {done.stderr.decode().strip()}", file=sys.stderr)
        return None
    return name, f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def drop_database(name: str) -> None:
    subprocess.run(
        ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "--force", name],
        capture_output=True,
        timeout=60,
    )


# --- the run -----------------------------------------------------------------------------------------


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds the with-blocks, which stop the servers


def main() -> int:
    signal.signal(signal.SIGTERM, _terminate)
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument(
        "--quick",
        action="store_true",
        help="3 s per wrk run, 1 run per figure, fewer repetitions elsewhere (for trying it out)",
    )
    p.add_argument("--seconds", type=float, help="seconds per wrk run (default 5, 3 with --quick)")
    p.add_argument(
        "--repeat", type=int, help="wrk runs per figure, the median reported (default 3, 1 with --quick)"
    )
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--wrk-threads", type=int, default=2, help="wrk threads (default 2)")
    p.add_argument(
        "--recording-kbps",
        type=int,
        default=1000,
        help="OMNIMEET_RECORDING_BITRATE_KBPS of the servers (default 1000: the 60 s recording is 7.5 MB)",
    )
    p.add_argument(
        "--inprocess-n", type=int, help="in-process round trips (default 2000, 300 with --quick; 0: skip)"
    )
    p.add_argument("--no-postgres", action="store_true")
    p.add_argument("--no-peers", action="store_true")
    p.add_argument(
        "--no-scale", action="store_true", help="skip the list time at 100 / 10,000 / 100,000 rooms"
    )
    p.add_argument("--out", type=Path, default=HERE / "results")
    p.add_argument(
        "--report",
        type=Path,
        help="only print the table of this results file and rewrite its .md, after copying "
        "bench/profiled-misses.json into it",
    )
    a = p.parse_args()
    if a.report:
        kept: dict[str, Any] = json.loads(a.report.read_text())
        if PROFILED_MISSES.exists():  # the hand-kept before/after, as it is now
            kept["profiled_misses"] = json.loads(PROFILED_MISSES.read_text())
            a.report.write_text(json.dumps(kept, indent=2) + "\n")
        md = report(kept)
        a.report.with_suffix(".md").write_text(md)
        print(md)
        return 0
    a.seconds = a.seconds or (3 if a.quick else 5)
    a.repeat = a.repeat or (1 if a.quick else 3)
    inprocess_n = a.inprocess_n if a.inprocess_n is not None else (300 if a.quick else 2000)
    rss_requests = 20_000 if a.quick else 100_000
    startups_n, reset_n = (3, 2) if a.quick else (5, 5)
    if not shutil.which("wrk"):
        print("wrk is missing: apt-get install -y wrk", file=sys.stderr)
        return 2
    loadavg = Path("/proc/loadavg").read_text().split()[:3]
    res: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "cpus_usable": len(os.sched_getaffinity(0)),
            "python": sys.version.split()[0],
            "loadavg_at_start": loadavg,
        },
        "settings": {
            "seconds": a.seconds,
            "repeat": a.repeat,
            "connections": a.connections,
            "wrk_threads": a.wrk_threads,
            "quick": a.quick,
            "uvicorn": "uvloop + httptools, no access log",
            "recording_kbps": a.recording_kbps,
            "recording_seconds": RECORDING_SECONDS,
            "bytecode_cache": "on for every process started (PYTHONPYCACHEPREFIX=bench/.work/pycache)"
            + (", PYTHONDONTWRITEBYTECODE removed" if "PYTHONDONTWRITEBYTECODE" in os.environ else ""),
        },
        "throughput": {},
        "notes": [],
    }
    thr = res["throughput"]
    figures = 6 + (10 if a.no_postgres else 20) + (0 if a.no_peers else 4)
    log(
        f"{figures} throughput figures x {a.repeat} wrk runs x {a.seconds:g} s = "
        f"{figures * a.repeat * a.seconds / 60:.1f} min of load, plus seeding, scale, memory and start-up"
    )

    with tempfile.TemporaryDirectory() as tmp:
        for name, app in (
            ("starlette_memory", "ceilings:starlette_app"),
            ("fastapi_memory", "ceilings:fastapi_app"),
            ("fastapi_sqlite3", "ceilings:fastapi_sqlite_app"),
        ):
            log(f"ceiling {name}")
            with ceiling(name, app, {"BENCH_SQLITE_PATH": str(Path(tmp) / "ceiling.sqlite")}) as s:
                thr[name] = telemost_pair(s, "12345678901234", a)

    backends: list[tuple[str, str | None, str | None]] = [("sqlite", None, None)]
    pg = None if a.no_postgres else postgres_database()
    if pg:
        backends.append(("postgresql", pg[1], pg[0]))
    elif not a.no_postgres:
        res["notes"].append("PostgreSQL not measured: createdb failed or is missing")
    try:
        for backend, url, _ in backends:
            for workers in (1, 2):
                name = f"omnimeet_{backend}_{workers}w"
                log(name)
                with (
                    tempfile.TemporaryDirectory() as tmp,
                    omnimeet(name, Path(tmp), url, workers, a.recording_kbps) as s,
                ):
                    c = Client(s.port)
                    c.json("POST", "/_omnimeet/reset", expect=(200, 204))
                    seeded = seed_omnimeet(c, RECORDING_SECONDS)
                    if "recording_error" in seeded:
                        res["notes"].append(f"{name}: no recording: {seeded['recording_error']}")
                    else:
                        res.setdefault("recording_size_bytes", seeded["recording_size"])
                        res.setdefault("range_read", seeded["range_read"])
                    idle = s.rss_mb()
                    thr[name] = omnimeet_scenarios(s, seeded, a)
                    if backend == "sqlite" and workers == 1:
                        done = sum(r["requests"] for r in thr[name].values())
                        if done < rss_requests:
                            rate = max(thr[name]["telemost_get"]["rps"], 100)
                            wrk(
                                s.port,
                                f"{TELEMOST}/conferences/{seeded['conference']}",
                                headers={"Authorization": TELEMOST_AUTH},
                                seconds=math.ceil((rss_requests - done) / rate * 1.1) + 1,
                                connections=a.connections,
                                threads=a.wrk_threads,
                            )
                        res["memory_sqlite_1w"] = {
                            "rss_mb_idle_seeded": idle,
                            "rss_mb_after_load": s.rss_mb(),
                            "requests_at_least": rss_requests,
                        }
                        log("reset with 1,000 rooms")
                        res["reset_ms_1000_rooms"] = reset_with_rooms(c, 1000, reset_n)
                    c.conn.close()
    finally:
        if pg:
            drop_database(pg[0])

    if inprocess_n:
        log(f"in-process round trips ({inprocess_n})")
        try:
            res["inprocess"] = inprocess(inprocess_n)
        except RuntimeError as exc:
            res["notes"].append(f"in-process figure not measured: {exc}")

    if not a.no_scale:
        log("scale")
        res["scale_vonage_first_page"] = scale(a, (100, 10_000) if a.quick else (100, 10_000, 100_000))

    log("start-up")
    startups: list[float] = []
    for _ in range(startups_n):
        with tempfile.TemporaryDirectory() as tmp, omnimeet("startup", Path(tmp), None, 1) as s:
            startups.append(round(s.startup_s, 3))
            time.sleep(0.5)
            res["rss_mb_idle_fresh"] = s.rss_mb()  # of the last start
    res["startup_s"] = startups

    if not a.no_peers:
        if not (NODE_BIN / "prism").exists():
            res["notes"].append("peers not measured: bench/node_modules missing (npm ci in bench/)")
        else:
            with tempfile.TemporaryDirectory() as tmp:
                for make in (prism, lambda: mockoon(Path(tmp))):
                    server = make()
                    log(server.name)
                    try:
                        with server as s:
                            thr[s.name] = telemost_pair(s, "12345678901234", a)
                            res.setdefault("peers", {})[s.name] = {
                                "startup_s": round(s.startup_s, 3),
                                "rss_mb_after_load": s.rss_mb(),
                            }
                    except RuntimeError as exc:
                        res["notes"].append(f"{server.name} not measured: {exc}")

    if PROFILED_MISSES.exists():
        res["profiled_misses"] = json.loads(PROFILED_MISSES.read_text())
    a.out.mkdir(parents=True, exist_ok=True)
    stamp = dt.date.today().isoformat() + ("-quick" if a.quick else "")
    (a.out / f"{stamp}.json").write_text(json.dumps(res, indent=2) + "\n")
    md = report(res)
    (a.out / f"{stamp}.md").write_text(md)
    print(md)
    print(f"written to {a.out / stamp}.json and .md")
    return 0


# --- the report --------------------------------------------------------------------------------------

SCENARIOS = ["telemost_get", "telemost_post", "vonage_rooms_page", "opentalk_instances", "meet_range_read"]


def report(res: dict[str, Any]) -> str:
    thr = res["throughput"]
    base = thr["fastapi_memory"]
    st = res["settings"]
    repeat = st.get("repeat", 1)
    runs_text = (
        f"the median of {repeat} runs per figure (by req/s; p50 and p99 are that run's)"
        if repeat > 1
        else "one run per figure"
    )
    lines = [
        f"# omnimeet benchmark {res['date']}",
        "",
        f"wrk, {st.get('wrk_threads', 2)} threads, {st['connections']} connections, {st['seconds']} s per "
        f"run, {runs_text}; {res['machine']['cpus']} CPUs, load average at start "
        f"{' '.join(res['machine']['loadavg_at_start'])}. "
        "req/s (p50 / p99 ms) [ratio to FastAPI from memory]; "
        "non-2xx answers and socket errors (wrk: connect, read, write, timeout; all runs added up) in "
        "braces when there were any.",
        "",
        "| server | " + " | ".join(SCENARIOS) + " |",
        "|---" * (len(SCENARIOS) + 1) + "|",
    ]
    for name, runs in thr.items():
        cells = []
        for sc in SCENARIOS:
            r = runs.get(sc)
            if not r:
                cells.append("-")
                continue
            ref = base.get(sc)
            ratio = f" [{r['rps'] / ref['rps']:.2f}]" if ref else ""
            bad = "".join(
                f" {{{r[k]} {label}}}"
                for k, label in (("non_2xx_3xx", "non-2xx"), ("socket_errors", "socket errors"))
                if r[k]
            )
            extra = f" {r['mb_per_s']} MB/s" if sc == "meet_range_read" else ""
            cells.append(f"{r['rps']} ({r['p50_ms']} / {r['p99_ms']}){ratio}{extra}{bad}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    spreads = [
        (max(r["runs_rps"]) - min(r["runs_rps"])) / r["rps"]
        for runs in thr.values()
        for r in runs.values()
        if len(r.get("runs_rps", [])) > 1
    ]
    if spreads:
        lines += [
            "",
            f"Spread of the {repeat} runs of one figure ((max - min) / median req/s): median "
            f"{statistics.median(spreads):.0%}, largest {max(spreads):.0%} (every run's req/s: `runs_rps` "
            "in the JSON).",
        ]
    lines += cpu_share(res)
    lines += ["", "| other figure | value |", "|---|---|"]
    ip = res.get("inprocess")
    if ip:
        lines.append(
            f"| in-process Telemost create-then-get round trip (pytest plugin `omnimeet_app`, "
            f"httpx.ASGITransport, SQLite; median / p99 of {ip['round_trips']:,}) | "
            f"{ip['round_trip']['median_us']:.0f} / {ip['round_trip']['p99_us']:.0f} µs "
            f"(create {ip['create']['median_us']:.0f}, get {ip['get']['median_us']:.0f} µs median) |"
        )
    if "startup_s" in res:
        lines.append(
            f"| start-up to first 200 from /_omnimeet/health, fresh data dir (median of "
            f"{len(res['startup_s'])}) | {statistics.median(res['startup_s'])} s |"
        )
    if "reset_ms_1000_rooms" in res:
        lines.append(
            f"| POST /_omnimeet/reset with 1,000 rooms (median of {len(res['reset_ms_1000_rooms'])}) | "
            f"{statistics.median(res['reset_ms_1000_rooms'])} ms (each: "
            f"{', '.join(str(x) for x in res['reset_ms_1000_rooms'])}) |"
        )
    if res.get("rss_mb_idle_fresh"):
        lines.append(f"| RSS idle, fresh start, 1 worker | {res['rss_mb_idle_fresh']['largest']} MB |")
    if "memory_sqlite_1w" in res:
        m = res["memory_sqlite_1w"]
        lines.append(
            f"| RSS 1 worker (SQLite) after >= {m['requests_at_least']:,} requests | "
            f"{m['rss_mb_after_load']['largest']} MB (seeded idle {m['rss_mb_idle_seeded']['largest']} MB) |"
        )
    for row in res.get("scale_vonage_first_page", []):
        lines.append(
            f"| Vonage first page of 20 with {row['rooms']:,} rooms in the tenant (one client, median / p99 "
            f"of 200) | {row['median_ms']} / {row['p99_ms']} ms |"
        )
    for name, peer in res.get("peers", {}).items():
        lines.append(
            f"| {name}: start-up to first answer / RSS after load | {peer['startup_s']} s / "
            f"{peer['rss_mb_after_load']['total']} MB |"
        )
    if res.get("range_read"):
        rr = res["range_read"]
        lines.append(
            f"| meet_range_read: the recording ({st.get('recording_seconds')} s at "
            f"{st.get('recording_kbps')} kbit/s) / the answer to `Range: bytes=0-1048575` | "
            f"{res['recording_size_bytes']:,} bytes / {rr['status']} with {rr['bytes']:,} bytes |"
        )
    elif res.get("recording_size_bytes"):
        lines.append(
            f"| meet_range_read: bytes served per request (the whole recording; the emulator's largest "
            f"file is smaller than 1 MiB) | {res['recording_size_bytes']} |"
        )
    rows = targets(res)
    lines += ["", "| target (issue 8) | measured | met? |", "|---|---|---|"]
    lines += [f"| {t} | {m} | {ok} |" for t, m, ok in rows]
    lines += profiled_misses(res, rows)
    if res["notes"]:
        lines += ["", "Notes:"] + [f"- {n}" for n in res["notes"]]
    return "\n".join(lines) + "\n"


def cpu_share(res: dict[str, Any]) -> list[str]:
    """How the cores were shared during the Telemost GET (the median run): the server's processes and wrk,
    in cores used on average. With as many cores as the server has workers plus wrk's threads, a second
    worker has nothing to run on."""
    rows = [
        (name, runs["telemost_get"])
        for name, runs in res["throughput"].items()
        if "server_cpu_cores" in runs.get("telemost_get", {})
    ]
    if not rows:
        return []
    cpus = res["machine"].get("cpus_usable") or res["machine"]["cpus"]
    threads = res["settings"].get("wrk_threads", 2)
    lines = [
        "",
        f"CPU during telemost_get (the median run), in cores used on average, of {cpus} usable: "
        + "; ".join(f"{name} {r['server_cpu_cores']} + wrk {r['wrk_cpu_cores']}" for name, r in rows)
        + ".",
    ]
    one = res["throughput"].get("omnimeet_sqlite_1w", {}).get("telemost_get", {})
    if cpus <= 2 and "server_cpu_cores" in one:
        used = one["server_cpu_cores"] + one["wrk_cpu_cores"]
        rest = (
            "so one worker and wrk kept the cores busy"
            if used >= 0.8 * cpus
            else f"the rest went to other work on the machine (load average at start "
            f"{res['machine']['loadavg_at_start'][0]})"
        )
        lines += [
            "",
            f"**2 workers on {cpus} cores**: wrk ({threads} threads) runs on the same {cpus} cores as the "
            f"server. During the 1-worker SQLite Telemost GET the worker used {one['server_cpu_cores']} "
            f"cores and wrk {one['wrk_cpu_cores']}, {used:.2f} of {cpus}: {rest}. A second worker can "
            "only use what is left, and adds contention (two event loops and one database, beside wrk). "
            "So the 2-worker rows tell how a full machine behaves, not how omnimeet scales with workers: "
            "that needs more cores than workers plus wrk's threads (or `taskset` to give wrk cores of "
            "its own); `--wrk-threads 1` leaves the server a little more.",
        ]
    return lines


def profiled_misses(res: dict[str, Any], rows: list[tuple[str, str, str]]) -> list[str]:
    """The ``profiled_misses`` section: every missed target that was profiled and fixed, with its figure
    before and after. An entry without ``after`` takes its figure from this run: the row of the target
    table its ``target`` names, or the throughput figure ``figure`` names (``<server>.<scenario>``)."""
    entries = res.get("profiled_misses") or []
    if not entries:
        return []
    measured = {t: (m, ok) for t, m, ok in rows}

    def cell(value: Any) -> str:
        return str(value or "-").replace("|", "\\|").replace("\n", " ")

    lines = [
        "",
        "Profiled misses, before → after:",
        "",
        "| miss | before | after | what the profile showed | fix |",
        "|---|---|---|---|---|",
    ]
    for e in entries:
        after = e.get("after")
        figure = e.get("figure", "").split(".")
        if not after and e.get("target") in measured:
            m, ok = measured[e["target"]]
            after = f"{m} ({ok}; run of {res['date']})"
        elif not after and len(figure) == 2 and figure[1] in res["throughput"].get(figure[0], {}):
            r = res["throughput"][figure[0]][figure[1]]
            after = f"{r['rps']} req/s, p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms (run of {res['date']})"
        lines.append(
            f"| {cell(e.get('miss') or e.get('target'))} | {cell(e.get('before'))} | "
            f"{cell(after or 'not measured yet')} | {cell(e.get('profile'))} | {cell(e.get('fix'))} |"
        )
    return lines


def targets(res: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The issue's targets as (target, measured, met/missed/not measured), from this one run."""
    thr = res["throughput"]
    om = thr.get("omnimeet_sqlite_1w", {})
    rows: list[tuple[str, str, str]] = []

    def ratio(label: str, num: dict[str, Any] | None, den: dict[str, Any] | None, bound: float) -> None:
        if not num or not den:
            rows.append((label, "-", "not measured"))
            return
        r = num["rps"] / den["rps"]
        rows.append(
            (label, f"{r:.2f} ({num['rps']} / {den['rps']} req/s)", "met" if r >= bound else "missed")
        )

    get, post = om.get("telemost_get"), om.get("telemost_post")
    ratio("Telemost GET, SQLite 1w / Prism GET >= 1.0", get, thr.get("prism", {}).get("telemost_get"), 1.0)
    ratio(
        "Telemost GET, SQLite 1w / FastAPI from memory >= 0.65",
        get,
        thr.get("fastapi_memory", {}).get("telemost_get"),
        0.65,
    )
    if get:
        rows.append(
            (
                "Telemost GET, SQLite 1w: p99 < 10 ms",
                f"{get['p99_ms']} ms",
                "met" if get["p99_ms"] < 10 else "missed",
            )
        )
    ratio(
        "Telemost POST, SQLite 1w / FastAPI+sqlite3 POST >= 0.75",
        post,
        thr.get("fastapi_sqlite3", {}).get("telemost_post"),
        0.75,
    )
    for backend in ("sqlite", "postgresql"):
        one, two = thr.get(f"omnimeet_{backend}_1w"), thr.get(f"omnimeet_{backend}_2w")
        if one and two:
            for sc in SCENARIOS:
                if sc in one and sc in two:
                    ratio(
                        f"2 workers faster than 1 ({backend}, {sc}): 2w / 1w > 1.0",
                        two[sc],
                        one[sc],
                        1.0 + 1e-9,
                    )
    if "startup_s" in res:
        v = statistics.median(res["startup_s"])
        rows.append(("start-up to healthy < 1.0 s", f"{v} s", "met" if v < 1.0 else "missed"))
    if "reset_ms_1000_rooms" in res:
        v = statistics.median(res["reset_ms_1000_rooms"])
        rows.append(("reset with 1,000 rooms < 20 ms", f"{v} ms", "met" if v < 20 else "missed"))
    sc = res.get("scale_vonage_first_page", [])
    if len(sc) >= 2 and sc[-1]["rooms"] >= 100_000:
        r = sc[-1]["median_ms"] / sc[0]["median_ms"]
        rows.append(
            (
                "first-page list at 100,000 rooms within 2x of 100 (median)",
                f"{r:.2f} ({sc[-1]['median_ms']} / {sc[0]['median_ms']} ms)",
                "met" if r <= 2 else "missed",
            )
        )
    else:
        rows.append(("first-page list at 100,000 rooms within 2x of 100", "-", "not measured"))
    if res.get("rss_mb_idle_fresh"):
        v = res["rss_mb_idle_fresh"]["largest"]
        rows.append(("RSS idle, 1 worker < 100 MB", f"{v} MB", "met" if v < 100 else "missed"))
    if "memory_sqlite_1w" in res:
        m = res["memory_sqlite_1w"]
        v = m["rss_mb_after_load"]["largest"]
        rows.append(
            (
                "RSS 1 worker after 100,000 requests < 150 MB",
                f"{v} MB after >= {m['requests_at_least']:,}",
                ("met" if v < 150 else "missed")
                if m["requests_at_least"] >= 100_000
                else "not measured (quick run)",
            )
        )
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
