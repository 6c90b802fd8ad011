"""/metrics as Prometheus scrapes it from the real harness: requests, latency, Slack errors, potd, knowledge."""
from __future__ import annotations

import datetime as dt
import re


from bot.metrics import count_potd_post
from tests.handlers.harness import wait_metric


def sample(text: str, name_and_labels: str) -> float:
    match = re.search(rf"^{re.escape(name_and_labels)} (\S+)$", text, re.MULTILINE)
    assert match, f"{name_and_labels} not in /metrics:\n{text}"
    return float(match.group(1))


def test_requests_by_kind_and_outcome(harness):
    harness.command("what is linkerd")
    harness.command("boom")
    harness.event({"type": "message", "subtype": "bot_message", "text": "x", "ts": "1700000100.1", "channel": "C1"})
    text = wait_metric(harness, 'cncf_bot_slack_requests_total{kind="event",outcome="ignored"}')
    assert "# TYPE cncf_bot_slack_requests_total counter" in text
    assert sample(text, 'cncf_bot_slack_requests_total{kind="command",outcome="ok"}') >= 1
    assert sample(text, 'cncf_bot_slack_requests_total{kind="command",outcome="error"}') >= 1


def test_answer_latency_histogram(harness):
    harness.event({"type": "app_mention", "user": "U100", "text": "<@UBOT> what is envoy", "ts": "1700000101.1",
                  "channel": "C100"})
    text = wait_metric(harness, 'cncf_bot_answer_seconds_count{source="mention"}')
    assert "# TYPE cncf_bot_answer_seconds histogram" in text
    assert sample(text, 'cncf_bot_answer_seconds_bucket{source="mention",le="+Inf"}') >= 1


def test_slack_api_errors_by_method(harness):
    harness.fake.fail("chat.postMessage", error="not_in_channel")
    harness.event({"type": "app_mention", "user": "U100", "text": "<@UBOT> what is argo", "ts": "1700000102.1",
                  "channel": "C100"})
    text = wait_metric(harness, 'cncf_bot_slack_api_errors_total{method="chat.postMessage",error="not_in_channel"}')
    assert sample(wait_metric(harness, 'outcome="slack_error"'),
                  'cncf_bot_slack_requests_total{kind="event",outcome="slack_error"}') >= 1
    assert "# TYPE cncf_bot_slack_api_errors_total counter" in text


def test_potd_posts_by_outcome(harness):
    text = harness.request("GET", "/metrics")[2].decode()
    assert "# TYPE cncf_potd_posts_total counter" in text
    before = sample(text, 'cncf_potd_posts_total{outcome="posted"}')
    count_potd_post("posted")
    count_potd_post("paused")
    text = harness.request("GET", "/metrics")[2].decode()
    assert sample(text, 'cncf_potd_posts_total{outcome="posted"}') == before + 1
    assert sample(text, 'cncf_potd_posts_total{outcome="paused"}') >= 1


def test_knowledge_date_and_entry_counts(harness, catalog):
    text = harness.request("GET", "/metrics")[2].decode()
    day = dt.date.fromisoformat(catalog.source.data_date)
    assert sample(text, "cncf_bot_knowledge_data_timestamp_seconds") == dt.datetime(
        day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()
    counts = catalog.counts()
    assert set(counts) == {"graduated", "incubating", "sandbox", "archived", "other", "concepts", "comparisons"}
    for kind, n in counts.items():
        assert sample(text, f'cncf_bot_knowledge_entries{{kind="{kind}"}}') == n
    assert f'catalog_date="{catalog.source.data_date}"' in text
    for line in text.splitlines():  # still valid exposition format
        if line and not line.startswith("#"):
            float(line.rsplit(" ", 1)[1].replace("+Inf", "inf"))
