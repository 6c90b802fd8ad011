"""A tiny Prometheus registry: counters and histograms with labels, in the text exposition format.

Enough for this bot's few series (prometheus-client would be one more dependency for ~80 lines).
Thread-safe: listeners run on Bolt's thread pool.
"""
from __future__ import annotations

import math
import threading
from collections.abc import Iterable

WORKSPACE_LABELS = 100  # distinct workspace label values at most, so the series stay bounded
DEFAULT_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(names: tuple[str, ...], values: tuple[str, ...], extra: str = "") -> str:
    parts = [f'{n}="{_escape(v)}"' for n, v in zip(names, values)]
    if extra:
        parts.append(extra)
    return "{" + ",".join(parts) + "}" if parts else ""


def _num(x: float) -> str:
    if math.isinf(x):
        return "+Inf"
    return repr(float(x)) if not float(x).is_integer() else str(int(x))


class _Metric:
    kind = ""

    def __init__(self, name: str, help_text: str, labels: Iterable[str] = ()):
        self.name, self.help, self.label_names = name, help_text, tuple(labels)
        self._lock = threading.Lock()

    def _key(self, labels: dict[str, str]) -> tuple[str, ...]:
        if set(labels) != set(self.label_names):
            raise ValueError(f"{self.name} takes labels {self.label_names}, got {tuple(labels)}")
        return tuple(str(labels[n]) for n in self.label_names)

    def header(self) -> list[str]:
        return [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} {self.kind}"]


class Counter(_Metric):
    kind = "counter"

    def __init__(self, name: str, help_text: str, labels: Iterable[str] = ()):
        super().__init__(name, help_text, labels)
        self._values: dict[tuple[str, ...], float] = {}

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        key = self._key(labels)
        with self._lock:
            self._values[key] = self._values.get(key, 0.0) + amount

    def value(self, **labels: str) -> float:
        return self._values.get(self._key(labels), 0.0)

    def render(self) -> list[str]:
        with self._lock:
            items = sorted(self._values.items())
        return self.header() + [f"{self.name}{_labels(self.label_names, k)} {_num(v)}" for k, v in items]


class Gauge(Counter):
    kind = "gauge"

    def set(self, amount: float, **labels: str) -> None:
        key = self._key(labels)
        with self._lock:
            self._values[key] = amount


class Histogram(_Metric):
    kind = "histogram"

    def __init__(self, name: str, help_text: str, labels: Iterable[str] = (), buckets=DEFAULT_BUCKETS):
        super().__init__(name, help_text, labels)
        self.buckets = tuple(sorted(buckets)) + (math.inf,)
        self._series: dict[tuple[str, ...], list[float]] = {}  # bucket counts..., sum, count

    def observe(self, amount: float, **labels: str) -> None:
        key = self._key(labels)
        with self._lock:
            series = self._series.setdefault(key, [0.0] * (len(self.buckets) + 2))
            for i, bound in enumerate(self.buckets):
                if amount <= bound:
                    series[i] += 1
            series[-2] += amount
            series[-1] += 1

    def count(self, **labels: str) -> float:
        series = self._series.get(self._key(labels))
        return series[-1] if series else 0.0

    def render(self) -> list[str]:
        with self._lock:
            items = sorted((k, list(v)) for k, v in self._series.items())
        lines = self.header()
        for key, series in items:
            for bound, n in zip(self.buckets, series):
                le = 'le="' + _num(bound) + '"'
                lines.append(f"{self.name}_bucket{_labels(self.label_names, key, le)} {_num(n)}")
            lines.append(f"{self.name}_sum{_labels(self.label_names, key)} {_num(series[-2])}")
            lines.append(f"{self.name}_count{_labels(self.label_names, key)} {_num(series[-1])}")
        return lines


class Registry:
    CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

    def __init__(self) -> None:
        self._metrics: list[_Metric] = []

    def add(self, metric: _Metric):
        self._metrics.append(metric)
        return metric

    def render(self) -> str:
        return "\n".join(line for m in self._metrics for line in m.render()) + "\n"


# Project-of-the-day posts happen in the potd runner, far from the server that owns a BotMetrics,
# and in any number of runners per process: one counter for the process, in every registry.
POTD_POSTS = Counter("cncf_potd_posts_total",
                     "Project-of-the-day channels handled by this process's runner, by outcome "
                     "(posted, recovered, retry, rate_limited, paused, skipped, error).", ["outcome"])
for _outcome in ("posted", "retry", "paused", "error"):  # present from the start, so rate() works at once
    POTD_POSTS.inc(0, outcome=_outcome)


def count_potd_post(outcome: str) -> None:
    """Count one channel's project-of-the-day outcome (called by bot.potd_runner)."""
    POTD_POSTS.inc(outcome=outcome)


class BotMetrics:
    """The bot's series. Names follow Prometheus conventions (base units, _total for counters)."""

    def __init__(self) -> None:
        r = self.registry = Registry()
        self.requests = r.add(Counter("cncf_bot_slack_requests_total",
                                      "Slack requests handled, by kind and outcome (ok, ignored, skipped, "
                                      "rejected, slack_error, error); counted when their work is done.",
                                      ["kind", "outcome"]))
        self.http = r.add(Counter("cncf_bot_http_requests_total",
                                  "HTTP responses of the server, by path and status.", ["path", "status"]))
        self.refused = r.add(Counter("cncf_bot_http_refused_total",
                                     "Requests to /slack/events refused before Bolt saw them, by reason "
                                     "(unsigned, bad timestamp, stale timestamp, bad signature, payload too "
                                     "large, malformed body).", ["reason"]))
        self.question_log_dropped = r.add(Counter("cncf_bot_question_log_dropped_total",
                                                  "Questions left out of the question log because the database "
                                                  "was slow or refused them (answers are never held up)."))
        self.answers = r.add(Histogram("cncf_bot_answer_seconds",
                                       "Time to answer a question, by where it was asked.", ["source"]))
        self.slack_errors = r.add(Counter("cncf_bot_slack_api_errors_total",
                                          "Slack Web API calls that failed after retries, by method and error.",
                                          ["method", "error"]))
        self.slack_retries = r.add(Counter("cncf_bot_slack_api_retries_total",
                                           "Slack Web API calls retried, by reason.", ["reason"]))
        self.deliveries = r.add(Counter("cncf_bot_answer_deliveries_total",
                                        "Answers posted with chat.postMessage, by how their delivery ended "
                                        "(posted; found: an earlier attempt had arrived; refused; gave_up).",
                                        ["outcome"]))
        self.given_up = r.add(Counter("cncf_bot_answers_given_up_total",
                                      "Answers not delivered within SLACK_RETRY_SECONDS, by the last failure.",
                                      ["reason"]))
        self.event_claim_fallbacks = r.add(Counter("cncf_bot_event_claim_fallbacks_total",
                                                   "Events decided by this replica's memory because the database "
                                                   "did not record them in time (timeout, error, backlog).",
                                                   ["reason"]))
        self.events_abandoned = r.add(Counter("cncf_bot_events_abandoned_total",
                                              "Events no replica finished in time (too old, or tried too often)."))
        self.knowledge_version = r.add(Gauge("cncf_bot_knowledge_version",
                                             "The synced knowledge version in force (0: the packaged data)."))
        self.database_up = r.add(Gauge("cncf_bot_database_up",
                                       "1 when the database answered the last health probe, 0 when not."))
        self.info = r.add(Gauge("cncf_bot_info", "Version and catalog data date.", ["version", "catalog_date"]))
        self.knowledge_date = r.add(Gauge("cncf_bot_knowledge_data_timestamp_seconds",
                                          "Date of the catalog data (landscape snapshot), as a Unix time."))
        self.knowledge_entries = r.add(Gauge("cncf_bot_knowledge_entries",
                                             "Knowledge entries by kind: CNCF projects by maturity, other landscape "
                                             "entries, concepts, comparisons.", ["kind"]))
        self.potd_posts = r.add(POTD_POSTS)
        self.installations = r.add(Gauge("cncf_bot_installations",
                                         "Workspaces (or orgs) with the app installed (multi-workspace mode)."))
        self.workspace_requests = r.add(Counter(
            "cncf_bot_workspace_requests_total",
            f"Slack requests by workspace id: the first {WORKSPACE_LABELS} workspaces seen keep their own "
            f"series, the rest count under workspace=\"other\".", ["workspace"]))
        self._workspaces_seen: set[str] = set()

    def count_workspace(self, workspace_id: str) -> None:
        """One request from a workspace; ids that are not Slack's shape count as "other" too."""
        import re

        label = "other"
        if workspace_id and re.fullmatch(r"[TE][A-Z0-9]{1,20}", workspace_id):
            if workspace_id in self._workspaces_seen:
                label = workspace_id
            elif len(self._workspaces_seen) < WORKSPACE_LABELS:
                with self.workspace_requests._lock:
                    if len(self._workspaces_seen) < WORKSPACE_LABELS:
                        self._workspaces_seen.add(workspace_id)
                label = workspace_id if workspace_id in self._workspaces_seen else "other"
        elif not workspace_id:
            return  # url_verification and the like: no workspace
        self.workspace_requests.inc(workspace=label)

    def set_catalog(self, catalog) -> None:
        """Describe the knowledge a catalog (knowledge.loader.Catalog) holds: its date and counts."""
        import datetime as dt

        try:
            day = dt.date.fromisoformat(str(catalog.source.data_date)[:10])
            self.knowledge_date.set(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())
        except ValueError:
            self.knowledge_date.set(0)  # no readable date: 0 makes an alert on the data's age fire
        for kind, n in catalog.counts().items():
            self.knowledge_entries.set(n, kind=kind)

    def render(self) -> str:
        return self.registry.render()
