"""Yandex Telemost API v1 (spec 1.0.1): conferences and their live streams."""

from omnimeet.vendors.telemost.app import BASE_PATH, build_app

__all__ = ["BASE_PATH", "build_app"]
