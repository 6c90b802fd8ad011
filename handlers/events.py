"""Mentions and direct messages.

A mention is handled by the `app_mention` listener only (the `message` listener below answers
only in DMs), so one mention gets one answer. Each event is received once across replicas before
it is acked (`Deps.receive`, bot.delivery): a Slack retry of an event not yet answered is
answered, one already answered or in hand elsewhere is not. The answer goes out through a
`Delivery` (handlers.posting), whose end finishes the event.
"""
from __future__ import annotations

import re

from .deps import Deps, note_request
from .feedback import with_feedback
from .services import CommandContext
from .workspace import workspace_of

_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def register(app, deps: Deps) -> None:
    def received(answer):
        def listener(ack, body, event, context):
            deps.take_event(ack, answer, body, context, event=event, bot_user_id=context.bot_user_id)
        return listener

    mention, direct_message = received(answer_mention), received(answer_dm)

    # Matchers run in the request, so ignored events never start any work.
    app.event("app_mention", matchers=[from_a_person])(mention)
    app.event("message", matchers=[direct_message_from_a_person])(direct_message)
    from . import threads

    threads.register(app, deps)  # follow-ups in threads the bot answered in
    from . import autoanswer

    autoanswer.register(app, deps)  # top-level messages in auto-answer channels
    from . import feedback

    feedback.register(app, deps)


def answer_mention(deps: Deps, body: dict, event: dict, bot_user_id: str | None, uncertain: bool = False) -> None:
    answer_event(deps, body, event, bot_user_id, "mention", thread_ts=event.get("thread_ts") or event.get("ts"),
                 uncertain=uncertain)


def answer_dm(deps: Deps, body: dict, event: dict, bot_user_id: str | None, uncertain: bool = False) -> None:
    # Answer in the conversation, threaded only when the person wrote in a thread.
    answer_event(deps, body, event, bot_user_id, "dm", thread_ts=event.get("thread_ts"), uncertain=uncertain)


def answer_event(deps: Deps, body: dict, event: dict, bot_user_id: str | None, source: str, *,
                 thread_ts: str | None, uncertain: bool) -> None:
    """Answer one message in its conversation (see handlers.threads) and post it once."""
    from .threads import answer_in_conversation

    try:
        ctx = event_context(body, event, deps)
        question = strip_bot_mention(event.get("text") or "", bot_user_id)
        # in channels and their threads a compact card first; the full one in DMs and on "Details"
        compact = event.get("channel_type") not in ("im",) and source != "dm"
        # a thread message nobody addressed to the bot is answered only when it is about something
        # ("thanks", "lunch?", "@alice can you look?" stay silent, and are neither logged nor kept)
        from .autoanswer import confident

        only_if = confident if source == "followup" else None
        answer, reply = answer_in_conversation(deps, question, ctx, source, thread_ts or "", compact=compact,
                                               only_if=only_if)
        if only_if is not None and not only_if(answer):
            note_request(outcome="ignored")
            deps.finish(body, "ignored")
            return
        key = f"{ctx.channel_id}:{event.get('ts') or ''}"
        reply = with_feedback(reply, answer, key)
    except Exception:
        deps.finish(body, "error")  # a bug: another replica would only meet it again
        raise
    # the key names the person's message, so one message reaching the bot as two events is one answer
    deps.deliver(ctx.channel_id, reply, key=key, thread_ts=thread_ts,
                 since=event.get("ts"), uncertain=uncertain, done=lambda outcome: deps.finish(body, outcome))


def register_revocation(app, revoked) -> None:
    """`app_uninstalled` and `tokens_revoked` (multi-workspace mode): `revoked(body, event, context)`
    runs bolt's own clean-up and the project's in one listener (bolt runs only the first listener
    that matches), before the ack: if the database fails, Slack gets a 500 and sends it again."""
    def departed(ack, body, event, context):
        note_request(intent="uninstall")
        revoked(body, event, context)
        ack()

    app.event("app_uninstalled")(departed)
    app.event("tokens_revoked")(departed)


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
    team = workspace_of(body, body.get("team_id") or event.get("team"))
    return CommandContext(team_id=team, channel_id=event.get("channel", ""), user_id=event.get("user", ""),
                          client=deps.slack())


def strip_bot_mention(text: str, bot_user_id: str | None) -> str:
    """Drop the mentions of the bot itself; other mentions stay (and are escaped when echoed)."""
    if not bot_user_id:
        return text
    return _MENTION.sub(lambda m: " " if m.group(1) == bot_user_id else m.group(0), text).strip()
