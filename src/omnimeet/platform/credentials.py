"""The strict-mode credentials file: organisations, their plans, and the principals allowed in.

Example (YAML)::

    organizations:
      - id: acme
        name: Acme Ltd
        plan: business
        features: [live_streams]     # or ["*"]; [] for a plan without extras
    principals:
      - api: telemost                # the vendor the credential is for
        credential: acme-admin-token # the token/key exactly as the client sends it
        organization: acme           # omit or null: a personal account outside any organisation
        scopes: ["*"]                # or the vendor's scope names
        label: Acme admin
      - api: vonage                  # clients sign a JWT per request:
        credential: <application id> #   the credential is the id the token names,
        public_key: |                #   and the key checks the token's signature
          -----BEGIN PUBLIC KEY-----
          ...
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from omnimeet.domain.tenancy import ALL, PrincipalSpec, TenantSpec, credential_hash


class OrganizationEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=40)
    name: str | None = None
    plan: str = "default"
    features: list[str] = Field(default_factory=lambda: [ALL])


class PrincipalEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    api: str = Field(min_length=1, max_length=32)
    credential: str = Field(min_length=1)
    organization: str | None = None
    scopes: list[str] = Field(default_factory=lambda: [ALL])
    label: str | None = None
    public_key: str | None = None
    """PEM public key that verifies the principal's signed tokens, for APIs whose clients sign each request
    (Vonage: the application's RS256 key); the credential is then the id the token names."""


class CredentialsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organizations: list[OrganizationEntry] = Field(default_factory=list)
    principals: list[PrincipalEntry] = Field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> CredentialsFile:
        import yaml

        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return cls.model_validate(data)

    def public_key(self, api: str, credential: str) -> str | None:
        """The registered public key of ``credential`` in ``api``, if any."""
        for entry in self.principals:
            if entry.api == api and entry.credential == credential:
                return entry.public_key
        return None

    def specs(self) -> tuple[list[TenantSpec], list[PrincipalSpec]]:
        """Tenants and principals to provision; a principal without an organisation gets a personal tenant."""
        known = {org.id for org in self.organizations}
        tenants = [
            TenantSpec(
                id=f"org_{org.id}", name=org.name or org.id, plan=org.plan, features=frozenset(org.features)
            )
            for org in self.organizations
        ]
        principals = []
        for entry in self.principals:
            if entry.organization is None:
                tenant_id = f"personal_{credential_hash(entry.api, entry.credential)[:24]}"
                tenants.append(
                    TenantSpec(
                        id=tenant_id,
                        name=entry.label or "personal account",
                        is_organization=False,
                        plan="personal",
                        features=frozenset(),
                    )
                )
            elif entry.organization in known:
                tenant_id = f"org_{entry.organization}"
            else:
                raise ValueError(
                    f"principal {entry.label or entry.api!r}: unknown organization {entry.organization!r}"
                )
            principals.append(
                PrincipalSpec(
                    api=entry.api,
                    credential=entry.credential,
                    tenant_id=tenant_id,
                    label=entry.label or "",
                    scopes=frozenset(entry.scopes),
                )
            )
        return tenants, principals
