"""Conversations: follow-ups in threads, answered against what the bot said there last.

A conversation is a thread (a mention's, or one under a bot post) or a DM's top level. After each
answer the bot remembers its subject there (`Services.remember_thread`, in the database so any
replica can continue; knowledge.followup.Memory). A message in a thread where the bot answered
(its parent is the bot's, or the thread has a memory) is answered without a mention; every other
channel message is dropped by the matcher before any work. A message that mentions the bot arrives
twice (app_mention and message, different event ids): the message listener leaves it to the
mention listener, so it is answered once.
"""
from __future__ import annotations

import time

from knowledge.followup import Memory, follow_up, remember

from .deps import Deps, message_for, record
from .services import CommandContext, Reply
from .workspace import workspace_of

FOLLOWED = ("channel", "group", "mpim")


def register(app, deps: Deps) -> None:
    from .events import answer_event

    def in_a_followed_thread(event, context, body) -> bool:
        from .events import wanted

        if event.get("channel_type") not in FOLLOWED or not wanted(event):
            return False
        thread = event.get("thread_ts")
        if not thread or thread == event.get("ts"):
            return False  # top-level chatter: not for the bot
        bot = context.bot_user_id
        if bot and f"<@{bot}" in (event.get("text") or ""):
            return False  # the app_mention listener answers it
        if bot and event.get("parent_user_id") == bot:
            return True
        team = workspace_of(body, body.get("team_id") or event.get("team"))
        return deps.thread_memory(team, event.get("channel", ""), thread) is not None

    def follow(ack, body, event, context):
        deps.take_event(ack, answer_event, body, context, event=event, bot_user_id=context.bot_user_id,
                        source="followup", thread_ts=event.get("thread_ts"))

    app.event("message", matchers=[in_a_followed_thread])(follow)


def answer_in_conversation(deps: Deps, question: str, ctx: CommandContext, source: str,
                           thread: str, only_if=None, compact: bool = False) -> tuple[object, Reply]:
    """Answer a message of a conversation against its memory, remember the new subject, log it.
    With `only_if(answer)` false, nothing is remembered or logged (a message not addressed to the
    bot that it will not answer)."""
    started = time.perf_counter()
    preferred = deps.language(ctx.team_id, ctx.user_id)
    before = Memory.from_dict(deps.thread_memory(ctx.team_id, ctx.channel_id, thread))
    if before is None and not compact:
        answer, reply = deps.answer(question, preferred)
    else:
        # one engine for the whole answer, even if a newer knowledge version is swapped in meanwhile
        engine = getattr(deps.engine, "current", deps.engine)
        answer = follow_up(engine, question, before, preferred)
        reply = message_for(answer, deps, compact=compact)
    if only_if is not None and not only_if(answer):
        return answer, reply
    after = remember(answer, before)
    if after is not None and after != before:
        deps.remember_thread(ctx.team_id, ctx.channel_id, thread, after.to_dict())
    record(deps, answer, ctx, source, question, time.perf_counter() - started)
    return answer, reply
