"""Text normalisation shared by every form, import and search (see design/persian.md).

Stored text uses Persian letters (ی, ک), ASCII digits, single spaces and no bidi
controls; display code converts digits back with :func:`to_persian_digits`.
"""

from __future__ import annotations

import functools
import re
import unicodedata

ZWNJ = "\u200c"
LRI = "\u2066"
PDI = "\u2069"

#: Bidi control characters (embeddings, overrides, isolates, marks): stripped from input.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c\ufeff"
#: Invisible characters with no place in a register (zero-width space and joiner, word
#: joiner, invisible operators, soft hyphen, Mongolian vowel separator): stripped from
#: stored text, so two names that look the same are the same. ZWNJ (نیم‌فاصله) is kept.
INVISIBLES = "\u200b\u200d\u2060\u2061\u2062\u2063\u2064\u00ad\u180e"
_STRIP_BIDI = str.maketrans("", "", BIDI_CONTROLS)
_STRIP_INVISIBLE = str.maketrans("", "", BIDI_CONTROLS + INVISIBLES)
_TO_ASCII = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_TO_PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
# Arabic letters folded to their Persian forms; tatweel and harakat removed.
_FOLD = str.maketrans(
    {"ي": "ی", "ى": "ی", "ك": "ک", "\u0640": None, "\u0670": None}
    | {chr(c): None for c in range(0x064B, 0x0660)}
)
# Arabic presentation forms (e.g. text copied from a PDF) map to plain letters.
_PRESENTATION_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufefe]+")
# Hamza typed as a separate mark on Persian letters (NFC does not compose these).
_HAMZA_ABOVE = {"\u0647\u0654": "\u06c0", "\u06cc\u0654": "\u0626"}
# Search only: letters people write interchangeably (آرش / ارش, پائیز / پاییز).
_SEARCH_FOLD = str.maketrans({"ۀ": "ه", "ة": "ه", "أ": "ا", "إ": "ا", "آ": "ا", "ؤ": "و", "ئ": "ی"})
_WHITESPACE = re.compile(r"\s+")
_ZWNJ_RUN = re.compile("[ \u200c]*\u200c[ \u200c]*")
_SEPARATORS = re.compile(r"[\s\u200c\u200d\-‐‑‒–—―−_.,،٫٬/\\()]+")


def strip_bidi_controls(s: str) -> str:
    """Remove bidi embedding/override/isolate controls, LRM, RLM, ALM and the BOM."""
    return s.translate(_STRIP_BIDI)


def to_ascii_digits(s: str) -> str:
    """Convert Persian (۰-۹) and Arabic-Indic (٠-٩) digits to ASCII 0-9."""
    return s.translate(_TO_ASCII)


def to_persian_digits(s: str) -> str:
    """Convert ASCII digits to Persian digits (for display)."""
    return s.translate(_TO_PERSIAN)


def _zwnj_run(match: re.Match[str]) -> str:
    return " " if " " in match.group() else ZWNJ


def normalize_text(s: str | None) -> str:
    """Normalise one line of user text for storage (see :func:`_normalize_text`)."""
    if not s:
        return ""
    if s.isascii():
        return " ".join(s.split())
    return _normalize_text(s)


@functools.lru_cache(maxsize=8192)
def _normalize_text(s: str) -> str:
    """Normalise one line of user text for storage.

    Strips bidi controls and invisible characters (INVISIBLES: zero-width space and
    joiner, word joiner, …), folds Arabic ي ى ك to Persian, removes tatweel and harakat,
    converts digits to ASCII, turns every whitespace run into one space, keeps single
    ZWNJs inside words (drops them next to spaces and at the ends) and trims.
    """
    if not s:
        return ""
    s = s.translate(_STRIP_INVISIBLE)
    s = _PRESENTATION_FORMS.sub(lambda m: unicodedata.normalize("NFKC", m.group()), s)
    s = unicodedata.normalize("NFC", s)
    for seq, letter in _HAMZA_ABOVE.items():
        s = s.replace(seq, letter)
    s = s.translate(_FOLD)
    s = to_ascii_digits(unicodedata.normalize("NFC", s))
    s = _WHITESPACE.sub(" ", s)
    s = _ZWNJ_RUN.sub(_zwnj_run, s)
    return s.strip(" \u200c")


def normalize_multiline(s: str | None) -> str:
    """Normalise multi-line text: each line as :func:`normalize_text`, blank lines dropped."""
    if not s:
        return ""
    lines = (normalize_text(line) for line in s.splitlines())
    return "\n".join(line for line in lines if line)


def digits_only(s: str | None) -> str:
    """Return ``s`` with digits made ASCII and spaces, dashes, dots, slashes etc. removed.

    Anything else (letters, ``+``) is kept so that the caller can report it.
    """
    if not s:
        return ""
    return _SEPARATORS.sub("", to_ascii_digits(strip_bidi_controls(s)))


def search_key(s: str | None) -> str:
    """Return the key stored in search columns and built from search queries.

    See :func:`_search_key`; cached, since names and places repeat a lot in imports.
    """
    return _search_key(s or "")


@functools.lru_cache(maxsize=8192)
def _search_key(s: str) -> str:
    """Return the key stored in search columns and built from search queries.

    :func:`normalize_text`, then ZWNJ as a space, lower case, ۀ ة → ه, أ إ آ → ا, ؤ → و, ئ → ی,
    every character other than a letter, combining mark or digit as a space, single
    spaces, trimmed. Idempotent.
    """
    s = unicodedata.normalize("NFC", normalize_text(s).replace(ZWNJ, " ").lower())
    s = s.translate(_SEARCH_FOLD)
    chars = (c if c.isalnum() or unicodedata.category(c)[0] == "M" else " " for c in s)
    return " ".join("".join(chars).split())


def isolate_ltr(s: str) -> str:
    """Wrap ``s`` in LRI … PDI so IDs and numbers keep their order in Persian Qt text."""
    return f"{LRI}{s}{PDI}"


#: The Persian alphabet in dictionary order (آ before ا; hamza forms beside their
#: letters; ۀ with ه). Code-point order puts پ چ ژ ک گ after every Arabic letter.
_PERSIAN_ORDER = "آاأإءئؤبپتثجچحخدذرزژسشصضطظعغفقکگلمنوهۀةیي"
_SORT_MAP = str.maketrans(
    {letter: chr(0xE000 + rank) for rank, letter in enumerate(_PERSIAN_ORDER)} | {ZWNJ: None}
)


def persian_sort_key(s: str | None) -> str:
    """A key that sorts Persian text in dictionary order (Latin and digits first).

    Each Persian letter becomes a private-use character in alphabet order; ZWNJ is
    ignored, so «احمدی‌نژاد» sorts as «احمدینژاد». Registered in SQLite as ``fa_sort``;
    it expects stored (already normalised) text, so it only translates: it runs once per
    row when the register is sorted by a name.
    """
    return s.translate(_SORT_MAP) if s else ""


# --- money: stored in rials, shown in tomans ---

#: The Persian thousands separator (٬, U+066C) between digit groups.
THOUSANDS_SEPARATOR = "\u066c"
#: Rials in one toman.
RIALS_PER_TOMAN = 10


def group_thousands(number: int) -> str:
    """``1234567`` → ``۱٬۲۳۴٬۵۶۷`` (Persian digits, Persian thousands separator)."""
    return to_persian_digits(f"{number:,}".replace(",", THOUSANDS_SEPARATOR))


def format_tomans(rials: int | None, *, unit: bool = True) -> str:
    """An amount stored in rials as people read it: tomans with Persian digits and
    thousands separators («۱٬۲۵۰٬۰۰۰ تومان»), «تومان» unless ``unit`` is False; "" for
    None. A remainder of rials shows as a Persian decimal (۱۲٫۵)."""
    if rials is None:
        return ""
    tomans, rest = divmod(abs(rials), RIALS_PER_TOMAN)
    shown = ("-" if rials < 0 else "") + group_thousands(tomans)
    if rest:
        shown += "\u066b" + to_persian_digits(str(rest))
    return f"{shown} تومان" if unit else shown
