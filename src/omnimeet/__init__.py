"""omnimeet: one server that emulates five vendors' video-meeting APIs over a shared, stateful domain."""

__version__ = "0.1.0"
