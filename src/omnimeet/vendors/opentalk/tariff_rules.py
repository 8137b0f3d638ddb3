"""OpenTalk tariffs from the emulator's plans, and TURN credentials (vendor-only rules).

A tariff is the plan of the user's organisation (tenant): its ``name`` is the plan, its ``id`` a UUID derived
from tenant and plan (stable across restarts), its ``quotas`` come from ``OMNIMEET_OPENTALK_TARIFF_QUOTAS``.
Which signalling modules and features it enables follows the plan's features:

- the base modules (``BASE_MODULES``) are always enabled; every other module needs the plan feature of its
  name (``recording``, ``shared_folder`` ...) or of one of its features;
- a module's feature is enabled when the plan has the module's name or ``<module>::<feature>`` (e.g.
  ``recording::record``); those of an enabled module it lacks are listed in ``disabled_features``;
- a plan with every feature (``*``, the permissive mode's default) enables everything.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from dataclasses import dataclass
from typing import Any

from omnimeet.domain.ports import Ids
from omnimeet.domain.tenancy import ALL, Principal
from omnimeet.domain.users import User
from omnimeet.platform.config import TurnServer

MODULES: dict[str, tuple[str, ...]] = {
    "core": ("call_in",),
    "chat": (),
    "media": (),
    "moderation": (),
    "breakout": (),
    "polls": (),
    "automod": (),
    "timer": (),
    "whiteboard": (),
    "protocol": (),
    "legal_vote": (),
    "recording": ("record", "stream"),
    "shared_folder": (),
}
"""The controller's signalling modules and the features each has."""
BASE_MODULES = frozenset({"core", "chat", "media", "moderation", "breakout", "polls", "automod", "timer"})
"""Modules every tariff enables."""
TARIFF_NAMESPACE = uuid.UUID("6f2c1f0e-9a34-4d1b-8c57-0a7e3b5d2c91")
DEFAULT_TARIFF_STATUS = "default"


@dataclass(frozen=True, slots=True)
class Plan:
    """A tenant's plan: what a tariff is made of."""

    tenant_id: str
    name: str
    features: frozenset[str]

    @classmethod
    def of(cls, principal: Principal) -> Plan:
        return cls(principal.tenant_id, principal.plan, principal.features)

    def has(self, feature: str) -> bool:
        return ALL in self.features or feature in self.features


def tariff_id(plan: Plan) -> str:
    return str(uuid.uuid5(TARIFF_NAMESPACE, f"{plan.tenant_id}\x00{plan.name}"))


def tariff(plan: Plan, quotas: dict[str, int]) -> dict[str, Any]:
    """The ``Tariff`` body of a plan."""
    modules: dict[str, dict[str, list[str]]] = {}
    disabled: list[str] = []
    for module, features in MODULES.items():
        whole = plan.has(module)
        enabled = [f for f in features if whole or plan.has(f"{module}::{f}")]
        if not (whole or enabled or module in BASE_MODULES):
            continue
        disabled += [f"{module}::{f}" for f in features if f not in enabled]
        modules[module] = {"features": enabled}
    return {
        "id": tariff_id(plan),
        "name": plan.name,
        "quotas": dict(quotas),
        "enabled_modules": list(modules),
        "disabled_features": disabled,
        "modules": modules,
    }


def tariff_status(user: User) -> str:
    return user.tariff_status or DEFAULT_TARIFF_STATUS


def _credentials(ids: Ids, server: TurnServer, expires: int) -> dict[str, Any]:
    random_part = base64.b64encode(bytes.fromhex(ids.hex(32))).decode()
    username = f"{expires}:turn_random_for_privacy_{random_part}"
    digest = hmac.new(server.pre_shared_key.encode(), username.encode(), hashlib.sha1).digest()
    return {
        "username": username,
        "password": base64.b64encode(digest).decode(),
        "ttl": str(expires),
        "uris": list(server.uris),
    }


def ice_servers(
    ids: Ids, servers: list[TurnServer], stun_uris: list[str], expires: int
) -> list[dict[str, Any]]:
    """``GET /turn``: credentials for the configured TURN servers, then the STUN servers.

    As the controller chose them: one server -> its credentials; two -> the first one's (the controller's
    draw between two always fell on the first); more -> two distinct servers drawn at random.
    """
    if len(servers) <= 2:
        chosen = servers[:1]
    else:
        pool = list(servers)
        chosen = [pool.pop(int(ids.hex(8), 16) % len(pool)) for _ in range(2)]
    answer = [_credentials(ids, server, expires) for server in chosen]
    if stun_uris:
        answer.append({"uris": list(stun_uris)})
    return answer
