"""Licence certificates, signed and logged as in real use.

- certificate_one: one certificate issued by the service a clerk's «چاپ گواهی‌نامه» runs
  (CertificateService.licence_certificates: a serial, the Ed25519-signed payload, the
  issuance log row with its outbox operation and history entry, the PDF page) and
  committed. Floor: the same signing of the same claims, one raw INSERT of the log row
  (and its commit), and reportlab drawing the page's strings in the same fonts without
  shaping, bidi or fitting, with the same frame and the same QR code. Target: <= 150 ms
  and <= 2x the floor.
- certificate_batch_1000: 1,000 certificates in one PDF, the same way; floor: 1,000
  signings, one ``executemany`` of the log rows, the floor's pages. Target: <= 60 s.
  Memory: peak RSS growth per page while the batch's pages are drawn (page 100 to page
  1,000), against the output's own size per page.

Both run in a fresh process on a database of their own (``daftar demo --licences
2000``), so the register's 200,000-licence database gains no certificates.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from bench.common import PEAK_KB, PY, line, remove_db, run

CERTIFICATE_DATA = textwrap.dedent(
    """
    import base64, datetime as dt, hashlib
    from app.services.certificates.pdf.certificate import LicenceCertificateData

    def payload(i):
        # Shaped like a signed payload: ~260 characters of base64url.
        raw = b"".join(hashlib.sha512(f"{i}-{k}".encode()).digest() for k in range(3))
        return "DAFTAR1." + base64.urlsafe_b64encode(raw[:190]).decode().rstrip("=")

    def item(i):
        return LicenceCertificateData(
            office_province="تهران",
            office_county="شمیرانات",
            holder_name=f"زهرا (فاطمه) محمدی‌نژاد {i}",
            father_name="علی‌اصغر",
            national_id=f"{i % 10**10:010d}",
            birth_date=dt.date(1985, 3, 21),
            kind_label="مستقل",
            field_name="تولید پوشاک و خیاطی سفارشی",
            field_code="141201",
            approving_body="اتاق اصناف ایران",
            county="شمیرانات",
            activity_address=f"تهران، خیابان شهید باهنر، کوچه لاله‌زار، پلاک {i % 200}، واحد 4",
            postal_code="1937733141",
            licence_number=f"0612-{i:06d}",
            unique_id="7K3M-9XQ2-ABCD",
            issue_date=dt.date(2025, 4, 4),
            expiry_date=dt.date(2030, 4, 4),
            serial=f"0612-1404-{i:06d}",
            duplicate=i % 10 == 0,
            qr_payload=payload(i),
            verification_code="K7PX-93QD",
            issued_at=dt.date(2025, 4, 20),
        )
    """
)

CERTIFICATE_FLOOR = textwrap.dedent(
    """
    import dataclasses
    from reportlab.pdfgen.canvas import Canvas
    from app.services.certificates.pdf.page import PAGE_HEIGHT, PAGE_WIDTH, QR_SIZE
    from app.services.certificates.pdf.qr import draw_qr
    from common.pdf_text import (
        FONT_BOLD,
        FONT_MEDIUM,
        FONT_REGULAR,
        register_fonts,
    )

    register_fonts()
    HEADER = [
        (FONT_REGULAR, 9, "بسمه تعالی"),
        (FONT_BOLD, 13, "جمهوری اسلامی ایران"),
        (FONT_MEDIUM, 12, "وزارت تعاون، کار و رفاه اجتماعی"),
        (FONT_REGULAR, 11.5, "اداره کل تعاون، کار و رفاه اجتماعی استان تهران"),
        (FONT_REGULAR, 11.5, "اداره تعاون، کار و رفاه اجتماعی شهرستان شمیرانات"),
        (FONT_BOLD, 24, "مجوز کسب‌وکار خانگی"),
        (FONT_BOLD, 10, "مشخصات دارنده مجوز"),
        (FONT_BOLD, 10, "مشخصات کسب‌وکار"),
        (FONT_BOLD, 10, "شماره و اعتبار مجوز"),
        (FONT_REGULAR, 8.5, "برای بررسی اصالت، کد را اسکن کنید"),
    ]
    LABELS = ["نام و نام خانوادگی", "نام پدر", "کد ملی", "تاریخ تولد", "نوع مجوز",
              "مرجع تأیید", "رشته فعالیت", "کد رشته", "نشانی محل فعالیت", "شهرستان",
              "کد پستی", "شماره مجوز", "شناسه یکتا", "تاریخ صدور", "تاریخ پایان اعتبار"]

    def floor_page(canvas, item):
        # The same strings in the same fonts, drawn as they are: no shaping, no bidi, no
        # wrapping or fitting; the same frame lines and the same QR code.
        canvas.setLineWidth(2.4)
        canvas.rect(28, 28, PAGE_WIDTH - 56, PAGE_HEIGHT - 56)
        canvas.setLineWidth(0.7)
        canvas.rect(33, 33, PAGE_WIDTH - 66, PAGE_HEIGHT - 66)
        y = PAGE_HEIGHT - 50
        for font, size, text in HEADER:
            canvas.setFont(font, size)
            canvas.drawCentredString(PAGE_WIDTH / 2, y, text)
            y -= size * 1.4
        values = [str(v) for f in dataclasses.fields(item)
                  if f.name != "qr_payload" and (v := getattr(item, f.name)) not in (None, "")]
        for i, label in enumerate(LABELS):
            canvas.setFont(FONT_MEDIUM, 9.5)
            canvas.drawRightString(780, 400 - i * 15, label)
        for i, value in enumerate(values):
            canvas.setFont(FONT_REGULAR, 11.5)
            canvas.drawRightString(600, 400 - i * 12, value)
        draw_qr(canvas, item.qr_payload, 680, 60, QR_SIZE)

    def render_floor(items):
        canvas = Canvas("floor.pdf", pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1)
        for item in items:
            floor_page(canvas, item)
            canvas.showPage()
        return canvas.getpdfdata()
    """
)

CERTIFICATE_REAL = textwrap.dedent(
    """
    import dataclasses, datetime as dt, sqlite3, sys
    from app.models import new_id
    from app.services.certificates.service import CertificateService
    from app.services.core.db import open_database
    from app.services.core.signing_keys import ensure_signing_key
    from common.signing import CertificateClaims, sign_claims
    from bench.signin import as_head

    DB = sys.argv[1]
    database = as_head(open_database(DB))
    raw = sqlite3.connect(DB, isolation_level=None)
    raw.execute("PRAGMA synchronous = NORMAL")
    raw.execute("PRAGMA foreign_keys = ON")
    LICENCES = [row[0] for row in raw.execute(
        "SELECT id FROM licence WHERE deleted = 0 AND status = 'active' "
        "AND expiry_date >= date('now') ORDER BY local_seq")]
    OFFICE = raw.execute("SELECT id FROM office").fetchone()[0]
    with database.session() as session:
        KEY = ensure_signing_key(session)
        session.commit()

    def issue(licence_ids, progress=None):
        # What «چاپ گواهی‌نامه» runs, in one unit of work, committed.
        with database.session() as session:
            pdf, _issued = CertificateService(session).licence_certificates(
                licence_ids, progress)
            session.commit()
        return pdf

    def floor(items, licence_ids):
        # The same signing, one INSERT of the log rows, the floor's pages.
        now = dt.datetime.now(dt.UTC)
        rows, pages = [], []
        for data, licence_id in zip(items, licence_ids):
            signed = sign_claims(KEY, CertificateClaims(
                serial=data.serial, licence_number=data.licence_number,
                unique_id=data.unique_id, national_id=data.national_id,
                holder_name=data.holder_name, field_code=data.field_code,
                county_code="2301", issue_date=data.issue_date,
                expiry_date=data.expiry_date, signed_at=now))
            stamp = now.isoformat(" ")
            rows.append((new_id(), licence_id, f"F-{new_id()}", stamp, "bench", 0,
                         signed.payload, "licence", 1, stamp, OFFICE, 0))
            pages.append(dataclasses.replace(
                data, qr_payload=signed.payload, verification_code=signed.verification_code))
        raw.execute("BEGIN")
        raw.executemany(
            "INSERT INTO certificate_issue (id, licence_id, serial, issued_at, actor, "
            "duplicate, payload, kind, rev, updated_at, origin_office, deleted) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        raw.execute("COMMIT")
        return render_floor(pages)
    """
)

CERTIFICATE_BATCH = PEAK_KB + textwrap.dedent(
    """
    import sys, time
    from app.services.core.progress import Progress
    n, mode = int(sys.argv[2]), sys.argv[3]
    items = [item(i) for i in range(n)]
    ids = LICENCES[2:2 + n]
    if mode == "floor":
        floor(items[:2], LICENCES[:2])
    else:
        issue(LICENCES[:2])  # fonts, caches
    rss = {}
    def listener(done, total, text):
        if done in (100, n) and text != "آماده‌سازی گواهی‌نامه‌ها":
            rss[done] = peak_kb()
    started_kb = peak_kb()
    started = time.perf_counter()
    if mode == "floor":
        pdf = floor(items, ids)
    else:
        pdf = issue(ids, Progress(listener))
    elapsed = time.perf_counter() - started
    peak = peak_kb()
    print(elapsed, len(pdf), started_kb, rss.get(100, 0), rss.get(n, 0), peak)
    """
)

CERTIFICATE_ONE = textwrap.dedent(
    """
    import statistics, time
    started = time.perf_counter()
    issue([LICENCES[0]])
    cold = time.perf_counter() - started
    ours, floors = [], []
    for i in range(1, 22):
        started = time.perf_counter()
        issue([LICENCES[i]])
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        floor([item(i)], [LICENCES[i]])
        floors.append(time.perf_counter() - started)
    print(cold, statistics.median(ours), statistics.median(floors))
    """
)


def bench_certificates(work: Path) -> None:
    """One certificate, and a batch of 1,000, issued as in real use (module docstring)."""
    db = work / "certificates.sqlite3"
    remove_db(db)
    run([PY, "-m", "app", "demo", "--licences", "2000", "--db", str(db), "--seed", "3"])
    prelude = CERTIFICATE_DATA + CERTIFICATE_FLOOR + CERTIFICATE_REAL
    out = run([PY, "-c", prelude + CERTIFICATE_ONE, str(db)]).stdout.split()
    cold, ours, floor = (float(x) * 1000 for x in out[-3:])
    line(
        "certificate_one (signed, logged, committed)",
        ours,
        "ms",
        floor,
        "ms (same signing + one INSERT + strings and QR drawn)",
        "<= 150 ms and <= 2x floor",
        ours <= 150 and ours <= 2 * floor,
    )
    line(
        "certificate_one_cold (first one in a new process; informational)",
        cold,
        "ms",
        floor,
        "ms",
        "none",
        True,
    )
    pages = 1000
    out = run([PY, "-c", prelude + CERTIFICATE_BATCH, str(db), str(pages), "ours"]).stdout.split()
    elapsed, size = float(out[-6]), int(out[-5])
    start_kb, at100_kb, at_end_kb, peak_kb = (int(x) for x in out[-4:])
    floor_out = run(
        [PY, "-c", prelude + CERTIFICATE_BATCH, str(db), str(pages), "floor"]
    ).stdout.split()
    line(
        f"certificate_batch_{pages} (signed, logged, committed)",
        elapsed,
        "s",
        float(floor_out[-6]),
        "s",
        "<= 60 s",
        elapsed <= 60,
    )
    growth_kb = (at_end_kb - at100_kb) / (pages - 100)
    output_kb = size / 1024 / pages
    line(
        f"certificate_batch_rss_growth_per_page (peak growth {(peak_kb - start_kb) / 1024:.1f} MB"
        f" for {size / 1024 / 1024:.1f} MB of PDF)",
        growth_kb,
        "KB",
        output_kb,
        "KB (output per page)",
        "<= 2x output per page",
        growth_kb <= 2 * output_kb,
    )
