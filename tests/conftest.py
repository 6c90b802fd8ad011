"""Shared fixtures: one engine over the real packaged catalog, and the path to ../shared."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
LANDSCAPE = SHARED / "landscape" / "landscape.yml"


@pytest.fixture(scope="session")
def engine():
    from knowledge.engine import Engine

    return Engine.load()


@pytest.fixture(scope="session")
def catalog(engine):
    return engine.catalog


@pytest.fixture
def landscape_yml() -> Path:
    if not LANDSCAPE.exists():
        pytest.skip(f"the CNCF landscape file is not at {LANDSCAPE}")
    return LANDSCAPE


@pytest.fixture(scope="module")
def harness(engine):
    """A running server (real HTTP, fake Slack at the edge) shared by the tests of a module."""
    from tests.handlers.harness import Harness

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
