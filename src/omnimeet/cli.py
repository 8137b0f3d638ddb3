"""The ``omnimeet`` command: serve, migrate, export OpenAPI documents."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="omnimeet", description="Local emulator of video-meeting APIs.")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="apply migrations, then serve every vendor API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--database-url", help="overrides OMNIMEET_DATABASE_URL")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.add_argument("--log-level", default="warning", help="uvicorn log level (default warning)")

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_commands.add_parser("upgrade", help="apply migrations up to the newest schema")
    upgrade.add_argument("--database-url", help="overrides OMNIMEET_DATABASE_URL")

    openapi = commands.add_parser("openapi", help="OpenAPI documents of the vendor APIs")
    openapi_commands = openapi.add_subparsers(dest="openapi_command", required=True)
    export = openapi_commands.add_parser("export", help="write <vendor>.yaml for every vendor into DIR")
    export.add_argument("directory", type=Path)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        if args.database_url:
            # Through the environment, so that worker processes (which build their own settings) see it.
            os.environ["OMNIMEET_DATABASE_URL"] = args.database_url
        return _serve(args)
    if args.command == "db":
        return _db_upgrade(args.database_url)
    return _export_openapi(args.directory)


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


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from omnimeet.main import create_app, vendor_mounts
    from omnimeet.platform.config import Settings

    _db_upgrade()
    base = f"http://{args.host}:{args.port}"
    print(f"omnimeet serving at {base}")
    print(f"  control API   {base}/_omnimeet  (health: {base}/_omnimeet/health)")
    for mount in vendor_mounts():
        print(f"  {mount.name:<13} {base}{mount.prefix}{mount.base_path}")
    sys.stdout.flush()
    if args.workers > 1:
        uvicorn.run(
            "omnimeet.main:app_from_env",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_level=args.log_level,
            access_log=False,
        )
    else:
        uvicorn.run(
            create_app(Settings(), migrate=False),
            host=args.host,
            port=args.port,
            log_level=args.log_level,
            access_log=False,
        )
    return 0


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
