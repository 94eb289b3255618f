"""A fake Moodle on loopback for the Web Services tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .fake_moodle import FakeMoodle


@pytest.fixture
def moodle() -> Iterator[FakeMoodle]:
    site = FakeMoodle()
    yield site
    site.stop()
