"""Platform fixtures shared by several test modules."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.platform.receiver import Receiver, running_receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A local HTTP server on 127.0.0.1 that records the webhooks it receives (and can refuse some)."""
    with running_receiver() as r:
        yield r
