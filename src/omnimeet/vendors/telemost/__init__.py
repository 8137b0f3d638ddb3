"""Yandex Telemost API v1 (spec 1.0.1): conferences and their live streams."""

from omnimeet.vendors.telemost.app import BASE_PATH, MOUNT, build_app, plugin

__all__ = ["BASE_PATH", "MOUNT", "build_app", "plugin"]
