"""`/cncf`: the answer rides in the ack when it is ready in time, else follows on the response_url.

The engine answers in well under a millisecond, so a question is answered within Slack's own
request (Slack's "immediate response": one round trip, no response_url post). The services'
subcommands (potd, lang, stats) may wait on a database: they get `Deps.ack_budget` seconds to
ride in the ack too, after which the ack goes out empty and the answer follows on the
response_url.

`route` is the router, a plain function of the command text: the built-in subcommands (help,
about, compare, trail, list, recommend), then the services' own (potd, lang, stats...), then
any question for the engine. Answers are ephemeral and carry a "Share in channel" button.
"""
from __future__ import annotations

import contextvars
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

from knowledge.i18n import HELP_EXAMPLES, t
from knowledge.model import Answer
from knowledge.text import clean, detect_lang
from knowledge.vocab import MATURITY_WORDS

from .blocks import context, esc, header, section
from .deps import (
    APOLOGY,
    Deps,
    apologize,
    carry_request,
    log,
    message_for,
    note_request,
    record,
    respond_url,
    with_share,
)
from .services import CommandContext, Reply
from .workspace import workspace_of

COMMAND = "/cncf"
BUILTIN = ("help", "about", "compare", "trail", "list", "recommend")


@dataclass
class Routed:
    reply: Reply
    shareable: bool  # an answer worth sharing (not help about the bot, not a settings change)
    lang: str
    answer: Answer | None = None  # the engine's answer, when the reply is one


def register(app, deps: Deps) -> None:
    def cncf_command(ack, body):
        if not is_services_subcommand(deps, body.get("text") or ""):
            # The engine is pure and answers in well under a millisecond: answer in this request.
            try:
                routed = command_reply(deps, body)
            except Exception:
                failed(ack)
                return
            send(ack, routed.reply)
            return
        # The services may wait on their database: give them the ack budget, then the response_url.
        # They run on a pool of their own, so answers waiting on Slack cannot starve them (nor they
        # the answers). (In a copy of this request's context, so the work can say what it was about.)
        work = deps.storage_pool().submit(contextvars.copy_context().run, command_reply, deps, body)
        try:
            routed = work.result(timeout=deps.ack_budget)
        except FutureTimeout:
            ack()  # an empty ack shows nothing; the answer follows on the response_url
            work.add_done_callback(carry_request(lambda done: follow_up(deps, body, done)))
            return
        except Exception:
            failed(ack)
            return
        send(ack, routed.reply)

    app.command(COMMAND)(cncf_command)


def send(ack, reply: Reply) -> None:
    ack(text=reply.text, blocks=reply.blocks or None, response_type=reply.response_type)


def failed(ack) -> None:
    """Inside an except block: log the traceback, count it, and apologise in the ack."""
    note_request(outcome="error")
    log.exception("/cncf failed")
    ack(text=APOLOGY)


def is_services_subcommand(deps: Deps, text: str) -> bool:
    name = text.strip().split(" ", 1)[0].lower()
    return name not in BUILTIN and name in deps.services.subcommands


def command_reply(deps: Deps, body: dict) -> Routed:
    routed = route(deps, body.get("text") or "", command_context(body, deps))
    if routed.shareable:
        routed.reply = with_share(routed.reply, clean(body.get("text") or ""), routed.lang)
    return routed


def follow_up(deps: Deps, body: dict, done: Future) -> None:
    """A slow answer, after an empty ack: post it (or an apology) on the response_url."""
    try:
        routed = done.result()
    except Exception:
        note_request(outcome="error")
        log.error("/cncf failed", exc_info=done.exception())
        apologize(deps, body)
        return
    respond_url(deps, body.get("response_url", ""), routed.reply)


def command_context(body: dict, deps: Deps) -> CommandContext:
    return CommandContext(team_id=workspace_of(body, body.get("team_id", "")), channel_id=body.get("channel_id", ""),
                          user_id=body.get("user_id", ""), channel_name=body.get("channel_name", ""),
                          client=deps.slack())


def route(deps: Deps, text: str, ctx: CommandContext, source: str = "command") -> Routed:
    """Turn `/cncf TEXT` into a reply. Pure apart from the services it calls."""
    started = time.perf_counter()
    text = clean(text)
    word, _, args = text.partition(" ")
    name = word.lower()
    args = args.strip()
    preferred = deps.language(ctx.team_id, ctx.user_id)
    lang = preferred or detect_lang(text)
    engine = deps.engine
    # The engine's answer says its own intent (see deps.record); the rest are named here.
    note_request(intent="help" if name in ("", "도움말") else name if name in BUILTIN
                 or is_services_subcommand(deps, name) else "question")

    if name in ("", "help", "도움말"):
        return Routed(help_reply(deps, lang), False, lang)
    if name == "about":
        return Routed(about_reply(deps, lang), False, lang)
    if is_services_subcommand(deps, name):
        return Routed(deps.services.subcommand(name, args, ctx, lang), False, lang)

    answer: Answer
    if name == "compare":
        if len(args.split()) < 2:
            return Routed(usage("compare", lang), False, lang)
        answer = engine.ask(f"compare {args}", preferred)
    elif name == "trail":
        step = next((int(w) for w in args.split() if w.isdigit()), None)
        if step is not None and not 1 <= step <= 10:
            return Routed(usage("trail", lang), False, lang)
        answer = engine.step_answer(step, lang)
    elif name == "list":
        maturity, category, rest = parse_list_args(deps, args)
        if rest:
            return Routed(usage("list", lang), False, lang)
        answer = engine.list_answer(maturity, category, lang)
    elif name == "recommend":
        if not args:
            return Routed(usage("recommend", lang), False, lang)
        answer = engine.ask(f"recommend {args}", preferred)
        answer.question = args if answer.intent == "recommend" else answer.question
    else:
        answer, reply = deps.answer(text, preferred)
        record(deps, answer, ctx, source, text, time.perf_counter() - started)
        return Routed(reply, True, answer.lang, answer)
    reply = message_for(answer, deps)
    # Logged before the reply goes out, so a `/cncf stats` right after already counts it.
    record(deps, answer, ctx, source, text, time.perf_counter() - started)
    return Routed(reply, True, answer.lang, answer)


def parse_list_args(deps: Deps, args: str) -> tuple[str | None, str | None, str]:
    """`[maturity] [category]`: category names match the landscape's, case-insensitively."""
    words = args.split()
    maturity = None
    if words and words[0].lower() in MATURITY_WORDS:
        maturity = MATURITY_WORDS[words.pop(0).lower()]
    if not words:
        return maturity, None, ""
    wanted = " ".join(words).lower()
    for label in category_labels(deps):
        if label.lower() == wanted:
            return maturity, label, ""
    return maturity, None, " ".join(words)


def category_labels(deps: Deps) -> list[str]:
    labels = set()
    for e in deps.catalog.entries.values():
        if e.is_cncf:
            labels.add(e.category)
            labels.add(e.subcategory)
    return sorted(labels)


USAGE = {
    "compare": ("Usage: `/cncf compare A B`, for example `/cncf compare argo flux`.",
                "사용법: `/cncf compare A B` (예: `/cncf compare argo flux`)"),
    "trail": ("Usage: `/cncf trail [STEP]`, where STEP is 1 to 10.", "사용법: `/cncf trail [단계]` (단계는 1~10)"),
    "recommend": ("Usage: `/cncf recommend NEED`, for example `/cncf recommend tracing`.",
                  "사용법: `/cncf recommend 필요한 것` (예: `/cncf recommend 트레이싱`)"),
}


def usage(name: str, lang: str) -> Reply:
    if name == "list":
        text = ("Usage: `/cncf list [graduated|incubating|sandbox|archived] [CATEGORY]`; "
                "categories are the landscape's, for example `Observability and Analysis` or `Service Mesh`.")
        if lang == "ko":
            text = ("사용법: `/cncf list [graduated|incubating|sandbox|archived] [분류]` "
                    "(분류는 랜드스케이프 이름, 예: `Observability and Analysis`, `Service Mesh`)")
    else:
        text = USAGE[name][1 if lang == "ko" else 0]
    return Reply(text=text, blocks=[section(text)])


def help_reply(deps: Deps, lang: str) -> Reply:
    ko = lang == "ko"
    lines = [
        ("`/cncf 질문`: 무엇이든 물어보세요" if ko else "`/cncf QUESTION`: ask anything"),
        ("`/cncf compare A B`: 두 프로젝트 비교" if ko else "`/cncf compare A B`: compare two projects"),
        ("`/cncf trail [단계]`: 클라우드 네이티브 트레일 맵" if ko else "`/cncf trail [STEP]`: the Cloud Native Trail Map"),
        ("`/cncf list [성숙도] [분류]`: 프로젝트 목록" if ko
         else "`/cncf list [graduated|incubating|sandbox|archived] [CATEGORY]`: list projects"),
        ("`/cncf recommend 필요한 것`: 프로젝트 추천" if ko else "`/cncf recommend NEED`: recommend projects"),
        ("`/cncf about`: 버전과 데이터 출처" if ko else "`/cncf about`: version and data source"),
    ]
    extra = sorted(n for n in deps.services.subcommands if n not in BUILTIN)
    if extra:
        lines.append(("그 밖에: " if ko else "Also: ") + ", ".join(f"`/cncf {esc(n)}`" for n in extra))
    examples = "\n".join(f"• `/cncf {esc(q)}`" for q in HELP_EXAMPLES[lang][:4])
    other = " · ".join(f"`{esc(q)}`" for q in HELP_EXAMPLES["en" if ko else "ko"][:3])
    where = ("채널에서 저를 @멘션하거나 DM으로 물어봐도 돼요." if ko
             else "You can also @mention me in a channel or send me a direct message.")
    blocks = [header(t("help.title", lang)), section(esc(t("help.body", lang))), section("\n".join(lines)),
              section(f"*{esc(t('help.examples', lang))}*\n{examples}"), context(f"{esc(where)}  {other}")]
    return Reply(text=t("help.title", lang), blocks=blocks)


def app_version() -> str:
    try:
        return version("cncf-bot")
    except PackageNotFoundError:
        return "0+unknown"


def about_reply(deps: Deps, lang: str) -> Reply:
    src = deps.catalog.source
    commit = f" ({esc(src.commit)})" if src.commit else ""
    if lang == "ko":
        text = (f"*cncf-bot {esc(app_version())}*\n카탈로그 데이터: {esc(src.data_date)} 기준{commit}\n"
                f"사실 정보 출처: <{src.url}|{esc(src.name)}>, {esc(src.license)} 라이선스.")
    else:
        text = (f"*cncf-bot {esc(app_version())}*\nCatalog data of {esc(src.data_date)}{commit}\n"
                f"Facts from the <{src.url}|{esc(src.name)}>, licensed {esc(src.license)}.")
    return Reply(text=f"cncf-bot {app_version()}", blocks=[section(text)])
