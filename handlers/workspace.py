"""Which workspace a request belongs to, and the Slack clients that answer it.

Single-workspace mode: one bot token, so every request is answered with the app's own clients.
Multi-workspace mode: Bolt's authorize finds the sending workspace's bot token in the installation
store before any listener runs (a workspace without one is not answered at all). The middleware
here turns that token into this request's clients, kept in a context variable that the deferred
work of the request inherits (handlers.deps.carry_request copies the context), so an answer, a
retry, the App Home and the assistant's status all go out on the token of the workspace that
asked, never another's.

Rows are keyed by `workspace_of`: the team id, or the enterprise id of an Enterprise Grid
org-wide install (one install for every workspace of the org).
"""
from __future__ import annotations

import contextvars
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.request.internals import extract_enterprise_id, extract_is_enterprise_install, extract_team_id


@dataclass(frozen=True)
class SlackClients:
    client: Any  # slack_sdk WebClient on the workspace's bot token, with automatic retries
    poster: Any  # the same token without them (handlers.posting.Delivery retries on its own terms)


_current: contextvars.ContextVar[SlackClients | None] = contextvars.ContextVar("cncf_slack_clients", default=None)
# Rows of an org-wide install are kept under the enterprise only in the multi-workspace mode: with a
# fixed token they stay under the team, as they always were (LoggedApp.dispatch sets it per request).
_org_keys: contextvars.ContextVar[bool] = contextvars.ContextVar("cncf_org_keys", default=False)


def current() -> SlackClients | None:
    return _current.get()


def begin(multi_workspace: bool) -> tuple[contextvars.Token, contextvars.Token]:
    """Start a request with no workspace clients yet, in the app's mode (LoggedApp.dispatch)."""
    return _current.set(None), _org_keys.set(multi_workspace)


def end(tokens: tuple[contextvars.Token, contextvars.Token]) -> None:
    _current.reset(tokens[0])
    _org_keys.reset(tokens[1])


def workspace_of(body: dict, team_id: str | None = None) -> str:
    """The id this request's rows are kept under: `team_id` (or the payload's team), or, in the
    multi-workspace mode, the enterprise id when the app is installed org-wide."""
    if _org_keys.get() and isinstance(body, dict) and extract_is_enterprise_install(body):
        enterprise = extract_enterprise_id(body)
        if enterprise:
            return enterprise
    if team_id:
        return team_id
    return (extract_team_id(body) if isinstance(body, dict) else None) or ""


def use_workspace_clients(app: Any, clients_for: Callable[[str], SlackClients]) -> None:
    """Register the middleware that gives each authorized request its workspace's clients.
    Added before the assistant's middleware, so its listeners have them too."""

    @app.middleware
    def workspace_clients(context, next):  # noqa: A002 - Bolt's argument name
        token = context.bot_token
        if token:
            _current.set(clients_for(token))
        return next()
