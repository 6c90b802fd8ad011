"""The "Add to Slack" flow: GET /slack/install and GET /slack/oauth_redirect (multi-workspace mode).

Bolt's OAuthFlow does the protocol: a state stored in the database and set as a cookie on the
installer's browser, Slack's authorize URL with the client id and the scopes, and on the way back
the cookie and the state checked (once: a consumed state cannot be replayed), the code exchanged
with oauth.v2.access (at SLACK_API_URL), and the installation stored. What this module adds:

- pages in English and Korean, for the install link and for every way back (installed; consent
  denied; an expired, replayed or foreign state; a bad code; a storage failure), with the right
  HTTP status and one log line per failure, never the code, the state or a token;
- no traceback ever reaches the browser: Slack being unreachable during the exchange is a bad
  code, a database error while storing is a storage failure (and, the store being atomic,
  nothing of the install is kept).
"""
from __future__ import annotations

import html
import logging
from typing import Any

from slack_bolt.error import BoltError
from slack_bolt.oauth import OAuthFlow
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

from .installations import STATE_SECONDS, Workspaces

log = logging.getLogger("cncf_bot.install")

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
COOKIE = "cncf-bot-oauth-state"

# reason -> (English, Korean): what went wrong and what to do
FAILURES: dict[str, tuple[str, str]] = {
    "access_denied": ("The installation was cancelled in Slack, so nothing was installed.",
                      "Slack에서 설치를 취소해서 아무것도 설치되지 않았어요."),
    "invalid_browser": ("This link was opened in a different browser from the one that started the "
                        "installation. Start again from the install page in one browser.",
                        "설치를 시작한 브라우저와 다른 브라우저에서 열린 링크예요. 한 브라우저에서 설치 페이지부터 "
                        "다시 시작해 주세요."),
    "invalid_state": ("This installation link has expired or was already used. Start again from the install page.",
                      "설치 링크가 만료되었거나 이미 사용되었어요. 설치 페이지에서 다시 시작해 주세요."),
    "missing_code": ("Slack did not send an authorization code back. Start again from the install page.",
                     "Slack이 인증 코드를 보내지 않았어요. 설치 페이지에서 다시 시작해 주세요."),
    "invalid_code": ("Slack did not accept the authorization code (it may have expired). Start again from the "
                     "install page.",
                     "Slack이 인증 코드를 받아들이지 않았어요(만료되었을 수 있어요). 설치 페이지에서 다시 시작해 주세요."),
    "storage_error": ("The installation could not be saved on our side, so nothing was installed. Please try "
                      "again in a few minutes.",
                      "설치 정보를 저장하지 못해서 아무것도 설치되지 않았어요. 몇 분 뒤에 다시 시도해 주세요."),
}
OTHER_FAILURE = ("The installation did not complete. Start again from the install page.",
                 "설치가 완료되지 않았어요. 설치 페이지에서 다시 시작해 주세요.")

_STYLE = ("body{font-family:-apple-system,'Segoe UI',Roboto,'Noto Sans KR',sans-serif;max-width:40rem;"
          "margin:3rem auto;padding:0 1rem;line-height:1.5;color:#1d1c1d}h1{font-size:1.5rem}"
          "section{margin:1.5rem 0}.ko{border-top:1px solid #ddd;padding-top:1rem}"
          "a.button{display:inline-block;background:#4a154b;color:#fff;padding:.6rem 1.2rem;"
          "border-radius:6px;text-decoration:none;font-weight:600}small{color:#616061}")


def page(title: str, english: str, korean: str, *, lang_title: str = "") -> str:
    """A small self-contained page with the same message in English and in Korean."""
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f'<link rel="icon" href="data:,"><title>{html.escape(title)}</title><style>{_STYLE}</style></head>'
            f'<body><section lang="en">{english}</section>'
            f'<section class="ko" lang="ko">{korean}</section>'
            f'<p><small>Project facts: the CNCF Landscape (CC-BY-4.0).</small></p></body></html>')


def install_page(url: str) -> str:
    link = html.escape(url, quote=True)
    english = ("<h1>Add cncf-bot to Slack</h1><p>cncf-bot answers questions about CNCF projects in English "
               "and Korean: <code>/cncf</code>, mentions, direct messages and a daily project of the day.</p>"
               f'<p><a class="button" href="{link}">Add to Slack</a></p>'
               f"<p><small>The link works for {STATE_SECONDS // 60} minutes, in this browser.</small></p>")
    korean = ("<h1>cncf-bot을 Slack에 추가하기</h1><p>cncf-bot은 CNCF 프로젝트에 대한 질문에 한국어와 영어로 답해요. "
              "<code>/cncf</code>, 멘션, DM, 그리고 매일 오늘의 프로젝트를 올려 드려요.</p>"
              f'<p><a class="button" href="{link}">Slack에 추가</a></p>'
              f"<p><small>이 링크는 이 브라우저에서 {STATE_SECONDS // 60}분 동안 쓸 수 있어요.</small></p>")
    return page("Add cncf-bot to Slack", english, korean)


def success_page(team: str, app_url: str) -> str:
    name = html.escape(team or "your workspace")
    open_link = f' <a href="{html.escape(app_url, quote=True)}">Open Slack</a>' if app_url else ""
    open_ko = f' <a href="{html.escape(app_url, quote=True)}">Slack 열기</a>' if app_url else ""
    english = (f"<h1>cncf-bot is installed in {name}</h1><p>Try <code>/cncf help</code> in any channel, or "
               f"mention <code>@cncf-bot</code> with a question.{open_link}</p>")
    korean = (f"<h1>{name}에 cncf-bot이 설치되었어요</h1><p>아무 채널에서나 <code>/cncf help</code>를 입력하거나 "
              f"<code>@cncf-bot</code>을 멘션해서 질문해 보세요.{open_ko}</p>")
    return page("cncf-bot is installed", english, korean)


def failure_page(reason: str) -> str:
    english, korean = FAILURES.get(reason, OTHER_FAILURE)
    again = f'<p><a href="{INSTALL_PATH}">Start again</a></p>'
    again_ko = f'<p><a href="{INSTALL_PATH}">다시 시작</a></p>'
    return page("cncf-bot was not installed", f"<h1>cncf-bot was not installed</h1><p>{html.escape(english)}</p>{again}",
                f"<h1>cncf-bot이 설치되지 않았어요</h1><p>{html.escape(korean)}</p>{again_ko}")


class _NoCodes(logging.Filter):
    """Bolt logs a refused exchange with the authorization code in it; the failure page's own log
    line says what happened without it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Failed to fetch oauth.v2.access result with code")


log.addFilter(_NoCodes())


class InstallFlow(OAuthFlow):
    """Bolt's OAuthFlow with the project's pages and its failures kept off the browser."""

    def build_install_page_html(self, url: str, request: BoltRequest) -> str:
        return install_page(url)

    def run_installation(self, code: str):
        try:
            return super().run_installation(code)  # None on a Slack API error (logged by bolt, with the code)
        except Exception as exc:  # Slack unreachable, a timeout, a page that is not JSON
            log.warning("installation: oauth.v2.access could not be reached (%s)", type(exc).__name__)
            return None

    def store_installation(self, request: BoltRequest, installation: Any) -> None:
        try:
            super().store_installation(request, installation)
        except Exception as exc:
            raise BoltError(f"storing the installation failed: {type(exc).__name__}") from exc

    def handle_callback(self, request: BoltRequest) -> BoltResponse:
        from sqlalchemy.exc import SQLAlchemyError

        try:
            return super().handle_callback(request)
        except Exception as exc:  # the state store's database, most likely; its message may hold the state
            log.error("installation failed: the redirect could not be handled (%s)", type(exc).__name__)
            return failure_response(self, "storage_error" if isinstance(exc, SQLAlchemyError) else "internal_error",
                                    500)

    def handle_installation(self, request: BoltRequest) -> BoltResponse:
        try:
            return super().handle_installation(request)
        except Exception as exc:  # the state could not be stored: the database is away
            log.error("installation: the install page could not issue a state (%s)", type(exc).__name__)
            body = page("cncf-bot is unavailable", "<h1>Installation is unavailable</h1><p>Please try again in a "
                        "few minutes.</p>", "<h1>지금은 설치할 수 없어요</h1><p>몇 분 뒤에 다시 시도해 주세요.</p>")
            return BoltResponse(status=503, body=body, headers={"Content-Type": "text/html; charset=utf-8"})


def failure_response(flow: OAuthFlow, reason: str, status: int) -> BoltResponse:
    return BoltResponse(status=status, body=failure_page(reason),
                        headers={"Content-Type": "text/html; charset=utf-8",
                                 "Set-Cookie": flow.settings.state_utils.build_set_cookie_for_deletion()})


def build_flow(config: Any, workspaces: Workspaces, client: Any, scopes: list[str],
               on_installed: Any = None) -> InstallFlow:
    """The flow for a Config in the multi-workspace mode, on the project's stores."""
    holder: dict[str, InstallFlow] = {}

    def success(args: SuccessArgs) -> BoltResponse:
        inst = args.installation
        name = (inst.enterprise_name if inst.is_enterprise_install else inst.team_name) or ""
        where = inst.enterprise_id if inst.is_enterprise_install else inst.team_id
        log.info("installed in %s %s", "org" if inst.is_enterprise_install else "workspace", where)
        if on_installed is not None:
            try:
                on_installed()
            except Exception:
                log.exception("after an installation")
        app_url = inst.enterprise_url if inst.is_enterprise_install else (
            f"https://slack.com/app_redirect?app={inst.app_id}&team={inst.team_id}" if inst.app_id and inst.team_id
            else "")
        return BoltResponse(status=200, body=success_page(name, app_url or ""),
                            headers={"Content-Type": "text/html; charset=utf-8",
                                     "Set-Cookie": args.settings.state_utils.build_set_cookie_for_deletion()})

    def failure(args: FailureArgs) -> BoltResponse:
        reason = args.reason if args.reason in FAILURES else "other"
        status = args.suggested_status_code if args.reason in FAILURES else 400
        detail = f" ({type(args.error.__cause__ or args.error).__name__})" if args.error is not None else ""
        log.warning("installation failed: %s%s", args.reason if reason != "other" else "slack error", detail)
        return failure_response(holder["flow"], reason, status)

    settings = OAuthSettings(
        client_id=config.slack_client_id, client_secret=config.slack_client_secret, scopes=scopes, user_scopes=[],
        redirect_uri=config.slack_redirect_uri, install_path=INSTALL_PATH, redirect_uri_path=REDIRECT_PATH,
        callback_options=CallbackOptions(success=success, failure=failure),
        installation_store=workspaces.store, installation_store_bot_only=True,
        state_store=workspaces.states, state_cookie_name=COOKIE, state_expiration_seconds=STATE_SECONDS,
        logger=log)
    flow = InstallFlow(client=client, logger=log, settings=settings)
    holder["flow"] = flow
    return flow
