"""What building the server imports: packages a SQLite server does not need to answer health stay unloaded
(they cost start-up time and resident memory in every process). In a fresh interpreter, as
``omnimeet serve`` builds its app."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROBE = """
import json, sys
from omnimeet.cli import collector_paused
from omnimeet.platform.config import Settings
from omnimeet.main import create_app
with collector_paused():
    app = create_app(Settings(database_url=sys.argv[1]))
print(json.dumps(sorted(sys.modules)))
"""


def _modules_after_start_up(database_url: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, database_url], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    modules: list[str] = json.loads(done.stdout.splitlines()[-1])
    return set(modules)


def _loaded(modules: set[str], package: str) -> list[str]:
    return sorted(name for name in modules if name == package or name.startswith(package + "."))


def test_a_sqlite_server_start_up_leaves_the_postgresql_dialect_unloaded(tmp_path: Path) -> None:
    modules = _modules_after_start_up(f"sqlite:///{tmp_path / 'x.db'}")
    assert "omnimeet.main" in modules  # the probe did build the app
    assert "sqlalchemy.dialects.sqlite" in modules
    assert _loaded(modules, "sqlalchemy.dialects.postgresql") == []
    assert _loaded(modules, "psycopg") == []


def test_a_server_start_up_leaves_jwt_and_cryptography_unloaded(tmp_path: Path) -> None:
    """Tokens are decoded and signed only when a request needs it (cryptography's bindings: ~9 MB)."""
    modules = _modules_after_start_up(f"sqlite:///{tmp_path / 'x.db'}")
    assert "omnimeet.vendors.opentalk.auth" in modules
    assert _loaded(modules, "jwt") == []
    assert _loaded(modules, "cryptography") == []
