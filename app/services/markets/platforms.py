"""The office's list of sales platforms (سکوهای فروش), which a channel's platform is
chosen from.

An office setting (a JSON list of names), seeded with the major Iranian virtual sales
platforms and the messengers home businesses sell through. Source of the seed: the
platforms' own public sites (1403); it is not an official list — the issue (Mehr news,
17 Aban 1402) names "virtual sales platforms" without naming them, so the office edits
the list. A channel stores the platform's *name*, so removing a name from the list
leaves the channels that use it as they are.
"""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from app.services.core.access import requires
from app.services.core.office import get_setting, set_setting
from common.errors import ValidationError
from common.text import normalize_text, persian_sort_key
from common.vocabulary import Permission

SETTING_KEY = "markets.platforms"
#: The seed: marketplaces first, then classifieds and price comparison, then messengers.
DEFAULT_PLATFORMS = (
    "دیجی‌کالا",
    "باسلام",
    "اسنپ‌مارکت",
    "اسنپ‌فود",
    "دیوار",
    "شیپور",
    "ترب",
    "ایتا",
    "روبیکا",
    "بله",
    "اینستاگرام",
    "وب‌سایت شخصی",
)
MAX_PLATFORM = 60


def list_platforms(session: Session) -> list[str]:
    """The office's platforms, in the order it keeps them (the seed until it edits it)."""
    stored = get_setting(session, SETTING_KEY)
    if not stored:
        return list(DEFAULT_PLATFORMS)
    try:
        names = json.loads(stored)
    except ValueError:
        return list(DEFAULT_PLATFORMS)
    return [str(name) for name in names] if isinstance(names, list) else list(DEFAULT_PLATFORMS)


def clean_platforms(names: list[str]) -> list[str]:
    """Names as stored: normalised, none empty, each once; ValidationError on a name too
    long or an empty list."""
    by_key: dict[str, str] = {}
    for raw in names:
        name = normalize_text(raw)
        if len(name) > MAX_PLATFORM:
            raise ValidationError("platforms", f"نام سکوی «{name[:20]}…» بیش از ۶۰ نویسه است")
        if name:
            by_key.setdefault(persian_sort_key(name), name)
    if not by_key:
        raise ValidationError("platforms", "فهرست سکوهای فروش خالی است")
    return list(by_key.values())


@requires(Permission.OFFICE_SETTINGS)
def set_platforms(session: Session, names: list[str]) -> list[str]:
    """Replace the office's list of platforms (one name a line in the settings)."""
    cleaned = clean_platforms(names)
    set_setting(session, SETTING_KEY, json.dumps(cleaned, ensure_ascii=False))
    return cleaned
