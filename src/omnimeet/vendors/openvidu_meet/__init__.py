"""OpenVidu Meet API (v1, spec revision fee592ca of March 2025): rooms, participants, recordings."""

from omnimeet.vendors.openvidu_meet.app import BASE_PATH, MOUNT, build_app, plugin

__all__ = ["BASE_PATH", "MOUNT", "build_app", "plugin"]
