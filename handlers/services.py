"""What the Slack handlers need from the rest of the bot, as an interface.

Imports point bot -> handlers -> knowledge, so the handlers cannot reach the database. The
bot composes a `Services` object (bot/services.py: preferences, the question log, the
project-of-the-day subscriptions) and hands it to the app factory; tests and the
database-less `ask` path use `NullServices`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

# What receiving an event means for this replica (Services.receive_event; bot.delivery has the why)
NEW = "new"  # first sight: answer it
RETAKE = "retake"  # another attempt may have answered it already: look in the thread first
SKIP = "skip"  # answered, failed, or being answered elsewhere: nothing to do


@dataclass
class CommandContext:
    """Who asked, where, from the Slack payload."""

    team_id: str
    channel_id: str
    user_id: str
    channel_name: str = ""
    client: Any = None  # slack_sdk WebClient bound to the bot token, for lookups like users.info


@dataclass
class Reply:
    text: str
    blocks: list[dict] = field(default_factory=list)
    response_type: str = "ephemeral"  # or "in_channel"


@dataclass
class QuestionRecord:
    team_id: str
    user_id: str
    channel_id: str
    source: str  # "command" | "mention" | "dm" | "followup" | "action"
    question: str
    intent: str
    lang: str
    matched_ids: list[str]
    answered: bool  # False for unknown and did-you-mean
    latency_ms: float


class Services(Protocol):
    # Subcommands the bot implements outside the engine: "potd", "lang", "stats".
    subcommands: frozenset[str]

    def preferred_lang(self, team_id: str, user_id: str) -> str | None:
        """'en' or 'ko' when the person chose one with `/cncf lang`, else None (follow the question)."""

    def log_question(self, record: QuestionRecord) -> None:
        """Remember a question for `/cncf stats`. Must never raise."""

    def subcommand(self, name: str, args: str, ctx: CommandContext, lang: str) -> Reply:
        """Run `/cncf <name> <args>`; return the reply to show."""

    def todays_project(self, team_id: str) -> str | None:
        """The id of today's project of the day for the App Home, if any."""

    # Optional (the handlers fall back on one process's memory when absent):
    # receive_event(event_id, team_id, body) -> NEW | RETAKE | SKIP, before the ack;
    # finish_event(event_id, outcome) once the answer is posted, found, refused or given up;
    # thread_memory(team, channel, thread_ts) -> dict | None and remember_thread(team, channel,
    # thread_ts, memory): what the bot last answered in a conversation (knowledge.followup.Memory).


class NullServices:
    """No storage: nothing remembered, no subcommands beyond the engine's."""

    subcommands: frozenset[str] = frozenset()

    def preferred_lang(self, team_id: str, user_id: str) -> str | None:
        return None

    def log_question(self, record: QuestionRecord) -> None:
        return None

    def subcommand(self, name: str, args: str, ctx: CommandContext, lang: str) -> Reply:
        return Reply(text=f"`{name}` is not available here.")

    def todays_project(self, team_id: str) -> str | None:
        return None
