"""Mentions and direct messages.

A mention is handled by the `app_mention` listener only (the app does not subscribe to
`message.channels`, and the `message` listener below answers only in DMs), so one mention
gets one answer. Slack's retries are skipped and event ids are claimed once (see
`SkipRetriesAndDuplicates` in handlers.app).
"""
from __future__ import annotations

import re

from .deps import Deps, answer_question, note_request, post
from .services import CommandContext

_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def register(app, deps: Deps) -> None:
    def mention(ack, body, event, context):
        ack()
        deps.defer(answer_mention, deps=deps, body=body, event=event, bot_user_id=context.bot_user_id)

    def direct_message(ack, body, event, context):
        ack()
        deps.defer(answer_dm, deps=deps, body=body, event=event, bot_user_id=context.bot_user_id)

    # Matchers run in the request, so ignored events never start any work.
    app.event("app_mention", matchers=[from_a_person])(mention)
    app.event("message", matchers=[direct_message_from_a_person])(direct_message)


def answer_mention(deps: Deps, body: dict, event: dict, bot_user_id: str | None) -> None:
    ctx = event_context(body, event, deps)
    question = strip_bot_mention(event.get("text") or "", bot_user_id)
    _, reply = answer_question(deps, question, ctx, "mention")
    post(deps, ctx.channel_id, reply, thread_ts=event.get("thread_ts") or event.get("ts"))


def answer_dm(deps: Deps, body: dict, event: dict, bot_user_id: str | None) -> None:
    ctx = event_context(body, event, deps)
    question = strip_bot_mention(event.get("text") or "", bot_user_id)
    _, reply = answer_question(deps, question, ctx, "dm")
    # Answer in the conversation, threaded only when the person wrote in a thread.
    post(deps, ctx.channel_id, reply, thread_ts=event.get("thread_ts"))


def register_fallback(app) -> None:
    """Every other event (bots, edits, joins, other subtypes): a plain 200 and no work.

    Without it Bolt answers 404, which Slack takes for a failure and delivers the event again.
    """
    def ignore_event(ack):
        note_request(outcome="ignored")
        ack()

    app.event(re.compile(".*"))(ignore_event)


def from_a_person(event) -> bool:
    return wanted(event)


def direct_message_from_a_person(event) -> bool:
    return event.get("channel_type") == "im" and wanted(event)


def wanted(event: dict) -> bool:
    """A person's new message: not a bot's, not an edit, join, deletion or any other subtype."""
    return not (event.get("subtype") or event.get("bot_id") or event.get("bot_profile") or event.get("edited")
                or event.get("hidden"))


def event_context(body: dict, event: dict, deps: Deps) -> CommandContext:
    team = body.get("team_id") or event.get("team") or ""
    return CommandContext(team_id=team, channel_id=event.get("channel", ""), user_id=event.get("user", ""),
                          client=deps.client)


def strip_bot_mention(text: str, bot_user_id: str | None) -> str:
    """Drop the mentions of the bot itself; other mentions stay (and are escaped when echoed)."""
    if not bot_user_id:
        return text
    return _MENTION.sub(lambda m: " " if m.group(1) == bot_user_id else m.group(0), text).strip()
