"""Composition: Config -> engine -> services -> Web API client -> Bolt app, with metrics.

`build_runtime` does it all once; `bot.server` serves the result over HTTP or Socket Mode.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from slack_bolt import BoltRequest

from handlers.app import build_app
from handlers.deps import Hooks
from handlers.posting import PostPolicy
from handlers.services import Services

from .config import Config
from .metrics import BotMetrics

log = logging.getLogger("cncf_bot")
# bounded label values for cncf_bot_answers_given_up_total (the last failure before giving up)
GIVE_UP_REASONS = frozenset({"ratelimited", "500", "502", "503", "504", "timeout", "look_failed",
                             "TimeoutError", "URLError", "RemoteDisconnected", "ConnectionResetError"})


class MetricsHooks(Hooks):
    def __init__(self, metrics: BotMetrics):
        self.metrics = metrics

    def finished(self, kind: str, intent: str, outcome: str, seconds: float) -> None:
        self.metrics.requests.inc(kind=kind, outcome=outcome)

    def answered(self, source: str, intent: str, seconds: float) -> None:
        self.metrics.answers.observe(seconds, source=source)

    def slack_error(self, method: str, error: str) -> None:
        self.metrics.slack_errors.inc(method=method, error=error)

    def workspace_request(self, workspace_id: str) -> None:
        self.metrics.count_workspace(workspace_id)

    def post_retry(self, reason: str) -> None:
        self.metrics.slack_retries.inc(reason=reason)

    def post_done(self, outcome: str, reason: str = "") -> None:
        self.metrics.deliveries.inc(outcome=outcome)
        if outcome == "gave_up":
            self.metrics.given_up.inc(reason=reason if reason in GIVE_UP_REASONS else "other")


def counted(handler_class, reason: str, metrics: BotMetrics, **kwargs):
    """A slack_sdk retry handler that also counts the retries it decides to make."""

    class Counted(handler_class):
        def prepare_for_next_attempt(self, **kw):
            metrics.slack_retries.inc(reason=reason)
            return super().prepare_for_next_attempt(**kw)

    Counted.__name__ = f"Counted{handler_class.__name__}"
    return Counted(**kwargs)


def retry_handlers(metrics: BotMetrics) -> list:
    # 429: wait for Retry-After; 500/503 and dropped connections: exponential backoff with jitter.
    return [counted(ConnectionErrorRetryHandler, "connection", metrics, max_retry_count=2),
            counted(RateLimitErrorRetryHandler, "rate_limited", metrics, max_retry_count=2),
            counted(ServerErrorRetryHandler, "server_error", metrics, max_retry_count=2)]


class MeteredWebClient(WebClient):
    """A WebClient that counts failed calls (after retries) by method and Slack's error code."""

    metrics: BotMetrics | None = None

    def api_call(self, api_method: str, **kwargs: Any):  # type: ignore[override]
        try:
            return super().api_call(api_method, **kwargs)
        except SlackApiError as exc:
            if self.metrics:
                self.metrics.slack_errors.inc(method=api_method, error=str(exc.response.get("error") or
                                                                            exc.response.status_code))
            raise
        except Exception as exc:
            if self.metrics:
                self.metrics.slack_errors.inc(method=api_method, error=type(exc).__name__)
            raise


class WorkspaceClients:
    """Web API clients by bot token, for the multi-workspace mode: built once per token (the
    metered client with its retry handlers, and the same without them for answers) and kept for
    the most recent `size` tokens."""

    def __init__(self, config: Config, metrics: BotMetrics, handlers: list, size: int = 1000):
        from knowledge.lru import LRU

        self.config, self.metrics, self.handlers = config, metrics, handlers
        self._clients = LRU(size)

    def __call__(self, token: str):
        from handlers.workspace import SlackClients

        from . import services as bot_services

        found = self._clients.get(token)
        if found is None:
            client = MeteredWebClient(token=token, base_url=self.config.slack_api_url,
                                      timeout=self.config.slack_timeout, retry_handlers=self.handlers)
            client.metrics = self.metrics
            found = SlackClients(client, bot_services.posting_client(client))
            self._clients.put(token, found)
        return found


def multi_workspace(config: Config, services: Any, metrics: BotMetrics, handlers: list):
    """The pieces of the multi-workspace mode: the install flow and bolt's authorize on the
    project's installation store, clients by token, and the daily jobs' clients by workspace."""
    from slack_bolt.authorization.authorize import InstallationStoreAuthorize

    from handlers.app import MultiWorkspace

    from . import installations
    from .doctor import REQUIRED_SCOPES
    from .install_flow import build_flow

    workspaces = getattr(services, "workspaces", None)
    if workspaces is None:
        raise RuntimeError("the multi-workspace mode needs the database services (DATABASE_URL)")
    clients = WorkspaceClients(config, metrics, handlers)

    def count_installations() -> None:
        try:
            metrics.installations.set(float(workspaces.count()))
        except Exception as exc:
            log.warning("could not count the installations (%s)", type(exc).__name__)

    workspaces.on_change = count_installations
    count_installations()
    # find_bot only (no user tokens here), and auth.test once per token, not once per request
    exchange = WebClient(base_url=config.slack_api_url, timeout=config.slack_timeout, retry_handlers=handlers)
    authorize = InstallationStoreAuthorize(
        logger=logging.getLogger("cncf_bot.bolt"), installation_store=workspaces.store,
        client_id=config.slack_client_id, client_secret=config.slack_client_secret, client=exchange,
        token_rotation_expiration_minutes=installations.ROTATE_MINUTES, bot_only=True, cache_enabled=True)
    flow = build_flow(config, workspaces, exchange, list(config.slack_scopes or REQUIRED_SCOPES),
                      on_installed=count_installations)

    def client_for(workspace_id: str):
        token = workspaces.token(workspace_id)
        return clients(token).poster if token else None

    where = f" at {config.slack_redirect_uri.rsplit('/slack/', 1)[0]}/slack/install" \
        if config.slack_redirect_uri else ""
    not_installed = (f"cncf-bot is not installed in this workspace (or was removed). An admin can add it{where}. / "
                     f"이 워크스페이스에는 cncf-bot이 설치되어 있지 않아요(또는 삭제되었어요). 관리자가 다시 추가할 수 있어요{where}.")
    multi = MultiWorkspace(flow=flow, authorize=authorize, store=workspaces.store, clients_for=clients,
                           revoked=lambda body, event, context: installations.revoked(workspaces, body, event,
                                                                                      context),
                           not_installed=not_installed)
    return multi, client_for


@dataclass
class Runtime:
    config: Config
    engine: Any
    services: Services
    client: WebClient
    metrics: BotMetrics
    app: Any  # slack_bolt.App
    stop_background: Callable[[], None]  # stops the jobs and drains the answers in flight
    client_for: Callable[[str], Any] = None  # type: ignore[assignment]  # workspace id -> the daily jobs' client


def build_runtime(config: Config, *, engine: Any = None, services: Services | None = None,
                  start_jobs: bool = True, ack_budget: float = 2.0) -> Runtime:
    from knowledge.engine import Engine

    from . import services as bot_services

    from .knowledge_live import LiveEngine, Refresher, engine_for_version

    metrics = BotMetrics()
    # the knowledge in force: the packaged one, or the newest synced version in the database,
    # behind a LiveEngine so a newer version can be swapped in whole while the app runs
    engine = LiveEngine(engine or Engine.load())
    services = services or bot_services.make_services(config, engine)
    db = getattr(services, "db", None)
    if db is not None:
        try:
            built = engine_for_version(db, model=engine.current.model)
            if built is not None:
                engine.swap(*built)
        except Exception as exc:  # no table yet, a database hiccup, a version that does not load
            log.warning("using the packaged knowledge: the synced version could not be read (%s)",
                        type(exc).__name__)
    question_log = getattr(services, "question_log", None)
    if question_log is not None:
        question_log.on_drop = lambda n: metrics.question_log_dropped.inc(n)
    if hasattr(services, "on_probe"):
        services.on_probe = lambda up: metrics.database_up.set(1.0 if up else 0.0)
    if hasattr(services, "on_claim_fallback"):
        services.on_claim_fallback = lambda why: metrics.event_claim_fallbacks.inc(reason=why)
    handlers = retry_handlers(metrics)
    client = MeteredWebClient(token=config.slack_bot_token, base_url=config.slack_api_url,
                              timeout=config.slack_timeout, retry_handlers=handlers)
    client.metrics = metrics
    # answers retry on their own terms (handlers.posting): an automatic retry after a dropped
    # connection could post twice, and a Retry-After slept in a worker would hold up other answers
    poster = bot_services.posting_client(client)
    multi, client_for = None, (lambda workspace_id: poster)
    if config.oauth:
        multi, client_for = multi_workspace(config, services, metrics, handlers)
    # Answers are worked out here after the ack; 8 threads keep a burst of questions moving while
    # a few wait on Slack (the engine itself answers in well under a millisecond).
    executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="cncf-answer")
    app = build_app(config, engine, services, client, hooks=MetricsHooks(metrics), retry_handlers=handlers,
                    executor=executor, ack_budget=ack_budget, post_client=poster,
                    policy=PostPolicy(deadline=config.post_deadline), multi=multi)
    from handlers.commands import app_version

    metrics.info.set(1, version=app_version(), catalog_date=engine.catalog.source.data_date)
    metrics.set_catalog(engine.catalog)

    def replay(event_id: str, body: dict) -> None:
        """An event another replica acked and never answered, through the app as if just received."""
        app.dispatch(BoltRequest(body=body, mode="socket_mode", context={"cncf_replay": event_id}))

    stop_background_jobs = bot_services.start_background(
        config, services, engine, client, replay=replay, client_for=client_for,
        on_abandoned=lambda n: metrics.events_abandoned.inc(n)) if start_jobs else (lambda: None)

    def swapped(live) -> None:
        metrics.info.set(1, version=app_version(), catalog_date=live.catalog.source.data_date)
        metrics.set_catalog(live.catalog)
        metrics.knowledge_version.set(float(live.version))

    metrics.knowledge_version.set(float(engine.version))
    refresher = Refresher(db, engine, config.knowledge_refresh, on_swap=swapped).start() \
        if db is not None and start_jobs else None

    def stop_jobs() -> None:  # the refresher stops with the other jobs
        if refresher is not None:
            refresher.stop()
        stop_background_jobs()

    def stop() -> None:
        stop_jobs()
        executor.shutdown(wait=True)  # let the answers in flight reach Slack
        close = getattr(services, "close", None)
        if close is not None and start_jobs:
            close()  # then store what they left: outcomes, thread memories, the question log

    return Runtime(config, engine, services, client, metrics, app, stop, client_for)
