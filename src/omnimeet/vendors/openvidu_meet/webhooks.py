"""OpenVidu Meet's webhooks (``FORMAT``): recording events only, as the vendor's server sends them.

Off unless a control-plane endpoint for ``openvidu-meet`` is configured (``POST
/_omnimeet/webhooks/endpoints`` with ``{"vendor": "openvidu-meet", "url": ..., "secret": <the API key>}``),
as the vendor's are unless ``MEET_WEBHOOK_ENABLED`` and ``MEET_WEBHOOK_URL`` are set.

- ``recordingStarted``: the recording records (STARTED).
- ``recordingUpdated``: every status change, the first (STARTING) included.
- ``recordingEnded``: the recording is READY or FAILED (the egress ended); STOPPED is an update.

The body is ``{"event", "creationDate" (ms), "data": <the recording as GET /recordings/{id} shows it at
that moment>}``; headers ``X-Timestamp`` (ms, the event's time) and, when the endpoint has a secret,
``X-Signature``: hex HMAC-SHA256 keyed by the secret over ``"<X-Timestamp>.<body>"``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from typing import Any

from omnimeet.domain.events import DomainEvent, EventType
from omnimeet.domain.outbox import Delivery
from omnimeet.domain.webhooks import Target
from omnimeet.platform.webhooks import Rendered
from omnimeet.vendors.openvidu_meet.rules import wire_recording

EVENT_NAMES: dict[EventType, str] = {
    EventType.RECORDING_STARTED: "recordingStarted",
    EventType.RECORDING_UPDATED: "recordingUpdated",
    EventType.RECORDING_READY: "recordingEnded",
    EventType.RECORDING_FAILED: "recordingEnded",
}


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """Hex HMAC-SHA256 keyed by ``secret`` over ``"<timestamp>.<body>"``."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def recording_of(payload: dict[str, Any]) -> dict[str, Any]:
    """The wire recording of a neutral recording event's payload."""
    data = payload.get("data", {})
    facts = data.get("recording", {})
    return wire_recording(
        recording_id=str(facts.get("id", "")),
        room_name=str(data.get("room_id", "")),
        status=str(facts.get("status", data.get("status", ""))),
        started_at_ms=facts.get("started_at_ms"),
        ended_at_ms=facts.get("ended_at_ms"),
        size_bytes=facts.get("size"),
        filename=facts.get("filename"),
        duration_ms=int(facts.get("duration_ms") or 0),
        created_at_ms=int(payload.get("occurred_at_ms", 0)),
    )


class OpenViduMeetWebhooks:
    def event_name(self, event_type: EventType) -> str | None:
        return EVENT_NAMES.get(event_type)

    def room_targets(self, event: DomainEvent) -> Sequence[Target]:
        return ()

    def render(self, delivery: Delivery) -> Rendered:
        created = int(delivery.payload.get("occurred_at_ms", delivery.created_at_ms))
        envelope = {"event": delivery.event, "creationDate": created, "data": recording_of(delivery.payload)}
        body = json.dumps(envelope, separators=(",", ":")).encode()
        timestamp = str(created)
        headers = {"Content-Type": "application/json", "X-Timestamp": timestamp}
        if delivery.secret:
            headers["X-Signature"] = signature(delivery.secret, timestamp, body)
        return body, headers


FORMAT = OpenViduMeetWebhooks()
