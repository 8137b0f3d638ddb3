"""SourceFuse Video Conferencing Service (LoopBack 4, Vonage Video provider), mounted at ``/sourcefuse``."""

from omnimeet.vendors.sourcefuse.app import plugin

__all__ = ["plugin"]
