"""The committed OpenAPI documents are byte for byte what the code generates."""

from __future__ import annotations

import functools

import pytest

from omnimeet.main import openapi_documents, openapi_yaml, vendor_mounts
from tests.contract.openapi import OPENAPI_DIR

VENDORS = sorted(mount.name for mount in vendor_mounts())
DOCUMENTS = sorted(["omnimeet", *VENDORS])
"""The control API's document (``omnimeet``) and each vendor's."""


@functools.cache
def generated() -> dict[str, dict[str, object]]:
    return openapi_documents()


def test_telemost_is_a_vendor() -> None:
    assert "telemost" in VENDORS


@pytest.mark.parametrize("vendor", DOCUMENTS)
def test_committed_openapi_is_current(vendor: str) -> None:
    path = OPENAPI_DIR / f"{vendor}.yaml"
    assert path.is_file(), f"openapi/{vendor}.yaml is missing: run `omnimeet openapi export openapi`"
    expected = openapi_yaml(generated()[vendor]).encode("utf-8")
    assert path.read_bytes() == expected, (
        f"openapi/{vendor}.yaml is stale: run `omnimeet openapi export openapi` and commit the result"
    )


def test_no_stray_documents() -> None:
    committed = sorted(path.stem for path in OPENAPI_DIR.glob("*.yaml"))
    assert committed == DOCUMENTS
