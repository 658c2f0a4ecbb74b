"""The staff console: an aiohttp web app in its own process (`python -m bot.console serve`).

Every page and endpoint except the sign-in page, the static files and /healthz needs a signed-in staff
member. Every POST needs the session's CSRF token (besides the SameSite=Strict cookie). Pages are Jinja2
templates with autoescape and the script sets text with textContent only: a person's message can never
become markup. The Content-Security-Policy allows scripts and styles from the console itself only.
"""
from __future__ import annotations

import asyncio
import hmac
import logging
import re
import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Optional
from urllib.parse import urlsplit

from aiohttp import web
from jinja2 import Environment, FileSystemLoader
from sqlalchemy.exc import SQLAlchemyError

from bot.storage import saved_stories
from bot.core.ids import is_test_conversation
from bot.console import dashboard, review
from bot.console import auth, views
from bot.console.rasa_api import DELIVERING_CHANNELS, RasaClient, RasaUnavailable
from bot.storage import callbacks, handoffs, review_labels, sms
from bot.storage.db import StorageError

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
COOKIE = "console_session"
LOGIN_COOKIE = "console_login"  # double-submit token for the sign-in form, before there is a session
MAX_REPLY = 1000
MAX_NOTE = 2000
PUBLIC = {"/login", "/healthz", "/favicon.ico"}
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
DB_DOWN = "The console cannot reach its database right now. Try again in a moment; if it goes on, tell IT."
# A person who texted STOP gets no text at all (bot/server/channels/twilio.py) until START: say so, and what to do instead.
OPTED_OUT = ("This person texted STOP at {since}, so no text can reach them until they text START. If a phone "
             "number is on file for them, call them instead.")
DELIVERY_PROBLEMS = {
    "failed": "Your reply is in the conversation, but the text did not go out: the SMS service refused it or did not "
              "answer. Try sending it again in a moment, or call them.",
    "opted_out": "Your reply is in the conversation, but it was not texted: this number has just texted STOP. If a "
                 "phone number is on file for them, call them instead.",
    "no_session": "Your reply is in the conversation, but it was not delivered: the person does not have the chat "
                  "open now (they closed the page or lost their connection). If their chat reconnects, it is sent "
                  "to them then.",
}
# Channels whose staff replies get a delivery id, under which the channel records what became of them.
RECEIPT_CHANNELS = {"twilio", "socketio"}
NOTE_AT_RISK = ("The person wrote a risk message at {at}, after this conversation was claimed. Write a note for "
                "whoever picks it up next: it goes back to the queue as urgent and stays open.")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

DB_URL = web.AppKey("db_url", Optional[str])
RASA = web.AppKey("rasa", RasaClient)
JINJA = web.AppKey("jinja", Environment)
THROTTLE = web.AppKey("throttle", auth.SignInThrottle)
FAILURE_DELAY = web.AppKey("failure_delay", float)  # seconds before answering a failed sign-in
HOUSEKEEPING = web.AppKey("housekeeping", asyncio.Task)


def create_app(db_url: Optional[str] = None, rasa: Optional[RasaClient] = None) -> web.Application:
    app = web.Application(middlewares=[errors_middleware, auth_middleware], client_max_size=64 * 1024)
    app[DB_URL] = db_url
    app[RASA] = rasa or RasaClient.from_env()
    app[JINJA] = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True)
    app[THROTTLE] = auth.SignInThrottle()
    app[FAILURE_DELAY] = 1.0
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/favicon.ico", no_icon)
    app.router.add_get("/login", login_page)
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout)
    app.router.add_get("/", queue_page)
    app.router.add_get("/api/queue", queue_api)
    app.router.add_get("/handoffs/{id:\\d+}", handoff_page)
    app.router.add_get("/api/handoffs/{id:\\d+}", handoff_api)
    app.router.add_post("/handoffs/{id:\\d+}/claim", claim)
    app.router.add_post("/handoffs/{id:\\d+}/reply", reply)
    app.router.add_post("/handoffs/{id:\\d+}/hand-back", hand_back)
    app.router.add_post("/handoffs/{id:\\d+}/close", close)
    app.router.add_post("/handoffs/{id:\\d+}/save-test", save_test)
    app.router.add_post("/handoffs/{id:\\d+}/reveal-number", reveal_handoff_number)
    app.router.add_get("/callbacks", callbacks_page)
    app.router.add_post("/callbacks/{id:\\d+}/reveal-number", reveal_callback_number)
    app.router.add_post("/callbacks/{id:\\d+}/status", callback_status)
    app.router.add_get("/review", review_page)
    app.router.add_post("/review/label", review_label)
    app.router.add_get("/dashboard", dashboard_page)
    app.router.add_get("/dashboard/{figure:[a-z_]+}.csv", dashboard_csv)
    app.router.add_static("/static/", HERE / "static", show_index=False)
    app.on_response_prepare.append(security_headers)
    app.on_startup.append(start_housekeeping)
    app.on_cleanup.append(stop_housekeeping)
    return app


# ---------- plumbing ----------
def db(request: web.Request) -> Optional[str]:
    return request.app[DB_URL]


async def in_thread(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return await asyncio.to_thread(func, *args, **kwargs)


def render(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    staff: Optional[auth.SignedIn] = request.get("staff")
    html = request.app[JINJA].get_template(template).render(
        staff=staff.username if staff else None, csrf=staff.csrf_token if staff else "",
        reviewer=bool(staff and staff.reviewer), **context)
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"  # with no-referrer, chromium sends "Origin: null" on POST
    if not request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"  # transcripts must not stay in a shared browser's cache


def wants_json(request: web.Request) -> bool:
    return request.path.startswith("/api/")


@web.middleware
async def errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A clear message instead of a stack trace, whatever fails."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        message = {404: "There is nothing here.", 413: "That was too long."}.get(exc.status, exc.reason)
        return error(request, exc.status, message)
    except (StorageError, SQLAlchemyError) as exc:
        logger.error("console database error on %s: %s", request.path, type(exc).__name__)
        return error(request, 503, DB_DOWN)
    except Exception:
        logger.exception("console error on %s", request.path)
        return error(request, 500, "Something went wrong in the console. Try again; if it goes on, tell IT.")


def error(request: web.Request, status: int, message: str) -> web.Response:
    if wants_json(request):
        return web.json_response({"error": message}, status=status)
    return render(request, "error.html", status=status, message=message)


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method == "POST" and not same_origin(request):
        return error(request, 403, "This request did not come from the console's own page.")
    if request.path in PUBLIC or request.path.startswith("/static/"):
        return await handler(request)
    staff = await in_thread(auth.current_session, request.cookies.get(COOKIE), url=db(request))
    if staff is None:
        if wants_json(request):
            return web.json_response({"error": "Your session has ended. Sign in again."}, status=401)
        if request.method == "POST":
            return error(request, 401, "Your session has ended. Sign in again: what you typed was not sent.")
        return redirect("/login")
    request["staff"] = staff
    if request.method == "POST":
        form = await request.post()
        sent = str(form.get("csrf") or request.headers.get("X-CSRF-Token") or "")
        if not hmac.compare_digest(sent.encode(), staff.csrf_token.encode()):
            return error(request, 403, "This form has expired. Go back, reload the page and try again.")
    return await handler(request)


def same_origin(request: web.Request) -> bool:
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin")
    return origin is None or urlsplit(origin).netloc == request.host


def redirect(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


def set_cookie(request: web.Request, response: web.StreamResponse, name: str, value: str,
               max_age: Optional[int] = None) -> None:
    response.set_cookie(name, value, httponly=True, samesite="Strict", path="/", max_age=max_age,
                        secure=request.secure)


async def start_housekeeping(app: web.Application) -> None:
    async def loop() -> None:
        while True:
            try:
                await in_thread(auth.purge_expired_sessions, url=app[DB_URL])
            except Exception as exc:
                logger.warning("could not delete expired console sessions (%s)", type(exc).__name__)
            await asyncio.sleep(3600)

    app[HOUSEKEEPING] = asyncio.create_task(loop())


async def stop_housekeeping(app: web.Application) -> None:
    app[HOUSEKEEPING].cancel()
    await app[RASA].close()


# ---------- sign-in ----------
async def healthz(_: web.Request) -> web.Response:
    return web.Response(text="ok")


async def no_icon(_: web.Request) -> web.Response:
    return web.Response(status=204)


async def login_page(request: web.Request, message: str = "", status: int = 200,
                     username: str = "") -> web.Response:
    # Reuse the browser's token: another tab, or the browser's own requests (favicon), must not void this form.
    token = request.cookies.get(LOGIN_COOKIE, "")
    if not re.fullmatch(r"[A-Za-z0-9_-]{32}", token):
        token = secrets.token_urlsafe(24)
    response = render(request, "login.html", status=status, login_csrf=token, message=message, username=username)
    set_cookie(request, response, LOGIN_COOKIE, token)
    return response


async def login(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    username = str(form.get("username") or "")[:64]
    password = str(form.get("password") or "")[:1024]
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(str(form.get("login_csrf") or "").encode(), expected.encode()):
        return await login_page(request, "The sign-in form expired. Please try again.", 403, username)
    throttle: auth.SignInThrottle = request.app[THROTTLE]
    address = request.remote or "?"
    if throttle.blocked(username, address):
        return await login_page(request, "Too many failed sign-ins. Wait 15 minutes, or ask IT to reset your "
                                         "password.", 429, username)
    user_id = await in_thread(auth.authenticate, username, password, url=db(request))
    if user_id is None:
        throttle.failed(username, address)
        await asyncio.sleep(request.app[FAILURE_DELAY])  # slows guessing; the loop keeps serving others
        logger.warning("console sign-in failed for a username from %s", address)
        return await login_page(request, "Wrong username or password.", 401, username)
    throttle.succeeded(username)
    token = await in_thread(auth.start_session, user_id, url=db(request))
    response = redirect("/")
    set_cookie(request, response, COOKIE, token, max_age=int(auth.LIFETIME.total_seconds()))
    response.del_cookie(LOGIN_COOKIE, path="/")
    logger.info("console sign-in: %s", auth.check_username(username))
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    await in_thread(auth.end_session, request.cookies.get(COOKIE), url=db(request))
    response = redirect("/login")
    response.del_cookie(COOKIE, path="/")
    return response


# ---------- the queue ----------
VIEW_LABELS = {"open": "All open", "waiting": "Waiting", "urgent": "Urgent", "mine": "Mine", "closed": "Closed"}
MAX_PAGE = 100_000


def queue_params(request: web.Request) -> Dict[str, Any]:
    """The queue's view, page, search and whether it is the test conversations' queue, from the address."""
    view = request.query.get("view", "open")
    try:
        page = min(MAX_PAGE, max(1, int(request.query.get("page", "1"))))
    except ValueError:
        page = 1
    return {"view": view if view in handoffs.VIEWS else "open", "page": page,
            "q": request.query.get("q", "").strip()[:handoffs.MAX_SEARCH], "tests": request.query.get("tests") == "1"}


async def queue_data(request: web.Request) -> Dict[str, Any]:
    now = datetime.now(timezone.utc)
    zone = views.clinic_zone()
    me = request["staff"].username
    params = queue_params(request)
    view, page, q, tests = params["view"], params["page"], params["q"], params["tests"]
    rows, total = await in_thread(handoffs.find_handoffs, view, me, q, page, handoffs.PAGE_SIZE, tests, db(request))
    opted_out = await in_thread(sms.opted_out_since, [h.conversation_id for h in rows if h.channel == "twilio"],
                                db(request))
    listed = views.queue_view(rows, now, zone, opted_out)
    listed["closed"] = [views.handoff_view(h, now, zone) for h in rows if h.status == "closed"]
    pages = max(1, -(-total // handoffs.PAGE_SIZE))
    counts = await in_thread(handoffs.queue_counts, me, tests, db(request))
    # The alerts follow the live urgent conversations nobody has claimed, whatever is shown below them.
    urgent = [views.handoff_view(h, now, zone) for h in await in_thread(handoffs.urgent_waiting, db(request))]
    first = (page - 1) * handoffs.PAGE_SIZE + 1 if total else 0
    return {**listed, "me": me, **params, "total": total, "pages": pages, "counts": counts,
            "shown": f"{first}-{min(total, page * handoffs.PAGE_SIZE)} of {total}" if total else "none",
            "previous": views.queue_link(view, page - 1, q, tests) if page > 1 else "",
            "next": views.queue_link(view, page + 1, q, tests) if page < pages else "",
            "urgent_waiting": urgent,
            "callbacks_to_do": await in_thread(callbacks.count_to_do, db(request))}


async def queue_page(request: web.Request) -> web.Response:
    data = await queue_data(request)
    filters = [{"view": v, "label": VIEW_LABELS[v], "count": data["counts"].get(v),
                "url": views.queue_link(v, 1, data["q"], data["tests"]), "current": v == data["view"]}
               for v in handoffs.VIEWS]
    urgent_ids = " ".join(str(h["id"]) for h in data["urgent_waiting"])
    return render(request, "queue.html", page="queue", queue=data, filters=filters, urgent_ids=urgent_ids,
                  clear_search=views.queue_link(data["view"], 1, "", data["tests"]))


async def queue_api(request: web.Request) -> web.Response:
    return web.json_response(await queue_data(request))


# ---------- one conversation ----------
async def load_handoff(request: web.Request):
    row = await in_thread(handoffs.get_handoff, int(request.match_info["id"]), db(request))
    if row is None:
        raise web.HTTPNotFound()
    return row


async def opted_out_since(request: web.Request, row) -> Optional[datetime]:
    """When this SMS conversation's number texted STOP, if it is opted out now (the SMS line's own check)."""
    if row.channel != "twilio":
        return None
    return (await in_thread(sms.opted_out_since, [row.conversation_id], db(request))).get(row.conversation_id)


async def claimed_since(request: web.Request, row) -> Optional[datetime]:
    return await in_thread(handoffs.claim_started, row.id, db(request)) if row.status == "claimed" else None


async def conversation_data(request: web.Request, row) -> Dict[str, Any]:
    now, zone = datetime.now(timezone.utc), views.clinic_zone()
    stop_at, since = await opted_out_since(request, row), await claimed_since(request, row)
    data: Dict[str, Any] = {"handoff": views.handoff_view(row, now, zone, stop_at), "transcript": [],
                            "transcript_error": "", "paused": None, "risk_since_claim": False}
    deliveries = await in_thread(sms.deliveries_of, row.conversation_id, db(request)) \
        if row.channel in RECEIPT_CHANNELS else {}
    try:
        tracker = await request.app[RASA].tracker(row.conversation_id)
        data["transcript"] = views.transcript(tracker, zone, now, since, stop_at, deliveries, row.channel)
        data["paused"] = bool(tracker.get("paused"))
        data["risk_since_claim"] = bool(views.risk_since(tracker, since))
    except RasaUnavailable as exc:
        data["transcript_error"] = f"The conversation can't be shown: {exc}"
    return data


async def handoff_page(request: web.Request, error_message: str = "", status: int = 200,
                       draft: str = "", note: str = "", saved: str = "", story_name: str = "",
                       revealed: str = "") -> web.Response:
    """`revealed`: the SMS number, when the staff member has just asked to see it (and it was recorded)."""
    row = await load_handoff(request)
    data = await conversation_data(request, row)
    staff: auth.SignedIn = request["staff"]
    actions = await in_thread(handoffs.actions_of, row.id, db(request))
    reveals = await in_thread(callbacks.reveals_of, row.id, None, db(request))
    zone = views.clinic_zone()
    done = sorted([(a.at, a.id, a.username, a.action, a.note) for a in actions if a.action != "reply"] +
                  [(r.at, r.id, r.username, "reveal_number", None) for r in reveals],
                  key=lambda item: (handoffs.aware(item[0]), item[1]))
    history = [{"who": who, "what": views.ACTION_LABELS.get(action, action.replace("_", " ")),
                "when": views.clock(at, zone), "note": note or ""} for at, _, who, action, note in done]
    # An open handoff shows the latest hand-back note up top: it is for whoever picks the conversation up next.
    open_note = next((h for h in reversed(history) if h["note"]), None) if row.status != "closed" else None
    handoff = data["handoff"]
    return render(request, "handoff.html", status=status, page="handoff", **data, history=history,
                  open_note=open_note, mine=row.status == "claimed" and row.claimed_by == staff.username,
                  delivers=row.channel in DELIVERING_CHANNELS, error=error_message, draft=draft, note=note,
                  opted_out_text=OPTED_OUT.format(since=handoff["opted_out_since"]) if handoff["opted_out"] else "",
                  max_reply=MAX_REPLY, max_note=MAX_NOTE, is_test=is_test_conversation(row.conversation_id),
                  saved=saved, story_name=story_name, revealed=revealed,
                  revealed_tel=views.tel_link(revealed) if revealed else "")


async def handoff_api(request: web.Request) -> web.Response:
    row = await load_handoff(request)
    return web.json_response(await conversation_data(request, row))


def back_to(row) -> web.Response:
    return redirect(f"/handoffs/{row.id}")


async def claim(request: web.Request) -> web.StreamResponse:
    row = await load_handoff(request)
    me = request["staff"].username
    take_over = (await request.post()).get("take_over") == "1"
    try:
        await in_thread(handoffs.claim, row.id, me, take_over, db(request))
    except handoffs.HandoffConflict as exc:
        return await handoff_page(request, f"Not claimed: {exc}.", 409)
    if take_over:  # the conversation is already paused and the person already knows someone joined
        logger.info("console: %s took over handoff %s", me, row.id)
        return back_to(row)
    try:
        await request.app[RASA].take_over(row.conversation_id, await opted_out_since(request, row) is not None)
    except RasaUnavailable as exc:
        # Never leave a claim that did not pause the assistant: staff would think they had the conversation.
        await in_thread(handoffs.release, row.id, me, db(request))
        return await handoff_page(request, f"Not claimed, the assistant is still answering: {exc}", 502)
    logger.info("console: %s claimed handoff %s", me, row.id)
    return back_to(row)


async def reply(request: web.Request) -> web.StreamResponse:
    row = await load_handoff(request)
    me = request["staff"].username
    text = str((await request.post()).get("text") or "").strip()
    if row.status != "claimed" or row.claimed_by != me:
        return await handoff_page(request, "Claim this conversation before you reply.", 409, draft=text)
    if not text:
        return await handoff_page(request, "The reply is empty.", 400)
    if len(text) > MAX_REPLY:
        return await handoff_page(request, f"The reply is too long: at most {MAX_REPLY} characters.", 400, draft=text)
    stop_at = await opted_out_since(request, row)
    if stop_at is not None:
        # The SMS line would drop it silently: refuse it here, where staff can see why.
        since = views.clock(stop_at, views.clinic_zone())
        return await handoff_page(request, "Not sent. " + OPTED_OUT.format(since=since), 409, draft=text)
    # The SMS line or the web chat's channel records what became of the reply under this id: the transcript shows it.
    delivery = secrets.token_hex(16) if row.channel in RECEIPT_CHANNELS else None
    try:
        await request.app[RASA].reply(row.conversation_id, text, delivery)
    except RasaUnavailable as exc:
        return await handoff_page(request, f"Not sent: {exc}", 502, draft=text)
    await in_thread(handoffs.record_action, row.id, me, "reply", db(request))
    if delivery is not None:
        # Rasa sends it before it answers the console, so the outcome is known now.
        outcome = (await in_thread(sms.deliveries_of, row.conversation_id, db(request))).get(delivery)
        if outcome in DELIVERY_PROBLEMS:
            return await handoff_page(request, DELIVERY_PROBLEMS[outcome], 502,
                                      draft=text if outcome == "failed" else "")
    return back_to(row)


async def hand_back(request: web.Request) -> web.StreamResponse:
    """Gives a claimed conversation back to the assistant. Its handoff closes, unless the person wrote a risk
    message since the claim: then a note is required and the handoff goes back to the queue, urgent and
    unclaimed, so that someone else sees it (the assistant answers meanwhile, crisis replies included)."""
    row = await load_handoff(request)
    me = request["staff"].username
    note = str((await request.post()).get("note") or "").strip()
    if row.status == "closed":
        return await handoff_page(request, f"Already closed by {row.closed_by or 'someone'}.", 409)
    if row.status != "claimed":
        return await handoff_page(request, "Only a claimed conversation can be handed back: the assistant is "
                                           "already answering this one. Close it with a note when it is done.", 409)
    if len(note) > MAX_NOTE:
        return await handoff_page(request, f"The note is too long: at most {MAX_NOTE} characters.", 400, note=note)
    rasa = request.app[RASA]
    try:
        # Read now, not from the page staff looked at: a risk message may have come since.
        risks = views.risk_since(await rasa.tracker(row.conversation_id), await claimed_since(request, row))
    except RasaUnavailable as exc:
        return await handoff_page(request, f"Still open, the assistant is still paused: {exc}", 502, note=note)
    if risks and not note:
        at = views.clock(risks[-1]["at"], views.clinic_zone())
        return await handoff_page(request, "Not handed back yet. " + NOTE_AT_RISK.format(at=at), 400)
    try:
        await rasa.hand_back(row.conversation_id, await opted_out_since(request, row) is not None)
    except RasaUnavailable as exc:
        return await handoff_page(request, f"Still open, the assistant is still paused: {exc}", 502, note=note)
    category = (risks[-1]["category"] or None) if risks else None
    try:
        done = await in_thread(handoffs.hand_back, row.id, me, note, bool(risks), category, row, db(request))
    except handoffs.HandoffConflict as exc:
        return await handoff_page(request, f"Not handed back: {exc}.", 409)
    if done.status == "waiting":
        logger.warning("console: %s handed back handoff %s after a risk message: back in the queue, %s",
                       me, row.id, done.urgency)
    else:
        logger.info("console: %s handed back handoff %s", me, row.id)
    return redirect("/")


async def close(request: web.Request) -> web.StreamResponse:
    row = await load_handoff(request)
    me = request["staff"].username
    note = str((await request.post()).get("note") or "").strip()
    if row.status == "closed":
        return await handoff_page(request, f"Already closed by {row.closed_by or 'someone'}.", 409)
    if not note:
        return await handoff_page(request, "Write a short note before closing (what happened, what's next).", 400)
    if len(note) > MAX_NOTE:
        return await handoff_page(request, f"The note is too long: at most {MAX_NOTE} characters.", 400, note=note)
    if row.status == "claimed":
        # The assistant answers again before the handoff closes: a closed handoff must never leave the person
        # in a paused conversation that nobody watches.
        try:
            await request.app[RASA].hand_back(row.conversation_id, await opted_out_since(request, row) is not None)
        except RasaUnavailable as exc:
            return await handoff_page(request, f"Still open, the assistant is still paused: {exc}", 502, note=note)
    try:
        await in_thread(handoffs.finish, row.id, me, "closed", note, db(request))
    except handoffs.HandoffConflict as exc:
        return await handoff_page(request, f"Not closed: {exc}.", 409)
    logger.info("console: %s closed handoff %s", me, row.id)
    return redirect("/")


async def save_test(request: web.Request) -> web.Response:
    """A staff test conversation (the shell's) as a test story under tests/stories/saved/, as `/save NAME` does in
    the shell: make test runs it. Live conversations are never written into the repository."""
    row = await load_handoff(request)
    name = str((await request.post()).get("name") or "").strip()
    if not is_test_conversation(row.conversation_id):
        return await handoff_page(request, "Only a staff test conversation can be saved as a test.", 400)
    if not saved_stories.STORY_NAME.fullmatch(name):
        return await handoff_page(request, f"Not saved: {saved_stories.NAME_RULE}.", 400, story_name=name)
    try:
        tracker = await request.app[RASA].tracker(row.conversation_id)
    except RasaUnavailable as exc:
        return await handoff_page(request, f"Not saved: {exc}", 502, story_name=name)
    if not saved_stories.has_turns(tracker):
        return await handoff_page(request, "Not saved: nothing was said in this conversation.", 409, story_name=name)
    text = saved_stories.story_text(tracker, name, "the staff console")
    try:
        path = await in_thread(saved_stories.write, name, text)
    except FileExistsError:
        return await handoff_page(request, f"Not saved: a test named {name} exists. Choose another name.", 409,
                                  story_name=name)
    except OSError as exc:
        logger.error("console: could not write the test story %s: %s", name, exc)
        return await handoff_page(request, "Not saved: the console could not write the file. Tell IT.", 500,
                                  story_name=name)
    logger.info("console: %s saved test conversation %s as %s", request["staff"].username, row.conversation_id,
                path.name)
    return await handoff_page(request, saved=f"Saved as tests/stories/saved/{path.name}: make test runs it.")


# ---------- phone numbers, shown on purpose ----------
async def reveal_handoff_number(request: web.Request) -> web.Response:
    """Shows an SMS conversation's full number to the staff member who asked, once, with a tel: link, and
    records who and when. The number is never stored in the page's address, the logs or any other view."""
    row = await load_handoff(request)
    if row.channel != "twilio":
        return await handoff_page(request, "Only a conversation by text message has a phone number to show.", 400)
    me = request["staff"].username
    await in_thread(callbacks.record_reveal, me, row.id, None, db(request))
    logger.info("console: %s showed the phone number of handoff %s", me, row.id)
    return await handoff_page(request, revealed=views.phone_of(row.conversation_id))


# ---------- callbacks ----------
async def load_callback(request: web.Request):
    row = await in_thread(callbacks.get_callback, int(request.match_info["id"]), db(request))
    if row is None or is_test_conversation(row.conversation_id):
        raise web.HTTPNotFound()
    return row


def page_number(value: Any) -> int:
    try:
        return min(MAX_PAGE, max(1, int(str(value or "1"))))
    except ValueError:
        return 1


async def callbacks_page(request: web.Request, revealed: Optional[Dict[int, str]] = None,
                         message: str = "", status: int = 200, page: Optional[int] = None) -> web.Response:
    page = page or page_number(request.query.get("page"))
    rows, total = await in_thread(callbacks.find_callbacks, page, callbacks.PAGE_SIZE, db(request))
    now, zone = datetime.now(timezone.utc), views.clinic_zone()
    last = await in_thread(callbacks.last_reveals, [c.id for c in rows], db(request))
    revealed = revealed or {}
    items = [views.callback_view(c, now, zone, last.get(c.id), revealed.get(c.id)) for c in rows]
    pages = max(1, -(-total // callbacks.PAGE_SIZE))
    to_do = await in_thread(callbacks.count_to_do, db(request))
    return render(request, "callbacks.html", status=status, page="callbacks", callbacks=items, to_do=to_do,
                  total=total, page_number=page, pages=pages, message=message,
                  statuses=list(views.CALLBACK_STATUS_LABELS.items()),
                  previous=f"/callbacks?page={page - 1}" if page > 1 else "",
                  next=f"/callbacks?page={page + 1}" if page < pages else "")


async def reveal_callback_number(request: web.Request) -> web.Response:
    row = await load_callback(request)
    me = request["staff"].username
    await in_thread(callbacks.record_reveal, me, None, row.id, db(request))
    logger.info("console: %s showed the phone number of callback request %s", me, row.id)
    return await callbacks_page(request, revealed={row.id: row.phone},
                                page=page_number((await request.post()).get("page")))


async def callback_status(request: web.Request) -> web.StreamResponse:
    row = await load_callback(request)
    wanted = str((await request.post()).get("status") or "")
    if wanted not in views.CALLBACK_STATUS_LABELS:
        return await callbacks_page(request, message="Choose to do, done or no answer.", status=400,
                                    page=page_number((await request.post()).get("page")))
    me = request["staff"].username
    if not await in_thread(callbacks.set_status, row.id, wanted, me, db(request)):
        raise web.HTTPNotFound()
    logger.info("console: %s marked callback request %s %s", me, row.id, wanted)
    page = page_number((await request.post()).get("page"))
    return redirect(f"/callbacks?page={page}" if page > 1 else "/callbacks")


# ---------- the review queue (reviewers) ----------
REVIEW_PAGE_SIZE = 30
REVIEW_DAYS = 30
NOT_A_REVIEWER = ("The review page is for reviewers. Ask IT to make your account a reviewer "
                  "(python -m bot.console set-role NAME reviewer).")


LABEL_KINDS = {"nlu": "Topic", "risk": "Risk", "screen": "Screen answer"}


def label_name(label: str) -> str:
    if label.startswith("faq/"):
        return "FAQ: " + label[4:].replace("_", " ")
    return label.replace("_", " ")


async def review_page(request: web.Request, message: str = "", status: int = 200) -> web.Response:
    if not request["staff"].reviewer:
        return error(request, 403, NOT_A_REVIEWER)
    page = page_number(request.query.get("page"))
    since = datetime.now(timezone.utc).timestamp() - REVIEW_DAYS * 86400
    items = await in_thread(review.review_items, since)
    total = len(items)
    shown = items[(page - 1) * REVIEW_PAGE_SIZE:page * REVIEW_PAGE_SIZE]
    labels = await in_thread(review_labels.labels_for, [i["key"] for i in shown], db(request))
    zone = views.clinic_zone()
    me = request["staff"].username
    for item in shown:
        item["when"] = views.clock(review.when(item["timestamp"]), zone)
        item["channel_label"] = dashboard.CHANNELS.get(item["channel"], item["channel"])
        item["labels"] = []
        for kind in ("nlu", "risk", "screen"):
            row = labels.get((item["key"], kind))
            if row is None:
                continue
            if row.status == "needs_second":
                text = (f"Risk: not a risk, says {row.labelled_by}: waiting for a second reviewer"
                        + (" (someone other than you)" if row.labelled_by == me else ""))
            else:
                said = "not a risk" if kind == "risk" and row.label == "none" else label_name(row.label)
                text = (f"{LABEL_KINDS[kind]}: {said} ({'the bot was right' if row.confirmed else 'labelled'} by "
                        f"{row.labelled_by}" + (f" and {row.second_by}" if row.second_by else "") + ")")
            item["labels"].append({"kind": kind, "text": text, "status": row.status})
    topics, intents = review.nlu_labels()
    pages = max(1, -(-total // REVIEW_PAGE_SIZE))
    return render(request, "review.html", status=status, page="review", items=shown, total=total, days=REVIEW_DAYS,
                  page_number=page, pages=pages, message=message,
                  previous=f"/review?page={page - 1}" if page > 1 else "",
                  next=f"/review?page={page + 1}" if page < pages else "",
                  topics=[(t, label_name(t)) for t in topics], intents=[(i, label_name(i)) for i in intents],
                  categories=[(c, c.replace("_", " ")) for c in review.RISK_CATEGORIES],
                  screen_values=review.screen_values(), reason_labels=review.REASON_LABELS)


async def review_label(request: web.Request) -> web.StreamResponse:
    if not request["staff"].reviewer:
        return error(request, 403, NOT_A_REVIEWER)
    form = await request.post()
    me = request["staff"].username
    item = await in_thread(review.find_item, str(form.get("key") or "")[:64])
    if item is None:
        return await review_page(request, "That message is no longer in the review queue (it may have been "
                                          "deleted by the retention period).", 404)
    escalated = item["risk"]
    wanted: list = []
    if form.get("confirm") == "1":  # one click: the bot was right, in what it understood and its risk verdict
        if review.valid_label("nlu", item["understood"]):
            wanted.append(("nlu", item["understood"], None))
        wanted.append(("risk", item["risk_label"], None))
    else:
        kind = str(form.get("kind") or "")
        label = str(form.get("label") or "").strip()
        question = str(form.get("question") or "") or None
        if kind == "screen" and question not in item["unsure"]:
            question = None
        if not review.valid_label(kind, label, question):
            return await review_page(request, "Choose a label from the list, then save.", 400)
        wanted.append((kind, label, question))
    bot_said = {"nlu": item["understood"], "risk": item["risk_label"], "screen": "unsure"}
    done = []
    for kind, label, question in wanted:
        try:
            row = await in_thread(review_labels.save_label, item["key"], kind, item["text"], label, me,
                                  bot_said=bot_said[kind], escalated=escalated, question=question, url=db(request))
        except review_labels.SameReviewer:
            return await review_page(request, "You have already said this was not a risk. It counts once a second "
                                              "reviewer agrees: someone else needs to look at it.", 409)
        done.append(row.status)
    logger.info("console: %s labelled review item %s", me, item["event_id"])
    if "needs_second" in done:
        return await review_page(request, "Saved. A second reviewer needs to agree that this was not a risk "
                                          "before it counts.")
    page = page_number(form.get("page"))
    return redirect(f"/review?page={page}#item-{item['event_id']}" if page > 1 else
                    f"/review#item-{item['event_id']}")


# ---------- the dashboard ----------
async def dashboard_page(request: web.Request) -> web.Response:
    start, end, problem = dashboard.date_range(request.query.get("from"), request.query.get("to"),
                                               views.clinic_zone())
    figures = await in_thread(dashboard.figures, start, end, views.clinic_zone(), db(request))
    last = end.date() - timedelta(days=1)  # `end` is the moment after the last day shown
    query = f"from={start.date().isoformat()}&to={last.isoformat()}"
    return render(request, "dashboard.html", page="dashboard", figures=figures, problem=problem,
                  start=start.date().isoformat(), end=last.isoformat(), query=query)


async def dashboard_csv(request: web.Request) -> web.Response:
    name = request.match_info["figure"]
    if name not in dashboard.FIGURES:
        raise web.HTTPNotFound()
    start, end, _ = dashboard.date_range(request.query.get("from"), request.query.get("to"), views.clinic_zone())
    figures = await in_thread(dashboard.figures, start, end, views.clinic_zone(), db(request), [name])
    body = dashboard.to_csv(figures[0])
    last = end.date() - timedelta(days=1)
    return web.Response(text=body, content_type="text/csv", charset="utf-8", headers={
        "Content-Disposition": f'attachment; filename="{name}-{start.date()}-to-{last}.csv"'})
