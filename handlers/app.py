"""The Bolt app: listeners for /cncf, mentions, DMs, buttons and the App Home.

`process_before_response=True`: every listener acks within the request: /cncf with its
answer when that is ready within `ack_budget`, the others at once, handing their work to
`Deps.defer` (a thread pool) so Slack gets its 200 and the answer follows. (With
Bolt's default, each listener runs on a thread while the request polls every 10 ms for the
ack, which costs every request up to 10 ms.)
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse

from . import actions, commands, events, home, workspace
from .deps import Deps, EventDeduper, Hooks, note_request, request_kind, track_request
from .posting import PostPolicy
from .services import Services

log = logging.getLogger("cncf_bot.handlers")


class LoggedApp(App):
    """Bolt's App, with each request timed and logged once (handlers.deps.track_request).

    Bolt's synchronous middleware cannot wrap the listeners (`next()` only marks the chain as
    continuing), so the request is followed around `dispatch`, which HTTP and Socket Mode share.
    """

    hooks: Hooks = Hooks()
    multi_workspace: bool = False

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        body = req.body if isinstance(req.body, dict) else {}
        tokens = workspace.begin(self.multi_workspace)  # its workspace clients come once it is authorized
        try:
            with track_request(request_kind(body), self.hooks) as request:
                self.hooks.workspace_request(workspace.workspace_of(body))
                resp = super().dispatch(req)
                request.acked(resp.status)
                return resp
        finally:
            workspace.end(tokens)


@dataclass
class MultiWorkspace:
    """What the multi-workspace mode gives the app (bot.app composes it from bot.installations)."""

    flow: Any  # slack_bolt.oauth.OAuthFlow: /slack/install and /slack/oauth_redirect
    authorize: Any  # slack_bolt.authorization.Authorize over the installation store
    store: Any  # slack_sdk InstallationStore
    clients_for: Callable[[str], workspace.SlackClients]  # a bot token -> its clients
    revoked: Callable[[dict, dict, Any], Any]  # (body, event, context): tokens_revoked / app_uninstalled
    not_installed: str = ""  # what a person in a workspace without an installation sees


def build_app(config: Any, engine: Any, services: Services, client: Any = None, *, hooks: Hooks | None = None,
              claim_event: Callable[[str], bool] | None = None, retry_handlers: list | None = None,
              token_verification: bool = True, executor: Executor | None = None,
              ack_budget: float = 2.0, post_client: Any = None, policy: PostPolicy | None = None,
              multi: MultiWorkspace | None = None) -> App:
    """The Bolt app for a Config (bot.config.Config): HTTP mode verifies signatures, Socket Mode needs none.

    Events are received through `services.receive_event` when the services have it (bot.delivery:
    once across replicas); otherwise, and whenever that cannot answer, `claim_event(event_id) ->
    bool` decides from this process's memory (an LRU by default). Answers are posted with
    `post_client` (without automatic retries; `client` by default) under `policy`.

    `multi`: the multi-workspace mode. Bolt authorizes every request against the installation
    store (a workspace that has not installed the app gets nothing), each listener answers on
    its workspace's token (handlers.workspace), and uninstalls and revoked tokens are handled.
    """
    if client is None:
        from slack_sdk import WebClient

        client = WebClient(token=config.slack_bot_token, base_url=config.slack_api_url,
                           retry_handlers=retry_handlers)
    if claim_event is None:
        claim_event = getattr(services, "claim_event", None) or EventDeduper().claim
    deps = Deps(engine=engine, services=services, client=client, hooks=hooks or Hooks(), claim_event=claim_event,
                retry_handlers=retry_handlers, executor=executor, ack_budget=ack_budget, post_client=post_client,
                policy=policy or PostPolicy())
    bolt_log = logging.getLogger("cncf_bot.bolt")
    bolt_log.addFilter(_NoTokenUnusedWarning())
    oauth: dict[str, Any] = {}
    if multi is not None:
        oauth = {"oauth_flow": multi.flow, "authorize": multi.authorize, "installation_store": multi.store,
                 "installation_store_bot_only": True}
        if multi.not_installed:
            oauth["user_facing_authorize_error_message"] = multi.not_installed
    app = LoggedApp(
        client=client,
        signing_secret=config.slack_signing_secret or "",
        request_verification_enabled=not config.socket_mode,
        token_verification_enabled=token_verification and multi is None,
        process_before_response=True,
        raise_error_for_unhandled_request=False,
        logger=bolt_log,
        **oauth,
    )
    app.hooks = deps.hooks
    app.multi_workspace = multi is not None
    from . import assistant

    if multi is not None:
        workspace.use_workspace_clients(app, multi.clients_for)  # before the assistant's middleware
        events.register_revocation(app, multi.revoked)

    app.assistant(assistant.build(deps))  # Slack's split view; before the DM listener sees its messages
    commands.register(app, deps)
    events.register(app, deps)
    actions.register(app, deps)
    home.register(app, deps)
    events.register_fallback(app)  # last: Bolt tries listeners in the order they were added

    @app.error
    def on_error(error, body):
        # Errors in listeners and middleware; deferred work reports through deps.guarded.
        note_request(outcome="error")
        log.exception("unhandled error in the Slack app (%s)", request_kind(body or {}), exc_info=error)

    return app


class _NoTokenUnusedWarning(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment even when given a client, then warns at
    every start that the token "will be unused": the client carries that very token."""

    def filter(self, record: logging.LogRecord) -> bool:
        from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped

        return record.getMessage() != warning_client_prioritized_and_token_skipped()
