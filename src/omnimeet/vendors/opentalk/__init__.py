"""OpenTalk: the controller's frontend API (rooms, signalling tickets, invites, events, users), mounted at
``/opentalk`` with its base ``/v1``."""

from omnimeet.vendors.opentalk.app import plugin

__all__ = ["plugin"]
