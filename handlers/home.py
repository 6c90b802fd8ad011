"""The App Home tab: how to ask (English and Korean), today's project, the trail map, the data date.

Published with views.publish whenever someone opens the tab. Its buttons are the cards'
own (A_OPEN), so handlers.actions answers them, in a direct message.
"""
from __future__ import annotations

from knowledge.i18n import HELP_EXAMPLES, maturity_label, t
from knowledge.loader import Catalog
from knowledge.text import first_sentence

from .blocks import A_OPEN, actions, button, clip, context, esc, header, section, value
from .deps import Deps, log
from .workspace import workspace_of

HOME_MAX_BLOCKS = 100

def w(key: str, lang: str) -> str:
    """Home-tab words live with the others in knowledge.i18n (keys home.*)."""
    return t("trail.title" if key == "trail" else f"home.{key}", lang)


def register(app, deps: Deps) -> None:
    def home_opened(ack, body, event):
        ack()
        if event.get("tab") == "home" and event.get("user"):
            deps.defer(publish_home, deps=deps, team=workspace_of(body, body.get("team_id")), user=event["user"])

    app.event("app_home_opened")(home_opened)


def publish_home(deps: Deps, team: str, user: str) -> None:
    lang = deps.language(team, user) or "en"
    try:
        potd = deps.services.todays_project(team)
    except Exception:  # a broken store must not blank the whole tab
        log.exception("todays_project failed")
        potd = None
    deps.slack().views_publish(user_id=user, view=home_view(deps.catalog, lang, potd))


def home_view(catalog: Catalog, lang: str, potd_id: str | None) -> dict:
    blocks: list[dict] = [header(w("title", lang)), section(w("how", lang))]
    for ex_lang, label in (("en", "English"), ("ko", "한국어")):
        examples = "\n".join(f"• `/cncf {esc(q)}`" for q in HELP_EXAMPLES[ex_lang][:4])
        blocks.append(section(f"*{label}*\n{examples}"))
    blocks.append({"type": "divider"})
    blocks.append(section(f"*{esc(w('potd', lang))}*"))
    entry = catalog.entries.get(potd_id) if potd_id else None
    if entry is not None:
        summary = entry.summary.get(lang)
        line = f"*{esc(entry.display_name(lang))}* · {esc(maturity_label(entry.maturity, lang))}"
        if summary:
            line += "\n" + esc(first_sentence(summary))
        blocks.append(section(line, accessory=button(w("details", lang), f"{A_OPEN}_potd",
                                                     value({"k": "project", "id": entry.id, "l": lang}))))
    else:
        blocks.append(context(esc(w("no_potd", lang))))
    blocks.append({"type": "divider"})
    blocks.append(section(f"*{esc(w('trail', lang))}*\n"
                          + "\n".join(f"*{s.step}.* {esc(s.title.get(lang))}" for s in catalog.steps.values())))
    blocks.append(actions([button(clip(f"{s.step}. {s.title.get(lang)}", 75), f"{A_OPEN}_home_step{s.step}",
                                  value({"k": "step", "id": s.step, "l": lang})) for s in catalog.steps.values()],
                          block_id="home:trail"))
    blocks.append(context(esc(t("trail.dated", lang))))
    credit = t("source.credit", lang, date=catalog.source.data_date)
    if catalog.source.commit.startswith("knowledge version"):  # a synced version is in force
        credit += f" ({catalog.source.commit})"
    blocks.append(context(esc(credit)))
    return {"type": "home", "blocks": blocks[:HOME_MAX_BLOCKS]}
