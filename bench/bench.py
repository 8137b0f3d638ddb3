"""omnimeet's benchmark: throughput and latency under wrk, start-up time and reset latency.

Everything is measured side by side in one run on one machine, so the figures to compare are the ratios to
the ceiling (FastAPI answering from memory under the same server), not the absolute numbers.
Traffic goes to 127.0.0.1 only; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
TOKEN = "OAuth bench-token"
BASE = "/telemost/v1/telemost-api"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def request(method: str, url: str, body: bytes | None = None, timeout: float = 5.0) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=body, method=method)
    req.add_header("Authorization", TOKEN)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def wait_healthy(url: str, deadline_s: float) -> float:
    """Seconds until ``url`` answers 200, polling every 5 ms; raises after ``deadline_s``."""
    start = time.perf_counter()
    while time.perf_counter() - start < deadline_s:
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                if resp.status == 200:
                    return time.perf_counter() - start
        except OSError:
            pass
        time.sleep(0.005)
    raise RuntimeError(f"{url} not healthy after {deadline_s}s")


class Server:
    def __init__(self, argv: list[str], health_url: str, env: dict[str, str] | None = None) -> None:
        self.argv, self.health_url, self.env = argv, health_url, env

    def __enter__(self) -> Server:
        started = time.perf_counter()
        self.proc = subprocess.Popen(self.argv, env={**os.environ, **(self.env or {})},
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        wait_healthy(self.health_url, 30)
        self.startup_s = time.perf_counter() - started
        return self

    def rss_mb(self) -> float:
        total = 0
        for pid in [self.proc.pid, *children(self.proc.pid)]:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except OSError:
                pass
        return round(total / 1024, 1)

    def __exit__(self, *exc: object) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.proc.pid, signal.SIGKILL)


def children(pid: int) -> list[int]:
    try:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    except FileNotFoundError:
        return []
    return [int(p) for p in out.split()]


WRK_LUA = """
wrk.method = "{method}"
wrk.headers["Authorization"] = "{token}"
{body}
"""


def wrk(url: str, method: str, body: str | None, seconds: int, connections: int) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_LUA.format(
            method=method, token=TOKEN,
            body=(f'wrk.headers["Content-Type"] = "application/json"\nwrk.body = {json.dumps(body)}'
                  if body else ""),
        ))
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script.name, url],
        capture_output=True, text=True, timeout=seconds + 30, check=True,
    ).stdout
    os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {"rps": round(rps), "p50_ms": latency(out, "50%"), "p99_ms": latency(out, "99%"),
            "errors": int(non2xx.group(1)) if non2xx else 0}


def latency(out: str, pct: str) -> float:
    m = re.search(rf"{re.escape(pct)}\s+([\d.]+)(us|ms|s)", out)
    if not m:
        return float("nan")
    value, unit = float(m.group(1)), m.group(2)
    return round(value / 1000 if unit == "us" else value * 1000 if unit == "s" else value, 2)


def measure(url: str, method: str, body: str | None, args: argparse.Namespace) -> dict[str, float]:
    """Median-throughput run of ``args.repeat`` wrk runs."""
    runs = [wrk(url, method, body, args.seconds, args.connections) for _ in range(args.repeat)]
    return sorted(runs, key=lambda r: r["rps"])[len(runs) // 2]


def omnimeet_server(port: int, data_dir: Path, database_url: str | None, workers: int) -> Server:
    argv = [str(VENV_BIN / "omnimeet"), "serve", "--port", str(port), "--workers", str(workers)]
    env = {"OMNIMEET_DATA_DIR": str(data_dir)}
    if database_url:
        argv += ["--database-url", database_url]
    return Server(argv, f"http://127.0.0.1:{port}/_omnimeet/health", env)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", default=os.environ.get("OMNIMEET_BENCH_POSTGRES_URL"),
                        help="also measure on this PostgreSQL database URL")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is missing: apt-get install -y wrk", file=sys.stderr)
        return 2
    results: dict[str, object] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "settings": {"seconds": args.seconds, "connections": args.connections, "repeat": args.repeat},
    }
    port = free_port()
    ceiling = Server([str(VENV_BIN / "uvicorn"), "ceiling_app:app", "--port", str(port), "--log-level",
                      "warning", "--no-access-log", "--app-dir", str(HERE)],
                     f"http://127.0.0.1:{port}/telemost/v1/telemost-api/conferences/1")
    with ceiling:
        results["ceiling_fastapi_memory"] = {
            "get": measure(f"http://127.0.0.1:{port}{BASE}/conferences/12345678901234", "GET", None, args),
            "post": measure(f"http://127.0.0.1:{port}{BASE}/conferences", "POST", "{}", args),
        }
    backends = {"sqlite": None, **({"postgresql": args.postgres} if args.postgres else {})}
    for backend, url in backends.items():
        for workers in (1, 2):
            with tempfile.TemporaryDirectory() as tmp:
                port = free_port()
                with omnimeet_server(port, Path(tmp), url, workers) as server:
                    base = f"http://127.0.0.1:{port}"
                    request("POST", f"{base}/_omnimeet/reset")
                    status, body = request("POST", f"{base}{BASE}/conferences", b'{"access_level":"PUBLIC"}')
                    assert status == 201, (status, body)
                    conference = json.loads(body)["id"]
                    entry: dict[str, object] = {
                        "get": measure(f"{base}{BASE}/conferences/{conference}", "GET", None, args),
                        "post": measure(f"{base}{BASE}/conferences", "POST", '{"access_level":"PUBLIC"}', args),
                        "rss_mb_after_load": server.rss_mb(),
                    }
                    if workers == 1:
                        resets = []
                        for _ in range(20):
                            t = time.perf_counter()
                            request("POST", f"{base}/_omnimeet/reset")
                            resets.append((time.perf_counter() - t) * 1000)
                        entry["reset_ms_median"] = round(statistics.median(resets), 2)
                    results[f"omnimeet_{backend}_{workers}w"] = entry
    startups = []
    for _ in range(3):
        with tempfile.TemporaryDirectory() as tmp, omnimeet_server(free_port(), Path(tmp), None, 1) as server:
            startups.append(server.startup_s)
            results["rss_mb_idle"] = server.rss_mb()
    results["startup_s_median"] = round(statistics.median(startups), 3)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"{dt.date.today().isoformat()}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))
    print(f"\nwritten to {path}")
    return 0


def table(results: dict[str, object]) -> str:
    ceiling = results["ceiling_fastapi_memory"]
    assert isinstance(ceiling, dict)
    lines = ["| server | GET req/s | GET p99 ms | GET vs ceiling | POST req/s | POST p99 ms | POST vs ceiling |",
             "|---|---|---|---|---|---|---|"]
    for name, entry in results.items():
        if not isinstance(entry, dict) or "get" not in entry:
            continue
        get, post = entry["get"], entry["post"]
        lines.append(f"| {name} | {get['rps']} | {get['p99_ms']} | {get['rps'] / ceiling['get']['rps']:.2f} | "
                     f"{post['rps']} | {post['p99_ms']} | {post['rps'] / ceiling['post']['rps']:.2f} |")
    lines.append(f"\nstart-up to healthy: {results['startup_s_median']} s (median of 3); "
                 f"idle RSS {results['rss_mb_idle']} MB")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
