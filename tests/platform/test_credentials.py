"""The strict-mode credentials file: parsing and what it provisions."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from omnimeet.domain.tenancy import ALL, PrincipalSpec, TenantSpec, credential_hash
from omnimeet.platform.credentials import CredentialsFile

EXAMPLE = """
organizations:
  - id: acme
    name: Acme Ltd
    plan: business
    features: [live_streams]
  - id: bare
    features: []
principals:
  - api: telemost
    credential: acme-admin-token
    organization: acme
    scopes: ["*"]
    label: Acme admin
  - api: telemost
    credential: acme-reader
    organization: acme
    scopes: [telemost:conferences.read]
  - api: telemost
    credential: solo-token
    label: Solo
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "credentials.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_and_specs(tmp_path: Path) -> None:
    tenants, principals = CredentialsFile.load(_write(tmp_path, EXAMPLE)).specs()
    personal = f"personal_{credential_hash('telemost', 'solo-token')[:24]}"
    assert tenants == [
        TenantSpec("org_acme", "Acme Ltd", True, "business", frozenset({"live_streams"})),
        TenantSpec("org_bare", "bare", True, "default", frozenset()),
        TenantSpec(personal, "Solo", is_organization=False, plan="personal", features=frozenset()),
    ]
    assert principals == [
        PrincipalSpec("telemost", "acme-admin-token", "org_acme", "Acme admin", frozenset({ALL})),
        PrincipalSpec("telemost", "acme-reader", "org_acme", "", frozenset({"telemost:conferences.read"})),
        PrincipalSpec("telemost", "solo-token", personal, "Solo", frozenset({ALL})),
    ]


def test_defaults_of_entries() -> None:
    parsed = CredentialsFile.model_validate(
        {"organizations": [{"id": "o"}], "principals": [{"api": "telemost", "credential": "c"}]}
    )
    tenants, principals = parsed.specs()
    assert tenants[0] == TenantSpec("org_o", "o", True, "default", frozenset({ALL}))
    # A principal without an organisation gets a personal, non-organisation tenant without features.
    assert (tenants[1].is_organization, tenants[1].features, tenants[1].name) == (
        False,
        frozenset(),
        "personal account",
    )
    assert principals[0].tenant_id == tenants[1].id
    assert principals[0].scopes == frozenset({ALL})


def test_personal_tenants_are_one_per_credential() -> None:
    parsed = CredentialsFile.model_validate(
        {"principals": [{"api": "telemost", "credential": "a"}, {"api": "telemost", "credential": "b"}]}
    )
    tenants, principals = parsed.specs()
    assert len({t.id for t in tenants}) == 2
    assert [p.tenant_id for p in principals] == [t.id for t in tenants]


def test_empty_file_is_no_credentials(tmp_path: Path) -> None:
    assert CredentialsFile.load(_write(tmp_path, "")).specs() == ([], [])


def test_unknown_organisation_is_an_error() -> None:
    parsed = CredentialsFile.model_validate(
        {
            "organizations": [{"id": "acme"}],
            "principals": [{"api": "telemost", "credential": "c", "organization": "acne", "label": "typo"}],
        }
    )
    with pytest.raises(ValueError, match="unknown organization 'acne'"):
        parsed.specs()


@pytest.mark.parametrize(
    "data",
    [
        {"organisations": []},  # misspelt key
        {"principals": [{"api": "telemost", "credential": "c", "role": "admin"}]},  # unknown field
        {"principals": [{"api": "telemost"}]},  # no credential
        {"principals": [{"api": "telemost", "credential": ""}]},  # empty credential
        {"organizations": [{"id": ""}]},
        {"organizations": [{"id": "x" * 41}]},
    ],
)
def test_malformed_files_are_refused(data: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        CredentialsFile.model_validate(data)
