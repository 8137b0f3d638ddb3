"""Testing support shipped with omnimeet: a pytest plugin (registered through the ``pytest11`` entry point)
and a small Python client of the control API.

Fixtures (see ``omnimeet.testing.plugin``): ``omnimeet_app`` (in-process, no socket), ``omnimeet_server``
(a real server on a free port in a background thread) and ``omnimeet`` (an ``OmnimeetControl``).
"""

from omnimeet.testing.client import OmnimeetControl, OmnimeetControlError

__all__ = ["OmnimeetControl", "OmnimeetControlError"]
