"""Auto-answer channels: where an admin turned it on (`/cncf channel auto on`), a top-level message
about the domain gets a confident answer in a thread without a mention; chatter, `unknown`,
did-you-mean and help stay silent (the claim is finished as ignored, nothing is posted)."""
from __future__ import annotations

from .deps import Deps, note_request
from .feedback import with_feedback
from .workspace import workspace_of

CHANNELS = ("channel", "group")


def confident(answer) -> bool:
    """An answer worth posting unasked: a real subject, not a guess, not small talk or help."""
    if answer.intent in ("unknown", "help") or answer.did_you_mean:
        return False
    return bool(answer.projects or answer.concept or answer.trail or answer.comparison)


def register(app, deps: Deps) -> None:
    auto = getattr(deps.services, "auto_answer", None)
    if auto is None:
        return

    def in_an_auto_channel(event, context, body) -> bool:
        from .events import wanted

        if event.get("channel_type") not in CHANNELS or not wanted(event) or event.get("thread_ts"):
            return False
        bot = context.bot_user_id
        if bot and f"<@{bot}" in (event.get("text") or ""):
            return False  # a mention: the mention listener answers it
        return auto(workspace_of(body, body.get("team_id") or event.get("team")), event.get("channel", ""))

    def listen(ack, body, event, context):
        deps.take_event(ack, answer_unasked, body, context, event=event)

    app.event("message", matchers=[in_an_auto_channel])(listen)


def answer_unasked(deps: Deps, body: dict, event: dict, uncertain: bool = False) -> None:
    from .events import event_context
    from .threads import answer_in_conversation

    try:
        ctx = event_context(body, event, deps)
        thread = event.get("ts") or ""
        answer, reply = answer_in_conversation(deps, event.get("text") or "", ctx, "auto", thread,
                                               only_if=confident, compact=True)
    except Exception:
        deps.finish(body, "error")
        raise
    if not confident(answer):
        note_request(outcome="ignored")
        deps.finish(body, "ignored")
        return
    key = f"{ctx.channel_id}:{thread}"
    deps.deliver(ctx.channel_id, with_feedback(reply, answer, key), key=key, thread_ts=thread,
                 uncertain=uncertain, done=lambda outcome: deps.finish(body, outcome))
