"""Slack's assistant surface (the split view), through bolt-python's own `Assistant` middleware.

- `assistant_thread_started`: suggested prompts in the person's language (a project, a
  comparison, a recommendation, the trail map, a concept) and a one-line greeting;
- a message in an assistant thread: `assistant.threads.setStatus` while the answer is worked out,
  a title for the thread from its first question, and the answer posted like every other one
  (claimed once across replicas, retried, with metadata and feedback buttons), following up on
  the thread's memory (handlers.threads) as in any thread.

Workspaces whose plan lacks the feature never send these events; a refused status or title call
is logged and costs the answer nothing.
"""
from __future__ import annotations

import logging

from slack_bolt import Assistant

from .deps import Deps, note_request
from .feedback import with_feedback
from .services import Reply
from .workspace import workspace_of

log = logging.getLogger("cncf_bot.assistant")

PROMPTS = {
    "en": [("What is Linkerd?", "what is linkerd"), ("Argo vs Flux", "compare argo and flux"),
           ("Tracing tool?", "what should I use for distributed tracing?"),
           ("Trail map", "show me the cloud native trail map"), ("Service mesh", "what is a service mesh?")],
    "ko": [("링커드가 뭐야?", "링커드가 뭐야?"), ("Argo와 Flux 비교", "argo랑 flux 비교해줘"),
           ("트레이싱 도구 추천", "분산 트레이싱 도구 추천해줘"), ("트레일 맵", "클라우드 네이티브 트레일 맵 보여줘"),
           ("서비스 메시", "서비스 메시가 뭐야?")],
}
GREETING = {"en": "Hi! Ask me anything about the CNCF and its projects, in English or Korean.",
            "ko": "안녕하세요! CNCF와 그 프로젝트에 대해 영어나 한국어로 무엇이든 물어보세요."}
THINKING = {"en": "is looking it up…", "ko": "찾아보는 중…"}
TITLE_MAX = 60


def build(deps: Deps) -> Assistant:
    assistant = Assistant(logger=logging.getLogger("cncf_bot.bolt"))

    @assistant.thread_started
    def started(payload, context, body):
        thread = payload.get("assistant_thread") or {}
        channel, ts = thread.get("channel_id", ""), thread.get("thread_ts", "")
        user = thread.get("user_id") or context.user_id or ""
        note_request(intent="assistant")
        deps.defer(greet, deps=deps, body=body, team=workspace_of(body, body.get("team_id")), user=user, channel=channel,
                   thread_ts=ts)

    @assistant.user_message
    def message(payload, context, body):  # the Assistant middleware acks by itself
        deps.take_event(None, answer_in_assistant, body, context, event=payload, bot_user_id=context.bot_user_id)

    return assistant


def language_of(deps: Deps, team: str, user: str) -> str:
    """The person's chosen language, else their Slack locale, else English."""
    chosen = deps.language(team, user)
    if chosen:
        return chosen
    try:
        info = deps.slack().users_info(user=user, include_locale=True).get("user") or {}
        return "ko" if str(info.get("locale") or "").lower().startswith("ko") else "en"
    except Exception:
        return "en"


def greet(deps: Deps, body: dict, team: str, user: str, channel: str, thread_ts: str) -> None:
    lang = language_of(deps, team, user)
    try:
        deps.slack().assistant_threads_setSuggestedPrompts(
            channel_id=channel, thread_ts=thread_ts,
            prompts=[{"title": t, "message": m} for t, m in PROMPTS[lang]],
            title="이렇게 물어보세요" if lang == "ko" else "Try asking")
    except Exception as exc:  # the plan lacks it, or Slack refused: the greeting still goes
        log.info("assistant.threads.setSuggestedPrompts failed: %s", exc)
    deps.deliver(channel, Reply(text=GREETING[lang]), key=f"{channel}:{thread_ts}:hello", thread_ts=thread_ts)


def answer_in_assistant(deps: Deps, body: dict, event: dict, bot_user_id: str | None, uncertain: bool = False) -> None:
    from .events import event_context, strip_bot_mention
    from .threads import answer_in_conversation

    channel, thread = event.get("channel", ""), event.get("thread_ts") or ""
    question = strip_bot_mention(event.get("text") or "", bot_user_id)
    try:
        ctx = event_context(body, event, deps)
        first = deps.thread_memory(ctx.team_id, channel, thread) is None
        lang = deps.language(ctx.team_id, ctx.user_id)
        status = THINKING["ko" if (lang or "") == "ko" or any("\uac00" <= c <= "\ud7a3" for c in question) else "en"]
        _call(deps, "setStatus", channel_id=channel, thread_ts=thread, status=status)
        answer, reply = answer_in_conversation(deps, question, ctx, "assistant", thread)
        if first and question.strip():
            _call(deps, "setTitle", channel_id=channel, thread_ts=thread, title=question.strip()[:TITLE_MAX])
    except Exception:
        deps.finish(body, "error")
        raise
    key = f"{channel}:{event.get('ts') or ''}"
    deps.deliver(channel, with_feedback(reply, answer, key), key=key, thread_ts=thread, since=event.get("ts"),
                 uncertain=uncertain, done=lambda outcome: deps.finish(body, outcome))


def _call(deps: Deps, what: str, **kwargs) -> None:
    try:
        getattr(deps.slack(), f"assistant_threads_{what}")(**kwargs)
    except Exception as exc:
        log.info("assistant.threads.%s failed: %s", what, exc)
