"""Vonage Meetings API (spec 0.1.5, answers as the official SDKs recorded them), mounted at ``/vonage``."""

from omnimeet.vendors.vonage.app import plugin

__all__ = ["plugin"]
