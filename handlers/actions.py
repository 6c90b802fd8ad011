"""Buttons and menus on the cards (action ids and values: handlers/blocks.py).

Every element carries the language of the answer it sits on, so a click answers in that
language. Where the answer goes depends on where the click happened:
- an ephemeral `/cncf` answer: a new ephemeral reply through the response_url ("did you
  mean" replaces its own message), with a "Share in channel" button;
- a message the bot posted (a mention's thread, a DM): a reply in the same thread;
- the App Home tab: a direct message to the person.
"""
from __future__ import annotations

import json
import re
import time
from typing import Any

from knowledge.model import Answer

from .blocks import A_COMPARE, A_LINK, A_MORE, A_OPEN, A_SHARE
from .commands import is_services_subcommand, route
from .feedback import with_feedback
from .deps import (
    Deps,
    message_for,
    note_request,
    record,
    respond_url,
    shared_by,
    with_share,
)
from .services import CommandContext
from .workspace import workspace_of

OPEN_RE = re.compile(rf"^{A_OPEN}(_.*)?$")
LINK_RE = re.compile(rf"^{A_LINK}(_.*)?$")


def register(app, deps: Deps) -> None:
    def open_item(ack, body, action):
        ack()
        data = parse_value(action.get("value"))
        deps.defer(deliver, deps=deps, body=body, data=data, replace=action.get("block_id") == "dym")

    def compare_selected(ack, body, action):
        ack()
        data = parse_value((action.get("selected_option") or {}).get("value"))
        deps.defer(deliver, deps=deps, body=body, data=data)

    def more(ack, body, action):
        ack()
        deps.defer(deliver, deps=deps, body=body, data=parse_value(action.get("value")))

    def share(ack, body, action):
        ack()
        deps.defer(share_answer, deps=deps, body=body, data=parse_value(action.get("value")))

    def link(ack):
        note_request(intent="link")
        ack()  # link buttons open their URL in the browser; Slack still tells us about the click

    app.action(OPEN_RE)(open_item)
    app.action(A_COMPARE)(compare_selected)
    app.action(A_MORE)(more)
    app.action(A_SHARE)(share)
    app.action(LINK_RE)(link)


def share_answer(deps: Deps, body: dict, data: dict) -> None:
    """Post the answer a Share button stands for in the channel, for everyone."""
    ctx = action_context(body, deps)
    if "q" in data:
        q = str(data.get("q", ""))
        if is_services_subcommand(deps, q.strip().partition(" ")[0].lower()):
            # a Share button shares an answer; it never changes settings on the clicker's behalf
            note_request(outcome="ignored")
            return
        routed = route(deps, q, ctx, source="action")
        reply, lang, answer = routed.reply, routed.lang, routed.answer
    else:
        answer, offset = answer_from_value(deps, data)
        if answer is None:
            return
        started = time.perf_counter()
        reply, lang = message_for(answer, deps, offset), answer.lang
        record(deps, answer, ctx, "action", answer.question, time.perf_counter() - started)
    reply = shared_by(reply, ctx.user_id, lang)
    if answer is not None:
        reply = with_feedback(reply, answer, click_key(body))
    if not respond_url(deps, body.get("response_url", ""), reply):
        deps.deliver(ctx.channel_id, reply, key=click_key(body))


def answer_from_value(deps: Deps, data: dict) -> tuple[Answer | None, int]:
    """The answer a button's value asks for, and the list offset to show it from.

    Values: {"k": project|concept|step, "id"} (open), {"a", "b"} (compare),
    {"m", "c", "o"} and for date lists "y", "t" (list page); each with "l", the language of the card it came from.
    """
    lang = lang_of(data)
    engine = deps.engine
    kind, item = data.get("k"), data.get("id")
    if kind == "project":
        return engine.project_answer(str(item), lang), 0
    if kind == "concept":
        return engine.concept_answer(str(item), lang), 0
    if kind == "step":
        return engine.step_answer(as_step(item), lang), 0
    if "a" in data and "b" in data:
        return engine.compare_answer([str(data["a"]), str(data["b"])], lang), 0
    if "o" in data:
        offset = data["o"] if isinstance(data["o"], int) and 0 < data["o"] < 10_000 else 0
        maturity = data.get("m") if isinstance(data.get("m"), str) else None
        category = data.get("c") if isinstance(data.get("c"), str) else None
        year = data.get("y") if isinstance(data.get("y"), int) and 1990 < data["y"] < 3000 else None
        transition = data.get("t") if isinstance(data.get("t"), str) else None
        return engine.list_answer(maturity, category, lang, year=year, transition=transition), offset
    return None, 0


def parse_value(raw: Any) -> dict:
    try:
        data = json.loads(raw or "{}")
    except (TypeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def lang_of(data: dict) -> str:
    return "ko" if data.get("l") == "ko" else "en"


def as_step(item: Any) -> int | None:
    try:
        step = int(item)
    except (TypeError, ValueError):
        return None
    return step if 1 <= step <= 10 else None


def action_context(body: dict, deps: Deps) -> CommandContext:
    user = body.get("user") or {}
    team = (body.get("team") or {}).get("id") or user.get("team_id", "")
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id", "")
    return CommandContext(team_id=workspace_of(body, team), channel_id=channel, user_id=user.get("id", ""), client=deps.slack())


def deliver(deps: Deps, body: dict, data: dict, *, replace: bool = False) -> None:
    """Send a button's answer back where the button was (see the module docstring)."""
    started = time.perf_counter()
    answer, offset = answer_from_value(deps, data)
    if answer is None:
        return
    ctx = action_context(body, deps)
    reply = message_for(answer, deps, offset)
    record(deps, answer, ctx, "action", answer.question, time.perf_counter() - started)
    container = body.get("container") or {}
    if container.get("type") == "view" or not ctx.channel_id:  # App Home: answer in the DM
        deps.deliver(ctx.user_id, with_feedback(reply, answer, click_key(body)), key=click_key(body))
        return
    if container.get("is_ephemeral") and body.get("response_url"):
        share = {k: v for k, v in data.items() if k != "l"} | {"l": answer.lang}
        reply = with_share(reply, share, answer.lang)
        respond_url(deps, body["response_url"], reply, replace_original=replace)
        return
    message = body.get("message") or {}
    deps.deliver(ctx.channel_id, with_feedback(reply, answer, click_key(body)), key=click_key(body),
                 thread_ts=message.get("thread_ts") or message.get("ts") or container.get("message_ts"))


def click_key(body: dict) -> str:
    """Names one click (the answer's metadata key): Slack's trigger id, else the action's own ts."""
    acts = body.get("actions") if isinstance(body.get("actions"), list) else []
    first = acts[0] if acts and isinstance(acts[0], dict) else {}
    return "click:" + str(body.get("trigger_id") or first.get("action_ts") or time.time())
