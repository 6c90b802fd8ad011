"""The production server: a Starlette app on uvicorn.

HTTP mode:   POST /slack/events (commands, events, interactivity), GET /healthz, GET /metrics;
             in the multi-workspace mode also GET /slack/install and GET /slack/oauth_redirect.
Socket Mode: the same /healthz and /metrics for the probes, while SocketModeHandler carries
             the Slack traffic over a websocket.

Bolt's App is synchronous, so each Slack request is dispatched on a worker thread; the event
loop stays free for other connections while a listener acks.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import socket
import time
from typing import Any

from slack_bolt import BoltRequest, BoltResponse
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from handlers.deps import request_log
from handlers.envelope import envelope_problem

from .metrics import BotMetrics

log = logging.getLogger("cncf_bot.server")

EVENTS_PATH = "/slack/events"
MAX_BODY = 1 << 20  # Slack's payloads are far smaller; refuse anything bigger before reading it all


def create_asgi(bolt_app: Any | None, metrics: BotMetrics, *, signing_secret: str | None = None,
                healthy: Any = None, database: Any = None) -> Starlette:
    """The ASGI app. `bolt_app` None: only the health and metrics endpoints (Socket Mode)."""
    async def slack_events(request: Request) -> Response:
        resp = await handle_slack(request)
        metrics.http.inc(path=EVENTS_PATH, status=str(resp.status_code))
        return resp

    async def handle_slack(request: Request) -> Response:
        # Nothing expensive before the signature: the body is read with a hard limit whatever
        # content-length says (or whether it is sent at all), the signature is checked on the raw
        # bytes, and only a signed body is parsed.
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or len(length) > 12 or int(length) > MAX_BODY):
            return refused(request, "payload too large", 413, b"")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY:
                return refused(request, "payload too large", 413, b"".join(chunks[:1]))
            chunks.append(chunk)
        body = b"".join(chunks)
        if signing_secret is not None:
            problem = signature_problem(signing_secret, body, request.headers.get("x-slack-request-timestamp"),
                                        request.headers.get("x-slack-signature"))
            if problem:
                return refused(request, problem, 401, body)
        try:
            text = body.decode("utf-8")
            bolt_req = BoltRequest(body=text, query=dict(request.query_params), headers=dict(request.headers))
            if not isinstance(bolt_req.body, dict):
                raise ValueError("the payload is not an object")
        except (ValueError, AttributeError, TypeError, RecursionError):
            # not UTF-8, JSON that is not an object, nested past parsing: Slack never sends that
            return refused(request, "malformed body", 400 if signing_secret is not None else 401, body)
        problem = envelope_problem(bolt_req.body)
        if problem:  # signed, but shaped so that Bolt itself would fail on it
            return refused(request, "malformed payload", 400, body, detail=problem)
        try:
            bolt_resp = await run_in_threadpool(bolt_app.dispatch, bolt_req)
        except Exception:
            log.exception("dispatch failed")
            return PlainTextResponse("internal error", status_code=500)
        return Response(content=bolt_resp.body, status_code=bolt_resp.status,
                        headers=bolt_resp.first_headers_without_set_cookie())

    def refused(request: Request, reason: str, status: int, body: bytes, detail: str = "") -> Response:
        # one short request line: the kind, the reason and the size, never the body (it may hold
        # tokens and user ids)
        kind = raw_kind(request.headers.get("content-type", ""), body)
        request_log.info("slack request", extra={"kind": kind, "intent": "none", "outcome": "rejected",
                                                 "reason": reason + (f": {detail}" if detail else ""),
                                                 "bytes": len(body)})
        metrics.refused.inc(reason=reason)
        metrics.requests.inc(kind=kind, outcome="rejected")
        text = {413: "payload too large", 400: "malformed request"}.get(status, "")
        return PlainTextResponse(text, status_code=status)

    async def healthz(request: Request) -> Response:
        # 200 while the bot can answer; a sick database makes it "degraded", not unavailable:
        # questions are still answered, only the database's own subcommands wait for it
        ok = healthy() if healthy else True
        body = {"status": "ok" if ok else "unavailable"}
        if database is not None:
            body["database"] = await run_in_threadpool(database)
        metrics.http.inc(path="/healthz", status="200" if ok else "503")
        return JSONResponse(body, status_code=200 if ok else 503)

    async def metrics_page(request: Request) -> Response:
        metrics.http.inc(path="/metrics", status="200")
        return Response(metrics.render(), media_type=None, headers={"content-type": metrics.registry.CONTENT_TYPE})

    flow = getattr(bolt_app, "oauth_flow", None) if bolt_app is not None else None

    async def oauth_page(request: Request) -> Response:
        # the install link and Slack's redirect back (bot.install_flow): a page either way
        path = request.url.path
        bolt_req = BoltRequest(body="", query=request.url.query, headers=dict(request.headers))
        handle = flow.handle_installation if path == flow.install_path else flow.handle_callback
        try:
            bolt_resp = await run_in_threadpool(handle, bolt_req)
        except Exception:  # InstallFlow turns its own failures into pages; this is a last resort
            log.exception("the installation page failed")
            bolt_resp = BoltResponse(status=500, body="cncf-bot: the installation could not be completed; "
                                                      "please try again.")
        metrics.http.inc(path=path, status=str(bolt_resp.status))
        headers = bolt_resp.first_headers_without_set_cookie()
        resp = Response(content=bolt_resp.body, status_code=bolt_resp.status, headers=headers)
        for cookie in bolt_resp.headers.get("set-cookie", []):
            resp.headers.append("set-cookie", cookie)
        resp.headers["cache-control"] = "no-store"
        resp.headers["referrer-policy"] = "no-referrer"  # the code and state stay off other sites' logs
        return resp

    routes = [Route("/healthz", healthz, methods=["GET"]), Route("/metrics", metrics_page, methods=["GET"])]
    if bolt_app is not None:
        routes.append(Route(EVENTS_PATH, slack_events, methods=["POST"]))
    if flow is not None:
        routes += [Route(flow.install_path, oauth_page, methods=["GET"]),
                   Route(flow.redirect_uri_path, oauth_page, methods=["GET"])]
    return Starlette(routes=routes)


def raw_kind(content_type: str, body: bytes) -> str:
    """What a request looks like from its first bytes, for the log of a refused one (never parsed)."""
    head = body[:4096]
    if content_type.startswith("application/json"):
        return "event"
    if head.startswith(b"payload="):
        return "action"  # an interaction; which one is in the payload, not parsed for a refusal
    if b"command=" in head:
        return "command"
    return "other"


def signature_problem(secret: str, body: bytes, timestamp: str | None, signature: str | None) -> str | None:
    """Why a request is not Slack's v0 signature over the raw bytes within 5 minutes (slack_sdk's
    verifier only takes UTF-8), or None when it is. The timestamp is read
    defensively: not a plain number of at most 12 digits (fractional, negative, 5,000 digits) is
    no timestamp."""
    if not timestamp or not signature:
        return "unsigned"
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        return "bad timestamp"
    if abs(time.time() - int(timestamp)) > 300:
        return "stale timestamp"
    mac = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256)
    if not hmac.compare_digest("v0=" + mac.hexdigest(), signature):
        return "bad signature"
    return None


class StartupError(RuntimeError):
    """The server cannot start for a reason the operator can fix; the message says which."""


def uvicorn_server(asgi: Any, *, host: str = "0.0.0.0", port: int = 3000, log_level: str = "info"):
    import uvicorn

    config = uvicorn.Config(asgi, host=host, port=port, log_config=None, access_log=False, lifespan="off",
                            log_level=log_level.lower(), timeout_graceful_shutdown=10, server_header=False)
    return uvicorn.Server(config)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket; port 0 picks a free one (tests, benchmarks)."""
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY only on sockets that say they are TCP,
    # and without it a response written as headers + body waits ~40 ms on Nagle and delayed ACKs.
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def socket_mode_handler(runtime: Any):
    """Bolt's built-in Socket Mode handler (slack_sdk's own websocket client: no extra package)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    return SocketModeHandler(runtime.app, app_token=runtime.config.slack_app_token,
                             logger=logging.getLogger("cncf_bot.socket_mode"))


def serve(runtime: Any, *, host: str = "0.0.0.0") -> None:
    """Run until SIGINT/SIGTERM: HTTP mode, or Socket Mode when the config has an app token.
    Raises StartupError, before anything connects, when the port cannot be listened on."""
    config = runtime.config
    try:
        sock = bind(host, config.port)
    except OSError as exc:
        raise StartupError(f"cannot listen on {host}:{config.port} ({exc.strerror or exc}); is another "
                           f"process using PORT={config.port}?") from None
    handler = None
    database = getattr(runtime.services, "database_status", None)
    if config.socket_mode:
        handler = socket_mode_handler(runtime)
        handler.connect()
        log.info("connected to Slack in Socket Mode; health and metrics on port %s", config.port)
        asgi = create_asgi(None, runtime.metrics, healthy=lambda: handler.client.is_connected(), database=database)
    else:
        asgi = create_asgi(runtime.app, runtime.metrics, signing_secret=config.slack_signing_secret,
                           database=database)
        log.info("serving Slack requests on http://%s:%s%s%s", host, config.port, EVENTS_PATH,
                 " (multi-workspace: install at /slack/install)" if config.oauth else "")
    server = uvicorn_server(asgi, host=host, port=config.port, log_level=config.log_level)
    try:
        server.run(sockets=[sock])
    finally:
        if handler is not None:
            handler.close()
        runtime.stop_background()
