"""The ``omnimeet`` command: serve, migrate, export OpenAPI documents."""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from omnimeet.platform.config import Settings
    from omnimeet.platform.tls import TlsFiles
    from omnimeet.platform.web import PrefixDispatcher

GRACEFUL_SHUTDOWN_SECONDS = 2
"""With TLS: how long a stopping server waits for open connections before closing them."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="omnimeet", description="Local emulator of video-meeting APIs.")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="apply migrations, then serve every vendor API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--database-url", help="overrides OMNIMEET_DATABASE_URL")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.add_argument("--log-level", default="warning", help="uvicorn log level (default warning)")
    serve.add_argument(
        "--seed",
        type=Path,
        metavar="FILE",
        help="load this state document (as GET /_omnimeet/state gives it; JSON, or YAML when the name ends "
        "in .yaml/.yml) into the database before serving, replacing what it holds",
    )
    serve.add_argument(
        "--vendor-port",
        action="append",
        default=[],
        type=_vendor_port,
        metavar="VENDOR=PORT",
        help="also serve VENDOR at the root of its own PORT, for clients that cannot add a path prefix "
        "(repeatable)",
    )
    serve.add_argument(
        "--tls",
        action="store_true",
        help="serve HTTPS on every port, with a certificate of a local CA kept in the data directory",
    )

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_commands.add_parser("upgrade", help="apply migrations up to the newest schema")
    upgrade.add_argument("--database-url", help="overrides OMNIMEET_DATABASE_URL")

    openapi = commands.add_parser("openapi", help="OpenAPI documents of the vendor APIs")
    openapi_commands = openapi.add_subparsers(dest="openapi_command", required=True)
    export = openapi_commands.add_parser("export", help="write <vendor>.yaml for every vendor into DIR")
    export.add_argument("directory", type=Path)
    return parser


def _vendor_port(value: str) -> tuple[str, int]:
    name, sep, port = value.partition("=")
    if not sep or not name or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"expected VENDOR=PORT (a port from 1 to 65535), got {value!r}")
    return name, int(port)


def _check_vendor_ports(args: argparse.Namespace) -> str | None:
    """What is wrong with the ``--vendor-port`` options (unknown vendor, port used twice), if anything."""
    if not args.vendor_port:
        return None
    from omnimeet.main import vendor_mounts

    known = [mount.name for mount in vendor_mounts()]
    names = [name for name, _ in args.vendor_port]
    ports = [args.port, *(port for _, port in args.vendor_port)]
    for name in names:
        if name not in known:
            return f"--vendor-port: unknown vendor {name!r} (known: {', '.join(known)})"
    if len(set(names)) != len(names):
        return "--vendor-port: a vendor is given twice"
    if len(set(ports)) != len(ports):
        return "--vendor-port: every vendor port must differ from the others and from --port"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "serve":
        problem = _check_vendor_ports(args)
        if problem:
            parser.error(problem)
        if args.database_url:
            # Through the environment, so that worker processes (which build their own settings) see it.
            os.environ["OMNIMEET_DATABASE_URL"] = args.database_url
        if args.vendor_port:
            os.environ["OMNIMEET_VENDOR_PORTS"] = json.dumps(dict(args.vendor_port))
        with collector_paused() as resume:
            return _serve(args, resume)
    if args.command == "db":
        return _db_upgrade(args.database_url)
    return _export_openapi(args.directory)


@contextlib.contextmanager
def collector_paused() -> Iterator[Callable[[], None]]:
    """Start-up without Python's cyclic garbage collector; it is on again when the block ends, or earlier
    when the function it yields is called (unless it was off already).

    Importing the packages and building the apps creates some 150,000 long-lived objects and next to no
    cyclic garbage (about 1,000 objects), yet the collector, triggered by the allocations, scanned them
    again and again: a third of the start-up time (measured: 0.30 of 1.4 s of CPU). Where the block is left
    with the server's app built, ``freeze_startup_objects`` moves what exists to the permanent generation.
    """
    enabled = gc.isenabled()

    def resume() -> None:
        if enabled:
            gc.enable()

    gc.disable()
    try:
        yield resume
    finally:
        resume()


def freeze_startup_objects() -> None:
    """Moves every object that exists now (modules, apps, the little garbage start-up left) out of the
    collector's reach, without the full collection that would first cost ~0.1 s: the lifespan's own
    ``gc.collect()`` then scans only what was made after this."""
    gc.freeze()


def _db_upgrade(database_url: str | None = None) -> int:
    from omnimeet.platform.config import Settings
    from omnimeet.platform.db import Database
    from omnimeet.platform.migrate import upgrade_to_head

    url = database_url or Settings().resolved_database_url()
    db = Database(url)
    try:
        upgrade_to_head(db)
    finally:
        db.close()
    print(f"database at the newest schema: {_redacted(url)}")
    return 0


def _serve(args: argparse.Namespace, resume_collector: Callable[[], None]) -> int:
    from omnimeet.main import vendor_mounts
    from omnimeet.platform.config import Settings

    _db_upgrade()
    if args.seed is not None:
        problem = _load_seed(args.seed)
        if problem:
            print(f"omnimeet: cannot load --seed {args.seed}: {problem}", file=sys.stderr)
            return 2
        gc.collect()  # a large state document may leave cyclic garbage: not to be frozen
    settings = Settings()
    tls = None
    if args.tls:
        from omnimeet.platform.tls import ensure_certificates, server_hosts

        tls = ensure_certificates(settings.data_dir, server_hosts(args.host))
    try:
        sockets = [_bind(args.host, port) for port in (args.port, *(p for _, p in args.vendor_port))]
    except OSError as exc:
        print(f"omnimeet: cannot listen on {args.host}: {exc}", file=sys.stderr)
        return 1
    scheme = "https" if tls else "http"
    host = f"[{args.host}]" if ":" in args.host else args.host
    base = f"{scheme}://{host}:{args.port}"
    print(f"omnimeet serving at {base}")
    print(f"  control API   {base}/_omnimeet  (health: {base}/_omnimeet/health)")
    own_ports = dict(args.vendor_port)
    for mount in vendor_mounts():
        print(f"  {mount.name:<13} {base}{mount.prefix}{mount.base_path}")
        if mount.name in own_ports:
            own = f"{scheme}://{host}:{own_ports[mount.name]}{mount.base_path}"
            print(f"  {mount.name:<13} {own}  (own port)")
    if tls:
        ca = tls.ca.resolve()
        print(f"  trust this CA: {ca}")
        print(f"    e.g. SSL_CERT_FILE={ca} (Python ssl, httpx) or REQUESTS_CA_BUNDLE={ca} (requests)")
    sys.stdout.flush()
    return _run(args, settings, sockets, tls, resume_collector)


def _load_seed(path: Path) -> str | None:
    """Loads a state document into the database (once, here, before any worker starts); passes its clock
    on to the workers through the environment. What is wrong with the file, if anything."""
    import time

    from omnimeet.platform.clock import VirtualClock
    from omnimeet.platform.config import Settings
    from omnimeet.platform.control.state import StateError, import_state, load_document_file
    from omnimeet.platform.db import Database

    settings = Settings()
    db = Database(settings.resolved_database_url(), busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    clock = VirtualClock()
    try:
        import_state(db, clock, load_document_file(path))
    except StateError as exc:
        return str(exc)
    finally:
        db.close()
    if clock.frozen:
        os.environ["OMNIMEET_CLOCK_FROZEN_AT_MS"] = str(clock.now_ms())
    elif clock.offset_ms:
        os.environ["OMNIMEET_CLOCK_OFFSET_MS"] = str(clock.now_ms() - time.time_ns() // 1_000_000)
    print(f"loaded the state in {path}")
    return None


def _bind(host: str, port: int) -> socket.socket:
    """A listening address for uvicorn, bound here so that one server (or every worker) serves them all."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _run(
    args: argparse.Namespace,
    settings: Settings,
    sockets: list[socket.socket],
    tls: TlsFiles | None,
    resume_collector: Callable[[], None],
) -> int:
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from omnimeet.main import create_app

    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "log_level": args.log_level,
        "access_log": False,
    }
    if tls is not None:
        # An idle keep-alive TLS connection otherwise holds shutdown for asyncio's 30 s SSL close timeout.
        options.update(timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS)
        options.update(ssl_certfile=str(tls.cert), ssl_keyfile=str(tls.key))
    try:
        if args.workers > 1:
            config = uvicorn.Config("omnimeet.cli:worker_app", factory=True, workers=args.workers, **options)
            resume_collector()  # the supervisor builds no app
            Multiprocess(config, sockets=sockets).run()
            return 0
        server = uvicorn.Server(uvicorn.Config(create_app(settings, migrate=False), **options))
        freeze_startup_objects()
        resume_collector()
        server.run(sockets=sockets)
        return 0 if server.started else 3
    except KeyboardInterrupt:
        return 0
    finally:
        for sock in sockets:
            sock.close()


def worker_app() -> PrefixDispatcher:
    """The app of a worker process (``omnimeet serve --workers N``): ``omnimeet.main.app_from_env``, imported
    and built with the collector paused as in a single-process server."""
    with collector_paused():
        from omnimeet.main import app_from_env

        app = app_from_env()
        freeze_startup_objects()
    return app


def _export_openapi(directory: Path) -> int:
    from omnimeet.main import openapi_documents, openapi_yaml

    directory.mkdir(parents=True, exist_ok=True)
    for name, document in openapi_documents().items():
        path = directory / f"{name}.yaml"
        path.write_text(openapi_yaml(document), encoding="utf-8")
        print(f"wrote {path}")
    return 0


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
