"""A running server (real HTTP, fake Slack at the edge) shared by the handler tests of a module."""
from __future__ import annotations

import pytest

from tests.handlers.harness import Harness


@pytest.fixture(scope="module")
def harness(engine):
    h = Harness(engine)
    yield h
    h.close()


@pytest.fixture
def slack(harness):
    """The harness with the fake's record and the services' memory cleared for one test."""
    harness.fake.reset()
    harness.services.questions.clear()
    harness.services.ran.clear()
    harness.services.langs.clear()
    return harness
