"""Vendor-neutral domain errors: a stable code and facts, never an HTTP status or a vendor's wording."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    """The object does not exist (or was deleted)."""
    OTHER_TENANT = "other_tenant"
    """The object exists but belongs to another tenant."""
    NOT_IN_ORGANIZATION = "not_in_organization"
    """The principal's tenant is a personal account, and the operation needs an organisation."""
    FEATURE_NOT_IN_PLAN = "feature_not_in_plan"
    """The tenant's plan does not include the feature (``details['feature']``)."""
    INVALID_TRANSITION = "invalid_transition"
    """A state machine refused the move (``details['from']``, ``details['to']``)."""
    CONFLICT = "conflict"
    """The request contradicts the object's current state."""
    LIMIT_REACHED = "limit_reached"
    """A quota or capacity limit was hit."""
    INVALID = "invalid"
    """A value broke a domain rule (``details['field']``)."""


class DomainError(Exception):
    def __init__(self, code: ErrorCode, entity: str = "", **details: Any) -> None:
        super().__init__(f"{code.value}: {entity} {details}".strip())
        self.code = code
        self.entity = entity
        self.details = details
