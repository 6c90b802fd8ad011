"""Slack's feedback buttons on every answer the bot posts, and what a click does.

Each answer posted with chat.postMessage ends with a `context_actions` block holding
`feedback_buttons` (slack_sdk's Block Kit models). A button's value names the answer (the key in
its metadata), its intent and the entries it was about, so a click can be recorded without
looking the answer up: once per person per answer (`Services.record_feedback`, hashed user), and
the person sees a short thank-you. A click whose value is not one of ours is acknowledged and
ignored.
"""
from __future__ import annotations

import json
import logging

from slack_sdk.models.blocks import ContextActionsBlock, FeedbackButtonObject, FeedbackButtonsElement

from knowledge.model import Answer

from .blocks import MAX_BLOCKS
from .deps import Deps, note_request, respond_url
from .services import Reply
from .workspace import workspace_of

log = logging.getLogger("cncf_bot.feedback")
A_FEEDBACK = "cncf_feedback"
LABELS = {"en": ("Helpful", "Not helpful"), "ko": ("도움이 됐어요", "도움이 안 됐어요")}
THANKS = {"en": "Thanks for the feedback!", "ko": "의견 고마워요!"}


def with_feedback(reply: Reply, answer: Answer, key: str) -> Reply:
    """The reply with feedback buttons as its last block (within Slack's 50 blocks)."""
    lang = "ko" if answer.lang == "ko" else "en"
    ids = [e.id for e in answer.projects][:5] + ([answer.concept.id] if answer.concept else [])

    def val(verdict: str) -> str:
        return json.dumps({"f": verdict, "k": key[:128], "i": answer.intent, "p": ids, "l": lang},
                          separators=(",", ":"), ensure_ascii=False)

    good, bad = LABELS[lang]
    block = ContextActionsBlock(block_id="feedback", elements=[FeedbackButtonsElement(
        action_id=A_FEEDBACK, positive_button=FeedbackButtonObject(text=good, value=val("up")),
        negative_button=FeedbackButtonObject(text=bad, value=val("down")))]).to_dict()
    return Reply(text=reply.text, blocks=reply.blocks[:MAX_BLOCKS - 1] + [block], response_type=reply.response_type)


def parse(value) -> dict | None:
    """A feedback button's value, or None when it is not one this bot made."""
    try:
        data = json.loads(value) if isinstance(value, str) else None
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("f") not in ("up", "down") or not isinstance(data.get("k"), str) \
            or not data["k"] or not isinstance(data.get("i"), str):
        return None
    ids = data.get("p") if isinstance(data.get("p"), list) else []
    return {"helpful": data["f"] == "up", "key": data["k"][:128], "intent": data["i"][:32],
            "ids": [str(i)[:128] for i in ids[:10]], "lang": "ko" if data.get("l") == "ko" else "en"}


def register(app, deps: Deps) -> None:
    def on_feedback(ack, body, action):
        ack()
        data = parse(action.get("value"))
        if data is None:
            note_request(intent="feedback", outcome="ignored")
            return
        note_request(intent="feedback")
        deps.storage_pool().submit(record_click, deps, body, data)

    app.action(A_FEEDBACK)(on_feedback)


def record_click(deps: Deps, body: dict, data: dict) -> None:
    user = body.get("user") if isinstance(body.get("user"), dict) else {}
    team = (body.get("team") or {}).get("id") if isinstance(body.get("team"), dict) else None
    team = workspace_of(body, team or user.get("team_id"))
    save = getattr(deps.services, "record_feedback", None)
    try:
        if save is not None:
            save(team, user.get("id", ""), data["key"], data["helpful"], data["intent"], data["ids"])
    except Exception:
        log.exception("could not record feedback")
    respond_url(deps, body.get("response_url", ""), Reply(text=THANKS[data["lang"]]))
