"""The shape of a Slack request that Bolt relies on before any listener runs.

Bolt's own middleware reads `body["event"]["type"]`, iterates `body["actions"]` and takes ids out
of `user`, `team`, `channel`, `container` and `view` without checking their types, so a signed but
malformed payload (an event that is a string, actions that are not a list) raises inside Bolt and
becomes a 500. The server checks this shape first and answers 400 instead.
"""
from __future__ import annotations

# Parts that are objects whenever Slack sends them (null is allowed: Slack sends `enterprise: null`).
OBJECT_PARTS = ("user", "team", "channel", "container", "view", "message", "enterprise", "state")


def envelope_problem(body: dict) -> str | None:
    """What is wrong with the shape of a parsed Slack payload, or None when Bolt can route it."""
    if body.get("type") == "event_callback" and not isinstance(body.get("event"), dict):
        return "event is not an object"
    for part in OBJECT_PARTS:
        if body.get(part) is not None and not isinstance(body[part], dict):
            return f"{part} is not an object"
    actions = body.get("actions")
    if actions is not None and not (isinstance(actions, list) and all(isinstance(a, dict) for a in actions)):
        return "actions is not a list of objects"
    view = body.get("view")
    if body.get("type") in ("view_submission", "view_closed") and not (isinstance(view, dict)
                                                                         and isinstance(view.get("type"), str)):
        return "view has no type"
    return None
