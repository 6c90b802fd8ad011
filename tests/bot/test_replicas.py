"""Two real `cncf-bot serve` processes on one PostgreSQL: duplicates and killed replicas, each event
answered exactly once (the full-size run, 1,000 events, is bench/bench_replicas.py)."""
from __future__ import annotations

import pytest

from tests.replicas import Trial, run_trial

from . import potd_fixtures


@pytest.fixture
def pg_url(tmp_path):
    tdb = potd_fixtures.DatabaseUnderTest("postgresql", tmp_path)
    yield tdb.url
    tdb.drop()


def test_two_replicas_answer_every_event_exactly_once_despite_retries_and_kills(pg_url, tmp_path):
    counts = run_trial(pg_url, Trial(events=120, duplicated=0.2, killed=0.05, kill_rounds=2, timeout=3, retry=6, lease=10), tmp_path)
    print(counts)
    assert counts["kills"] == 2 and counts["killed_after_ack"] == 6 and counts["delivered_twice"] == 24
    assert counts["acks_failed"] == 0
    assert (counts["answered_once"], counts["answered_twice_or_more"], counts["lost"]) == (120, 0, 0)
