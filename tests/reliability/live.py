"""A live ``omnimeet serve`` for the reliability tests: a real process (or a supervisor and its workers) on a
free loopback port, a given database and data directory, started, stopped, SIGKILLed and started again.

    with LiveServer(database_url, data_dir, workers=2, env={"OMNIMEET_AUTH_MODE": "permissive"}) as server:
        httpx.get(server.url("/_omnimeet/health"))
        server.kill()       # SIGKILL to the whole process group (supervisor and workers)
        server.start()      # again, same port, database and data directory; waits until healthy

Every wait has a deadline; a server that does not come up raises ``LiveServerError`` with its log. Each start
writes its own log file (``server.log_path``, ``server.log_text()``); ``log_problems`` picks out the lines a
clean run never has.

Also here: ``ROOM_APIS``, per vendor how to create a room and read it back in permissive auth mode, with a
marker (a short ``[a-z0-9-]`` text) that the read answer must carry, so a test can prove it read what it
wrote.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import jwt

HEALTH_PATH = "/_omnimeet/health"
STARTUP_TIMEOUT_S = 90.0
"""Generous: 2 cores shared with other test runs; a start takes 1-5 s, 20 s on a loaded machine."""
STOP_TIMEOUT_S = 20.0

_WORKER_STARTED = re.compile(r"Started server process \[(\d+)\]")
_APP_STARTED = "Application startup complete."
_PROBLEM = re.compile(r"Traceback|\bERROR\b|\bCRITICAL\b|(?i:database is locked)|Child process \[\d+\] died")
"""Besides errors: uvicorn's supervisor replacing a worker that died or missed its 5 s health ping."""


class LiveServerError(RuntimeError):
    """The server did not start, or did not stop, in time; the message carries its log."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that nothing listens on right now (the kernel's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def log_problems(text: str) -> list[str]:
    """The lines of a server log that a clean run never writes: tracebacks, errors, a locked database, a
    worker replaced by the supervisor."""
    return [line for line in text.splitlines() if _PROBLEM.search(line)]


class LiveServer:
    """One ``omnimeet serve`` (``python -m omnimeet serve``) on ``host``:``port`` (a free port unless given).

    ``env`` is added to the test process's environment, from which every ``OMNIMEET_*`` variable is removed
    first (so the outer environment cannot change what is under test); ``OMNIMEET_DATA_DIR`` is
    ``data_dir``. ``log_level`` is uvicorn's; at ``info`` (the default here) the log names each worker's
    pid, and a start with several workers waits until every worker has started its application.
    """

    def __init__(
        self,
        database_url: str,
        data_dir: Path,
        *,
        workers: int = 1,
        env: Mapping[str, str] | None = None,
        log_dir: Path | None = None,
        host: str = "127.0.0.1",
        port: int | None = None,
        log_level: str = "info",
        extra_args: tuple[str, ...] = (),
        startup_timeout_s: float = STARTUP_TIMEOUT_S,
    ) -> None:
        self.database_url = database_url
        self.data_dir = Path(data_dir)
        self.workers = workers
        self.env = dict(env or {})
        self.log_dir = Path(log_dir) if log_dir is not None else self.data_dir.parent / "server-logs"
        self.host = host
        self.port = port if port is not None else free_port(host)
        self.log_level = log_level
        self.extra_args = extra_args
        self.startup_timeout_s = startup_timeout_s
        self.starts = 0
        """How many times the server was started (the current log is ``server-<starts>.log``)."""
        self._proc: subprocess.Popen[bytes] | None = None

    # --- addresses -------------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    # --- state -----------------------------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        """The pid of ``omnimeet serve`` (with several workers: the supervisor), while started."""
        return self._proc.pid if self._proc is not None else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def log_path(self) -> Path:
        """The log (stdout and stderr) of the current or latest start."""
        return self.log_dir / f"server-{self.starts}.log"

    def log_text(self, start: int | None = None) -> str:
        """The log of one start (default: the current or latest one); "" if there is none."""
        path = self.log_dir / f"server-{start if start is not None else self.starts}.log"
        try:
            return path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def all_logs(self) -> str:
        return "\n".join(f"--- start {n}\n{self.log_text(n)}" for n in range(1, self.starts + 1))

    def worker_pids(self) -> list[int]:
        """The pids of the processes serving requests in the current start, from the log (at ``info``
        level): the workers' with several, the server's own with one."""
        return [int(pid) for pid in _WORKER_STARTED.findall(self.log_text())]

    # --- life cycle ------------------------------------------------------------------------------------

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "omnimeet",
            "serve",
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--log-level",
            self.log_level,
            "--database-url",
            self.database_url,
            *self.extra_args,
        ]

    def environment(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("OMNIMEET_")}
        env["OMNIMEET_DATA_DIR"] = str(self.data_dir)
        env["PYTHONUNBUFFERED"] = "1"
        env.update(self.env)
        return env

    def start(self) -> LiveServer:
        """Starts the server and waits until it answers 200 on the health path (and, with several workers
        at ``info`` level, until every worker has started). Raises ``LiveServerError`` (with the log) if it
        exits or is not ready within ``startup_timeout_s``; a server that failed this way is killed."""
        if self.running:
            raise LiveServerError(f"already running (pid {self.pid})")
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.starts += 1
        with self.log_path.open("wb") as log:
            self._proc = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.environment(),
                start_new_session=True,
            )
        try:
            self._wait_ready(time.monotonic() + self.startup_timeout_s)
        except BaseException:
            self.kill()
            raise
        return self

    def _wait_ready(self, deadline: float) -> None:
        last = "no answer yet"
        with httpx.Client(timeout=2.0) as client:
            while True:
                if not self.running:
                    raise LiveServerError(
                        self._report(f"exited with {self._returncode()} before it was ready")
                    )
                try:
                    response = client.get(self.url(HEALTH_PATH))
                    last = f"{response.status_code} {response.text[:200]}"
                    if response.status_code == 200 and self._workers_started():
                        return
                except httpx.HTTPError as exc:
                    last = repr(exc)
                if time.monotonic() >= deadline:
                    raise LiveServerError(
                        self._report(
                            f"not ready after {self.startup_timeout_s:.0f} s (last health answer: {last})"
                        )
                    )
                time.sleep(0.1)

    def _workers_started(self) -> bool:
        if self.workers <= 1 or self.log_level.lower() not in ("info", "debug", "trace"):
            return True
        return self.log_text().count(_APP_STARTED) >= self.workers

    def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> int | None:
        """SIGTERM to the server (as a user's Ctrl-C or a service manager would), and waits for it to exit;
        whatever of its process group is left after ``timeout_s`` is SIGKILLed. Returns its exit code
        (None if it was not running)."""
        proc = self._proc
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=timeout_s)
        self.kill()
        return proc.returncode

    def kill(self, timeout_s: float = STOP_TIMEOUT_S) -> None:
        """SIGKILL to the whole process group (supervisor, workers, multiprocessing helpers) at once, then
        waits (up to ``timeout_s``) until none of them runs any more."""
        proc = self._proc
        if proc is None:
            return
        pgid = proc.pid  # start_new_session: the server leads its own process group
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired as exc:
            raise LiveServerError(self._report(f"still running {timeout_s:.0f} s after SIGKILL")) from exc
        deadline = time.monotonic() + timeout_s
        while _group_alive(pgid):
            if time.monotonic() >= deadline:
                raise LiveServerError(
                    self._report(f"process group {pgid} alive {timeout_s:.0f} s after SIGKILL")
                )
            time.sleep(0.05)

    def restart(self) -> LiveServer:
        """``stop()`` then ``start()``: the same port, database and data directory."""
        self.stop()
        return self.start()

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- helpers ---------------------------------------------------------------------------------------

    def _returncode(self) -> int | None:
        return self._proc.returncode if self._proc is not None else None

    def _report(self, what: str) -> str:
        return f"omnimeet serve on {self.base_url} {what}\n$ {' '.join(self.command())}\n{self.log_text()}"


def _group_alive(pgid: int) -> bool:
    """Whether a process of the group still runs (zombies, which an init that does not reap leaves behind,
    hold nothing and do not count)."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        return True
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 2 and int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            return True
    return False


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process, from /proc (0.0 if it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rfind(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- per vendor: create a room, read it back (permissive auth mode) ---------------------------------------

_JWT_KEY = "reliability-tests-permissive-mode-checks-no-signature"


@functools.cache
def _jwt(**claims: Any) -> str:
    now = int(time.time())
    return jwt.encode({"iat": now, "exp": now + 86_400, **claims}, _JWT_KEY, algorithm="HS256")


def _telemost_auth(tenant: str) -> dict[str, str]:
    return {"Authorization": f"OAuth reliability-{tenant}"}


def _meet_auth(tenant: str) -> dict[str, str]:
    return {"X-API-KEY": f"reliability-{tenant}"}


def _vonage_auth(tenant: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {_jwt(application_id=f'reliability-{tenant}', jti=tenant)}"}


def _sourcefuse_auth(tenant: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {_jwt(iss='sourcefuse', tenantId=f'reliability-{tenant}', id='user-1')}"
    }


def _opentalk_auth(tenant: str) -> dict[str, str]:
    token = _jwt(
        iss=f"https://{tenant}.reliability.example/realms/opentalk",
        sub="user-1",
        email="user-1@reliability.example",
        given_name="Reliability",
        family_name="Tester",
    )
    return {"Authorization": f"Bearer {token}"}


def _meet_expiry() -> int:
    return (int(time.time()) + 86_400) * 1000


@dataclass
class Created:
    """A create the server acknowledged (2xx): who made which room, with the marker its read must show."""

    vendor: str
    tenant: str
    marker: str
    room_id: str


@dataclass(frozen=True)
class RoomApi:
    """How one vendor creates a room and reads it back, through a live server in permissive mode.

    ``tenant`` picks the organisation/application/tenant of the credentials; ``marker`` is a short
    ``[a-z0-9-]`` text the create request carries and the read answer gives back (SourceFuse's meetings hold
    no text a client can read back, so there the read answer is the empty attendee list)."""

    vendor: str
    create_path: str
    created_status: int
    id_field: str
    read_path: Callable[[str], str]
    auth: Callable[[str], dict[str, str]]
    body: Callable[[str], dict[str, Any]]
    marker_in: Callable[[Any], str | None]
    """The marker found in a read answer (None if it has none)."""

    def create(
        self, client: httpx.Client, tenant: str, marker: str, headers: Mapping[str, str] | None = None
    ) -> httpx.Response:
        """POST of a new room; ``headers`` are sent besides the credentials."""
        return client.post(
            self.create_path, json=self.body(marker), headers={**self.auth(tenant), **(headers or {})}
        )

    def created_id(self, response: httpx.Response) -> str:
        """The new room's id from a successful create answer."""
        value = response.json()[self.id_field]
        assert isinstance(value, str), response.text
        assert value, response.text
        return value

    def read(
        self, client: httpx.Client, tenant: str, room_id: str, headers: Mapping[str, str] | None = None
    ) -> httpx.Response:
        """GET of the room (SourceFuse: of its attendees); ``headers`` are sent besides the credentials."""
        return client.get(self.read_path(room_id), headers={**self.auth(tenant), **(headers or {})})

    def read_matches(self, response: httpx.Response, marker: str) -> bool:
        """Whether a read answer is 200 and shows the room created with ``marker``."""
        if response.status_code != 200:
            return False
        body = response.json()
        if self.vendor == "sourcefuse":
            return bool(body == [])
        return self.marker_in(body) == marker


def _get(*keys: str) -> Callable[[Any], str | None]:
    def pick(body: Any) -> str | None:
        for key in keys:
            if not isinstance(body, dict):
                return None
            body = body.get(key)
        return body if isinstance(body, str) else None

    return pick


ROOM_APIS: dict[str, RoomApi] = {
    api.vendor: api
    for api in (
        RoomApi(
            vendor="telemost",
            create_path="/telemost/v1/telemost-api/conferences",
            created_status=201,
            id_field="id",
            read_path=lambda room_id: f"/telemost/v1/telemost-api/conferences/{room_id}",
            auth=_telemost_auth,
            body=lambda marker: {"access_level": "PUBLIC", "live_stream": {"title": marker}},
            marker_in=_get("live_stream", "title"),
        ),
        RoomApi(
            vendor="openvidu-meet",
            create_path="/openvidu/meet/api/v1/rooms",
            created_status=200,
            id_field="roomName",
            read_path=lambda room_id: f"/openvidu/meet/api/v1/rooms/{room_id}",
            auth=_meet_auth,
            body=lambda marker: {"expirationDate": _meet_expiry(), "roomNamePrefix": marker},
            marker_in=_get("roomNamePrefix"),
        ),
        RoomApi(
            vendor="vonage",
            create_path="/vonage/v1/meetings/rooms",
            created_status=201,
            id_field="id",
            read_path=lambda room_id: f"/vonage/v1/meetings/rooms/{room_id}",
            auth=_vonage_auth,
            body=lambda marker: {"display_name": marker},
            marker_in=_get("display_name"),
        ),
        RoomApi(
            vendor="sourcefuse",
            create_path="/sourcefuse/session",
            created_status=200,
            id_field="code",
            read_path=lambda room_id: f"/sourcefuse/session/{room_id}/attendees",
            auth=_sourcefuse_auth,
            body=lambda marker: {"isScheduled": False},
            marker_in=lambda body: None,
        ),
        RoomApi(
            vendor="opentalk",
            create_path="/opentalk/v1/rooms",
            created_status=201,
            id_field="id",
            read_path=lambda room_id: f"/opentalk/v1/rooms/{room_id}",
            auth=_opentalk_auth,
            body=lambda marker: {"password": marker},
            marker_in=_get("password"),
        ),
    )
}
"""Vendor name -> its ``RoomApi``, all five vendors."""
