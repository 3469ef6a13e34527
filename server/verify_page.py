"""The public verification page: is a certificate genuine, and is its licence in force?

Anyone holding a certificate — a bank clerk, a buyer, the holder — opens it from the QR
code (``https://server/v#DFT1.…``: a phone camera opens the address) or pastes the code.
The page is Persian, right to left, fits a phone, and loads nothing from elsewhere (the
Vazirmatn font is served here).

- ``GET /v``: the page. The payload travels in the address's fragment (after ``#``),
  which browsers never send: it is not in the server's access log nor in any query
  string. A small inline script reads it and POSTs it to ``/v``; without scripts, a
  form does the same.
- ``POST /v`` (form field ``payload``; ``fragment=1`` for the script): the verdict —
  the signature against the published keys (server.keys: a revoked key, a certificate
  signed after the revocation), the issuing office, and the licence's state in the
  central register (server.identity.find_record): in force, expired, suspended,
  revoked, or not received yet (its office has not synced). The register's free-text
  reasons are not shown: the page answers only what the certificate itself states and
  whether it still holds. Limited per client address (in process, :class:`RateLimit`).
- ``GET /v/font/{name}``: the Vazirmatn files.
"""

from __future__ import annotations

import base64
import collections
import dataclasses
import datetime as dt
import hashlib
import html
import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from common.jalali import format_jalali
from common.reference import shipped_county_names
from common.resources import fonts_dir
from common.signing import (
    IRAN_TIME,
    VERIFICATION_PATH,
    VerificationResult,
    describe_claims,
    verify_payload,
)
from server.identity import find_record
from server.keys import published_keys
from server.work import admission

#: Verifications one client address may ask for per window.
RATE_LIMIT = 30
RATE_WINDOW_SECONDS = 60.0
#: A payload is ~450 characters; anything much longer is not one.
MAX_PAYLOAD = 4096
FONTS = {"regular.ttf": "Vazirmatn-Regular.ttf", "bold.ttf": "Vazirmatn-Bold.ttf"}

router = APIRouter(include_in_schema=False)


class RateLimit:
    """At most ``limit`` requests per ``window`` seconds per client address (sliding
    window, in this process; addresses not seen for a window are forgotten)."""

    def __init__(self, limit: int = RATE_LIMIT, window: float = RATE_WINDOW_SECONDS) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[str, collections.deque[float]] = {}
        self._lock = threading.Lock()
        self._last_sweep = time.monotonic()

    def allow(self, address: str) -> bool:
        now = time.monotonic()
        with self._lock:
            if now - self._last_sweep > self.window:
                old = now - self.window
                self._hits = {a: q for a, q in self._hits.items() if q and q[-1] > old}
                self._last_sweep = now
            hits = self._hits.setdefault(address, collections.deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            return True


limiter = RateLimit()


# -- the verdict ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """What the page shows for one payload."""

    result: VerificationResult
    #: "active", "expired", "suspended", "revoked", "not_received" or "" (not genuine).
    register: str = ""
    register_note: str = ""
    logged: bool = False

    @property
    def tone(self) -> str:
        """green (genuine and in force), amber (genuine, not in force), red (not genuine)."""
        if not self.result.valid:
            return "bad"
        return "good" if self.register in ("active", "not_received") else "warn"


_REGISTER_NOTES = {
    "active": "طبق دفتر مرکزی، این مجوز فعال است (اعتبار تا {expiry}).",
    "expired": "طبق دفتر مرکزی، اعتبار این مجوز در {expiry} به پایان رسیده است.",
    "suspended": "طبق دفتر مرکزی، این مجوز معلق شده است و فعلاً اعتبار ندارد.",
    "revoked": "طبق دفتر مرکزی، این مجوز باطل شده است و اعتبار ندارد.",
    "not_received": (
        "این مجوز هنوز به دفتر مرکزی نرسیده است (اداره صادرکننده هنوز همگام‌سازی "
        "نکرده است)؛ وضعیت کنونی آن از اینجا معلوم نیست."
    ),
}
_BADGES = {
    "active": "مجوز فعال",
    "expired": "منقضی",
    "suspended": "معلق",
    "revoked": "باطل‌شده",
    "not_received": "در دفتر مرکزی ثبت نشده",
}


def _today() -> dt.date:
    return dt.datetime.now(IRAN_TIME).date()


def _record_data(record: Any) -> dict[str, Any]:
    try:
        data = json.loads(record.data)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _licence_state(session: Session, claims: Mapping[str, str]) -> tuple[str, str]:
    record = find_record(session, "licence", "unique_id", claims.get("u", ""))
    if record is None:
        record = find_record(session, "licence", "number", claims.get("n", ""))
    if record is None:
        return "not_received", _REGISTER_NOTES["not_received"]
    data = _record_data(record)
    status = str(data.get("status") or "active")
    try:
        expiry = dt.date.fromisoformat(str(data.get("expiry_date") or ""))
    except ValueError:
        expiry = None
    if status == "active" and expiry is not None and expiry < _today():
        status = "expired"
    if status not in _REGISTER_NOTES:
        status = "active"
    shown = format_jalali(expiry) if expiry is not None else "؟"
    return status, _REGISTER_NOTES[status].format(expiry=shown)


def judge(session: Session, payload: str) -> Verdict:
    """Verify ``payload`` against the published keys and the central register."""
    keys = {key.key_id: key.trusted() for key in published_keys(session)}
    result = verify_payload(payload, keys)
    if result.data:
        fields = describe_claims(result.data, shipped_county_names())
        result = dataclasses.replace(result, fields=fields)
    if not result.valid:
        return Verdict(result)
    certificate = find_record(session, "certificate_issue", "serial", result.data.get("s", ""))
    logged = certificate is not None and _record_data(certificate).get("payload") == result.payload
    if result.data.get("t") == "A":
        event = find_record(session, "event", "code", result.data.get("n", ""))
        if event is None and not logged:
            return Verdict(result, "not_received", _REGISTER_NOTES["not_received"], logged)
        return Verdict(result, "active", "این گواهی حضور در دفتر مرکزی ثبت شده است.", logged)
    register, note = _licence_state(session, result.data)
    return Verdict(result, register, note, logged)


# -- the page -------------------------------------------------------------------------------

_STYLE = """
@font-face{font-family:Vazirmatn;src:url(/v/font/regular.ttf) format("truetype");font-weight:400}
@font-face{font-family:Vazirmatn;src:url(/v/font/bold.ttf) format("truetype");font-weight:700}
*{box-sizing:border-box}
body{margin:0;font-family:Vazirmatn,Tahoma,sans-serif;background:#f3f5f7;color:#1f2933;
line-height:1.7;font-size:16px}
header{background:#0b4f6c;color:#fff;padding:14px 18px}
header h1{margin:0;font-size:1.25rem}
header p{margin:2px 0 0;font-size:.9rem;opacity:.85}
main{max-width:760px;margin:0 auto;padding:16px}
.card{background:#fff;border-radius:14px;padding:18px;margin:0 0 16px;
box-shadow:0 1px 3px rgba(0,0,0,.12)}
.verdict{display:flex;flex-wrap:wrap;align-items:center;gap:10px;margin:0 0 8px}
.verdict strong{font-size:2rem;padding:2px 26px;border-radius:12px;color:#fff}
.good .verdict strong{background:#2e7d32}.warn .verdict strong{background:#b45309}
.bad .verdict strong{background:#c62828}
.badge{padding:4px 14px;border-radius:10px;font-weight:700;color:#fff;background:#616161}
.badge.active{background:#2e7d32}.badge.expired{background:#ef6c00}
.badge.suspended{background:#ffb300;color:#3e2723}.badge.revoked{background:#c62828}
.reason{font-weight:700}.bad .reason{color:#c62828}.warn .register{color:#b45309;font-weight:700}
.note{color:#52606d;font-size:.95rem}
.code{direction:ltr;unicode-bidi:isolate;font-weight:700;letter-spacing:.05em}
table{width:100%;border-collapse:collapse;margin-top:8px}
th,td{text-align:right;padding:7px 6px;border-top:1px solid #e4e7eb;vertical-align:top}
th{color:#52606d;font-weight:400;width:38%}
td bdi{unicode-bidi:isolate}
textarea{width:100%;min-height:110px;direction:ltr;font-family:monospace;font-size:.85rem;
border:1px solid #9aa5b1;border-radius:8px;padding:8px}
button{font-family:inherit;font-size:1rem;background:#0b4f6c;color:#fff;border:0;
border-radius:8px;padding:8px 22px;margin-top:8px}
.wait{color:#52606d}
footer{text-align:center;color:#7b8794;font-size:.85rem;padding:8px 16px 24px}
@media (max-width:520px){.verdict strong{font-size:1.6rem}th{width:44%}main{padding:10px}}
"""

_SCRIPT = """
(function () {
  var raw = location.hash.slice(1);
  if (!raw) { return; }
  var payload = raw;
  try { payload = decodeURIComponent(raw); } catch (e) {}
  var out = document.getElementById("result");
  out.innerHTML = '<div class="card"><p class="wait">در حال بررسی…</p></div>';
  var body = new URLSearchParams();
  body.set("payload", payload);
  body.set("fragment", "1");
  fetch(location.pathname, {method: "POST", body: body, credentials: "omit", cache: "no-store"})
    .then(function (r) { return r.text(); })
    .then(function (text) { out.innerHTML = text; })
    .catch(function () {
      out.innerHTML = '<div class="card bad"><p class="reason">سرور در دسترس نیست؛ ' +
        'دوباره تلاش کنید.</p></div>';
    });
})();
"""


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


_HEADERS = {
    "Content-Security-Policy": (
        f"default-src 'none'; script-src {_csp_hash(_SCRIPT)}; style-src {_csp_hash(_STYLE)}; "
        "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}

_FORM = """<details class="card"{open}><summary>بررسی با کد گواهی‌نامه</summary>
<form method="post" action="{path}">
<p class="note">متن کد QR گواهی‌نامه (که با DFT1 شروع می‌شود) یا نشانی این صفحه را اینجا بچسبانید.</p>
<textarea name="payload" required maxlength="{limit}" aria-label="کد گواهی‌نامه"></textarea>
<button type="submit">بررسی</button></form></details>"""


def _page(result_html: str, *, open_form: bool) -> str:
    form = _FORM.format(
        open=" open" if open_form else "", path=VERIFICATION_PATH, limit=MAX_PAYLOAD
    )
    return f"""<!DOCTYPE html>
<html lang="fa" dir="rtl"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex">
<title>بررسی اصالت گواهی‌نامه — دفتر</title>
<style>{_STYLE}</style></head>
<body><header><h1>بررسی اصالت گواهی‌نامه مشاغل خانگی</h1>
<p>وزارت تعاون، کار و رفاه اجتماعی — سامانه دفتر</p></header>
<main><div id="result">{result_html}</div>
<noscript><div class="card"><p class="note">مرورگر شما اسکریپت را اجرا نمی‌کند: کد گواهی‌نامه
را در کادر زیر بچسبانید و «بررسی» را بزنید.</p></div></noscript>
{form}</main>
<footer>امضای گواهی‌نامه با کلیدهای منتشرشده ادارات بررسی می‌شود؛ وضعیت مجوز از دفتر
مرکزی خوانده می‌شود. اطلاعات واردشده نگه داشته نمی‌شود.</footer>
<script>{_SCRIPT}</script></body></html>"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def render_verdict(verdict: Verdict) -> str:
    """The verdict card (an HTML fragment; every value escaped)."""
    result = verdict.result
    word = "معتبر" if result.valid else "نامعتبر"
    parts = [f'<div class="card {verdict.tone}" id="verdict" data-status="{_e(result.status)}"']
    parts.append(f' data-register="{_e(verdict.register)}">')
    parts.append(f'<div class="verdict"><strong>{word}</strong>')
    if verdict.register in _BADGES:
        badge = _BADGES[verdict.register]
        parts.append(f'<span class="badge {_e(verdict.register)}">{_e(badge)}</span>')
    parts.append("</div>")
    parts.append(f'<p class="reason">{_e(result.reason)}</p>')
    if result.issuer:
        parts.append(f"<p>صادرکننده: {_e(result.issuer)}</p>")
    if result.key_note:
        parts.append(f'<p class="note">{_e(result.key_note)}</p>')
    if verdict.register_note:
        parts.append(f'<p class="register">{_e(verdict.register_note)}</p>')
    if verdict.logged:
        parts.append('<p class="note">صدور این گواهی‌نامه در دفتر مرکزی ثبت شده است.</p>')
    if result.verification_code:
        parts.append(
            f'<p>کد تأیید: <span class="code">{_e(result.verification_code)}</span> — '
            "با کد چاپ‌شده کنار QR گواهی‌نامه مقایسه کنید.</p>"
        )
    if result.fields:
        title = "اطلاعات امضاشده" if result.valid else "اطلاعاتی که این کد ادعا می‌کند (تأیید نشده)"
        parts.append(f'<p class="note">{title}؛ با متن گواهی‌نامه مقایسه کنید:</p><table>')
        for label, value in result.fields:
            parts.append(f"<tr><th>{_e(label)}</th><td><bdi>{_e(value)}</bdi></td></tr>")
        parts.append("</table>")
    parts.append("</div>")
    return "".join(parts)


def _message_card(text: str) -> str:
    return f'<div class="card bad"><p class="reason">{_e(text)}</p></div>'


def _html(content: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(content, status_code=status, headers=_HEADERS)


@router.get(VERIFICATION_PATH)
def page() -> HTMLResponse:
    """The page (the script verifies the fragment's payload, if any)."""
    return _html(_page("", open_form=False))


@router.post(VERIFICATION_PATH)
async def verify(request: Request) -> HTMLResponse:
    """Verify a posted payload: a fragment for the script, a whole page for the form."""
    form = parse_qs((await request.body()).decode("utf-8", "replace"), max_num_fields=4)
    fragment = form.get("fragment", [""])[0] == "1"
    address = request.client.host if request.client is not None else "unknown"
    if not limiter.allow(address):
        card = _message_card(
            "از این نشانی در یک دقیقه درخواست‌های زیادی رسیده است؛ کمی بعد دوباره تلاش کنید."
        )
        return _html(card if fragment else _page(card, open_form=True), 429)
    payload = form.get("payload", [""])[0]
    if len(payload) > MAX_PAYLOAD or not payload.strip():
        card = _message_card("کد گواهی‌نامه خالی یا بیش از اندازه بلند است.")
        return _html(card if fragment else _page(card, open_form=True), 400)
    card = render_verdict(
        await admission(request).run(request, lambda db_session: judge(db_session, payload))
    )
    return _html(card if fragment else _page(card, open_form=True))


@router.get(VERIFICATION_PATH + "/font/{name}")
def font(name: str) -> Response:
    """The Vazirmatn files the page uses (no external assets)."""
    file = FONTS.get(name)
    if file is None:
        return Response(status_code=404)
    return Response(
        (fonts_dir() / file).read_bytes(),
        media_type="font/ttf",
        headers={"Cache-Control": "public, max-age=604800", "X-Content-Type-Options": "nosniff"},
    )
