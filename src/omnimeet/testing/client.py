"""``OmnimeetControl``: a synchronous Python client of the control API (``/_omnimeet``).

It works over any ``httpx.Client``: one pointed at a running server, or one whose transport calls an
in-process app (the ``omnimeet`` pytest fixture picks the right one). Every non-2xx answer raises
``OmnimeetControlError`` carrying the status and the control API's ``{error, message}`` body.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx


class OmnimeetControlError(Exception):
    def __init__(self, status: int, body: Any) -> None:
        message = body.get("message") if isinstance(body, dict) else body
        super().__init__(f"{status}: {message}")
        self.status = status
        self.body = body


def _without_none(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


class _Part:
    def __init__(self, http: httpx.Client) -> None:
        self._http = http

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._http.request(method, f"/_omnimeet{path}", **kwargs)
        if response.status_code >= 400:
            try:
                body: Any = response.json()
            except ValueError:
                body = response.text
            raise OmnimeetControlError(response.status_code, body)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()


class ClockControl(_Part):
    """The virtual clock. Moving it runs whatever became due (expiries, recordings, webhook retries)."""

    def state(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/clock")
        return result

    def now(self) -> datetime:
        return datetime.fromisoformat(self.state()["now"].replace("Z", "+00:00"))

    def advance(
        self, seconds: float = 0, *, minutes: float = 0, hours: float = 0, days: float = 0
    ) -> dict[str, Any]:
        total = seconds + 60 * minutes + 3600 * hours + 86_400 * days
        result: dict[str, Any] = self._call("POST", "/clock", json={"advance_seconds": total})
        return result

    def set(self, now: datetime | str) -> dict[str, Any]:
        value = now.isoformat() if isinstance(now, datetime) else now
        result: dict[str, Any] = self._call("POST", "/clock", json={"now": value})
        return result

    def freeze(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "/clock", json={"freeze": True})
        return result

    def unfreeze(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "/clock", json={"freeze": False})
        return result


class FaultControl(_Part):
    """Injected faults: ``add("telemost", method="POST", status=429, times=1)``."""

    def add(self, vendor: str, **rule: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "/faults", json={"vendor": vendor, **_without_none(rule)})
        return result

    def list(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/faults")["faults"]
        return result

    def remove(self, fault_id: str) -> None:
        self._call("DELETE", f"/faults/{fault_id}")

    def clear(self) -> None:
        self._call("DELETE", "/faults")


class RequestJournal(_Part):
    """The request journal: what the code under test sent to each vendor API, and what it got back."""

    def find(
        self,
        vendor: str | None = None,
        *,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        since: str | int | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Matching entries, oldest first. ``path`` is a glob (``/telemost/*/conferences``)."""
        query = _without_none(
            {
                "vendor": vendor,
                "method": method,
                "path": path,
                "status": status,
                "since": since,
                "limit": limit,
            }
        )
        result: list[dict[str, Any]] = self._call("GET", "/requests", params=query)["requests"]
        return result

    def last(self, vendor: str | None = None, **filters: Any) -> dict[str, Any] | None:
        found = self.find(vendor, **filters)
        return found[-1] if found else None

    def clear(self) -> None:
        self._call("DELETE", "/requests")


class WebhookControl(_Part):
    """Webhook endpoints and deliveries. ``flush()`` delivers everything due before it returns."""

    def subscribe(
        self,
        vendor: str,
        url: str,
        *,
        events: list[str] | None = None,
        tenant: str | None = None,
        secret: str | None = None,
    ) -> dict[str, Any]:
        body = _without_none(
            {"vendor": vendor, "url": url, "events": events, "tenant": tenant, "secret": secret}
        )
        result: dict[str, Any] = self._call("POST", "/webhooks/endpoints", json=body)
        return result

    def endpoints(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/webhooks/endpoints")["endpoints"]
        return result

    def unsubscribe(self, endpoint_id: int | str) -> None:
        self._call("DELETE", f"/webhooks/endpoints/{endpoint_id}")

    def list(
        self, vendor: str | None = None, *, event: str | None = None, status: str | None = None
    ) -> list[dict[str, Any]]:
        query = _without_none({"vendor": vendor, "event": event, "status": status})
        result: list[dict[str, Any]] = self._call("GET", "/webhooks", params=query)["deliveries"]
        return result

    def flush(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "/webhooks/flush")
        return result

    def redeliver(self, delivery_id: int | str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", f"/webhooks/{delivery_id}/redeliver")
        return result


class Simulation(_Part):
    """What participants would do in a meeting, addressed by the vendor's own ids."""

    def room(self, vendor: str, room_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", f"/vendors/{vendor}/rooms/{room_id}")
        return result

    def start_session(self, vendor: str, room_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", f"/vendors/{vendor}/rooms/{room_id}/session")
        return result

    def end_session(self, vendor: str, room_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("DELETE", f"/vendors/{vendor}/rooms/{room_id}/session")
        return result

    def join(
        self,
        vendor: str,
        room_id: str,
        name: str,
        *,
        role: str | None = None,
        participant_id: str | None = None,
    ) -> dict[str, Any]:
        body = _without_none({"name": name, "role": role, "id": participant_id})
        result: dict[str, Any] = self._call(
            "POST", f"/vendors/{vendor}/rooms/{room_id}/participants", json=body
        )
        return result

    def leave(self, vendor: str, room_id: str, participant_id: str) -> dict[str, Any]:
        path = f"/vendors/{vendor}/rooms/{room_id}/participants/{participant_id}"
        result: dict[str, Any] = self._call("DELETE", path)
        return result

    def start_recording(self, vendor: str, room_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", f"/vendors/{vendor}/rooms/{room_id}/recordings")
        return result

    def recording(self, vendor: str, recording_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", f"/vendors/{vendor}/recordings/{recording_id}")
        return result

    def stop_recording(self, vendor: str, recording_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", f"/vendors/{vendor}/recordings/{recording_id}/stop")
        return result

    def advance_recording(self, vendor: str, recording_id: str, status: str | None = None) -> dict[str, Any]:
        body = _without_none({"status": status})
        path = f"/vendors/{vendor}/recordings/{recording_id}/advance"
        result: dict[str, Any] = self._call("POST", path, json=body)
        return result

    def set_progression(
        self, vendor: str, mode: str, *, seconds: float | None = None, machine: str = "recording"
    ) -> dict[str, Any]:
        """How the machine's asynchronous states move on: ``immediate``, ``manual`` or ``after``."""
        body = _without_none({"mode": mode, "seconds": seconds})
        result: dict[str, Any] = self._call("PUT", f"/progression/{vendor}/{machine}", json=body)
        return result


class PrincipalControl(_Part):
    """Credentials the emulator accepts (in strict mode, the only ones)."""

    def create(self, vendor: str, credential: str, **fields: Any) -> dict[str, Any]:
        body = {"vendor": vendor, "credential": credential, **_without_none(fields)}
        result: dict[str, Any] = self._call("POST", "/principals", json=body)
        return result

    def list(self, vendor: str | None = None) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call(
            "GET", "/principals", params=_without_none({"vendor": vendor})
        )["principals"]
        return result

    def revoke(self, principal_id: str) -> None:
        self._call("DELETE", f"/principals/{principal_id}")


class OmnimeetControl(_Part):
    """The whole control API: ``clock``, ``faults``, ``requests``, ``webhooks``, ``simulate``,
    ``principals``, plus reset, health and state export/import."""

    def __init__(self, http: httpx.Client) -> None:
        super().__init__(http)
        self.http = http
        self.clock = ClockControl(http)
        self.faults = FaultControl(http)
        self.requests = RequestJournal(http)
        self.webhooks = WebhookControl(http)
        self.simulate = Simulation(http)
        self.principals = PrincipalControl(http)

    def health(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/health")
        return result

    def reset(self, tenant: str | None = None) -> None:
        """Empties the emulator (or one tenant's data) and rewinds the clock."""
        self._call("POST", "/reset", json={"tenant": tenant} if tenant else None)

    def export_state(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/state")
        return result

    def import_state(self, document: Mapping[str, Any]) -> None:
        self._call("POST", "/state", json=dict(document))
