"""Demo market records (``daftar demo``): channels for some holders, a few guaranteed-
purchase contracts with deliveries for the demo networks, and booths and sales for the
sellers of past bazaars. Made through the services, so every row obeys the rules."""

from __future__ import annotations

import datetime as dt
import json
import random

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.services.core.access import requires
from app.services.core.scope import office_scope
from app.services.markets.bazaar import BazaarService, bazaar_events, bazaar_sellers
from app.services.markets.platforms import list_platforms
from app.services.markets.records import ChannelInput, ContractInput, Delivery
from app.services.markets.service import MarketService
from common import jalali
from common.vocabulary import Permission

SHOPS = ("ترشی خانگی", "سفال دست‌ساز", "گلیم و جاجیم", "عسل طبیعی", "عروسک بافتنی", "نان محلی")
PRODUCTS = (("رب گوجه", "kg"), ("گلیم دستباف", "piece"), ("عسل", "kg"), ("سبزی خشک", "pack"))
COMPANIES = ("شرکت پخش البرز", "فروشگاه‌های زنجیره‌ای شهروند", "تعاونی مصرف کارکنان")
PLATFORM_BUYERS = ("سکوی بانک رفاه کارگران", "سکوی بانک قرض‌الحسنه مهر ایران")


@requires(Permission.DEMO)
def generate_markets(session: Session, licences: int, seed: int = 1) -> tuple[int, int, int]:
    """Channels, contracts and bazaar sales sized to a register of ``licences``; returns
    (channels, contracts, sellers with sales) added."""
    rng = random.Random(seed * 104_729 + 3)
    today = jalali.today()
    counties = [c.id for c in office_scope(session).counties]
    service = MarketService(session, today=today)
    platforms = list_platforms(session)
    holders = session.execute(
        text(
            "SELECT DISTINCT p.national_id, min(l.issue_date) FROM licence l "
            "JOIN person p ON p.id = l.person_id WHERE l.kind = 'independent' "
            "AND l.deleted = 0 AND l.status = 'active' "
            "AND l.county_id IN (SELECT value FROM json_each(:counties)) "
            "GROUP BY p.national_id ORDER BY p.national_id LIMIT :limit"
        ),
        {"counties": json.dumps(counties), "limit": max(20, min(2000, licences // 100))},
    ).all()
    channels = 0
    for national_id, issued in holders:
        if rng.random() > 0.6:
            continue
        first = max(dt.date.fromisoformat(str(issued)), today - dt.timedelta(days=900))
        onboarded = first + dt.timedelta(days=rng.randint(0, max(0, (today - first).days)))
        shop = rng.choice(SHOPS)
        service.add_channel(
            ChannelInput(
                national_id,
                rng.choice(platforms),
                f"{shop} {rng.randint(1, 99)}",
                "",
                min(onboarded, today),
                active=rng.random() < 0.85,
            )
        )
        channels += 1
    contracts = _contracts(session, service, rng, today)
    return channels, contracts, _bazaar_sales(session, rng, today)


def _contracts(session: Session, service: MarketService, rng: random.Random, today: dt.date) -> int:
    supporters = session.execute(
        text(
            "SELECT s.id FROM supporter s WHERE s.deleted = 0 AND s.status = 'active' "
            "ORDER BY s.id LIMIT 10"
        )
    ).all()
    made = 0
    for (supporter_id,) in supporters:
        product, unit = rng.choice(PRODUCTS)
        start = today - dt.timedelta(days=rng.randint(20, 200))
        end = start + dt.timedelta(days=rng.choice((90, 180, 365)))
        quantity = rng.choice((200, 500, 1000))
        deliveries: list[Delivery] = []
        day = start
        while rng.random() < 0.75 and sum(d.quantity for d in deliveries) < quantity:
            day += dt.timedelta(days=rng.randint(7, 30))
            if day > min(today, end):
                break
            deliveries.append(Delivery(day, rng.randint(quantity // 10, quantity // 4)))
        delivered = sum(d.quantity for d in deliveries)
        bank = rng.random() < 0.4
        service.add_contract(
            ContractInput(
                buyer_kind="bank_platform" if bank else "company",
                buyer_name=rng.choice(PLATFORM_BUYERS if bank else COMPANIES),
                seller_kind="network",
                seller_supporter_id=supporter_id,
                product=product,
                unit=unit,
                quantity=quantity,
                unit_price_toman=rng.choice((85_000, 120_000, 450_000, 1_200_000)),
                start_date=start,
                end_date=end,
                deliveries=tuple(deliveries),
                over_reason="سفارش افزوده خریدار" if delivered > quantity else "",
            )
        )
        made += 1
    return made


def _bazaar_sales(session: Session, rng: random.Random, today: dt.date) -> int:
    bazaars = BazaarService(session)
    reported = 0
    for event in bazaar_events(session):
        if event.start_date > today:
            continue
        for booth, seller in enumerate(bazaar_sellers(session, event.id), start=1):
            sales = rng.randint(0, 60) * 100_000 if seller.days_attended else 0
            bazaars.record_seller(seller.participant_id, f"غرفه {booth}", str(sales))
            reported += 1
    return reported
