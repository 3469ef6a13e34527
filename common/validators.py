"""Validators for user input (see "Validation rules" in design/product.md).

Each validator takes raw input (any digits, stray spaces, ``None``) and returns the
normalised value to store, or raises :class:`ValidationError` with a specific Persian
message attached to ``field``.
"""

from __future__ import annotations

import re

from common.errors import ValidationError
from common.text import digits_only, normalize_text, to_ascii_digits, to_persian_digits

_DIGITS = re.compile("[0-9]+")
_NID_WEIGHTS = range(10, 1, -1)
_LEGAL_ID_WEIGHTS = (29, 27, 23, 19, 17)
_NAME_PUNCTUATION = frozenset(" \u200c-'’.")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
#: The largest capacity of a supporter network or an event (people).
MAX_CAPACITY = 100_000


def _fa(n: int) -> str:
    return to_persian_digits(str(n))


def _required(label: str) -> str:
    return f"وارد کردن {label} الزامی است"


def _digits(value: str | None, field: str, label: str) -> str:
    """Return the digits of ``value`` ("" if empty); raise if anything else is left."""
    s = digits_only(value)
    if s and not _DIGITS.fullmatch(s):
        raise ValidationError(field, f"{label} فقط باید شامل رقم باشد")
    return s


def national_id_check_digit(first9: str) -> int:
    """Return the check digit (10th digit) for the first nine digits of a national ID."""
    if len(first9) != 9 or not _DIGITS.fullmatch(first9):
        raise ValueError(f"expected 9 ASCII digits, got {first9!r}")
    s = sum(int(d) * w for d, w in zip(first9, _NID_WEIGHTS, strict=True)) % 11
    return s if s < 2 else 11 - s


def validate_national_id(
    value: str | None, field: str = "national_id", *, required: bool = True
) -> str:
    """Validate a national ID (کد ملی) and return its 10 ASCII digits.

    8–9 digit input is left-padded with zeros. Returns "" for empty input when not
    ``required``.
    """
    label = "کد ملی"
    s = _digits(value, field, label)
    if not s:
        if required:
            raise ValidationError(field, _required(label))
        return ""
    if not 8 <= len(s) <= 10:
        raise ValidationError(field, f"{label} باید ۱۰ رقم باشد ({_fa(len(s))} رقم وارد شده است)")
    s = s.zfill(10)
    if len(set(s)) == 1:
        raise ValidationError(field, f"{label} نمی‌تواند از یک رقم تکراری تشکیل شود")
    if s[3:9] == "000000":
        raise ValidationError(field, f"رقم‌های چهارم تا نهم {label} نمی‌توانند همه صفر باشند")
    if national_id_check_digit(s[:9]) != int(s[9]):
        raise ValidationError(field, f"رقم کنترل {label} درست نیست")
    return s


def is_valid_national_id(value: str) -> bool:
    """Return True if ``value`` is a valid national ID (empty is not valid)."""
    try:
        validate_national_id(value)
    except ValidationError:
        return False
    return True


def validate_legal_id(value: str | None, field: str = "legal_id", *, required: bool = True) -> str:
    """Validate a legal-entity ID (شناسه ملی) and return its 11 ASCII digits."""
    label = "شناسه ملی"
    s = _digits(value, field, label)
    if not s:
        if required:
            raise ValidationError(field, _required(label))
        return ""
    if len(s) != 11:
        raise ValidationError(field, f"{label} باید ۱۱ رقم باشد ({_fa(len(s))} رقم وارد شده است)")
    d = int(s[9]) + 2
    total = sum((d + int(c)) * _LEGAL_ID_WEIGHTS[i % 5] for i, c in enumerate(s[:10]))
    if total % 11 % 10 != int(s[10]):
        raise ValidationError(field, f"رقم کنترل {label} درست نیست")
    return s


def validate_sheba(value: str | None, field: str = "sheba", *, required: bool = True) -> str:
    """Validate a Sheba (Iranian IBAN) and return it as ``IR`` + 24 digits.

    Accepts any case, spaces, dashes, Persian digits, and the 24 digits without ``IR``.
    """
    label = "شماره شبا"
    s = digits_only(value).upper()
    if not s:
        if required:
            raise ValidationError(field, _required(label))
        return ""
    digits = s.removeprefix("IR")
    if not _DIGITS.fullmatch(digits):
        raise ValidationError(field, f"{label} باید با IR شروع شود و بعد از آن فقط رقم بیاید")
    if len(digits) != 24:
        raise ValidationError(
            field,
            f"{label} باید ۲۴ رقم بعد از IR داشته باشد ({_fa(len(digits))} رقم وارد شده است)",
        )
    # ISO 13616: move "IR" + check digits to the end, I=18, R=27, mod 97 must be 1.
    if int(digits[2:] + "1827" + digits[:2]) % 97 != 1:
        raise ValidationError(field, f"{label} درست نیست (رقم‌های کنترل آن نمی‌خواند)")
    return "IR" + digits


def sheba_bank_code(sheba: str) -> str:
    """Return the three-digit bank code of a Sheba (characters 5–7 of ``IR…``).

    Raises :class:`ValidationError` if ``sheba`` is not a valid Sheba.
    """
    return validate_sheba(sheba)[4:7]


def validate_mobile(value: str | None, field: str = "mobile", required: bool = False) -> str:
    """Validate an Iranian mobile number and return it as ``09xxxxxxxxx``.

    Accepts the ``+98``, ``0098``, ``98`` and ``0`` prefixes or the bare ``9xxxxxxxxx``.
    """
    label = "شماره همراه"
    s = digits_only(value).removeprefix("+")
    if s and not _DIGITS.fullmatch(s):
        raise ValidationError(field, f"{label} فقط باید شامل رقم باشد")
    if not s:
        if required:
            raise ValidationError(field, _required(label))
        return ""
    if s.startswith("0098"):
        s = s[4:]
    elif s.startswith("98") and len(s) in (12, 13):
        s = s[2:]
    if s.startswith("0") and len(s) == 11:
        s = s[1:]
    if len(s) != 10 or not s.startswith("9"):
        raise ValidationError(field, f"{label} باید ۱۱ رقم باشد و با ۰۹ شروع شود")
    return "0" + s


def validate_postal_code(
    value: str | None, field: str = "postal_code", required: bool = False
) -> tuple[str, str | None]:
    """Validate a postal code: return ``(code, warning)``.

    There is no official checksum, so odd patterns only produce a Persian warning.
    """
    label = "کد پستی"
    s = _digits(value, field, label)
    if not s:
        if required:
            raise ValidationError(field, _required(label))
        return "", None
    if len(s) != 10:
        raise ValidationError(field, f"{label} باید ۱۰ رقم باشد ({_fa(len(s))} رقم وارد شده است)")
    warning = None
    if len(set(s)) == 1:
        warning = f"{label} از یک رقم تکراری تشکیل شده است؛ لطفاً آن را بررسی کنید"
    elif "0" in s[:5] or "2" in s[:5]:
        warning = f"پنج رقم اول {label} معمولاً ۰ یا ۲ ندارد؛ لطفاً آن را بررسی کنید"
    return s, warning


def _is_name_letter(c: str) -> bool:
    if not c.isalpha():
        return False
    o = ord(c)
    return c.isascii() or 0xC0 <= o <= 0x24F or 0x600 <= o <= 0x6FF or 0x750 <= o <= 0x77F


def validate_name(
    value: str | None,
    field: str = "name",
    label: str = "نام",
    required: bool = True,
    max_length: int = 60,
) -> str:
    """Validate a person's name (or similar) and return it normalised.

    Allowed: Persian/Arabic and Latin letters, space, ZWNJ, hyphen, apostrophe, period.
    """
    s = normalize_text(value)
    if not s:
        if required:
            raise ValidationError(field, _required(label))
        return ""
    if len(s) > max_length:
        raise ValidationError(field, f"{label} نباید بیشتر از {_fa(max_length)} نویسه باشد")
    if any(c.isdigit() for c in s):
        raise ValidationError(field, f"{label} نباید عدد داشته باشد")
    bad = [c for c in s if not (_is_name_letter(c) or c in _NAME_PUNCTUATION)]
    if bad:
        shown = bad[0] if bad[0].isprintable() else f"U+{ord(bad[0]):04X}"
        raise ValidationError(
            field,
            f"{label} فقط می‌تواند حروف فارسی یا لاتین، فاصله، نیم‌فاصله، خط تیره، "
            f"آپاستروف و نقطه داشته باشد (نویسهٔ نامجاز: «{shown}»)",
        )
    if not any(_is_name_letter(c) for c in s):
        raise ValidationError(field, f"{label} باید دست‌کم یک حرف داشته باشد")
    return s


def validate_text(
    value: str | None,
    field: str = "text",
    label: str = "متن",
    required: bool = False,
    max_length: int = 500,
) -> str:
    """Validate free one-line text (e.g. an address) and return it normalised."""
    s = normalize_text(value)
    if not s:
        if required:
            raise ValidationError(field, _required(label))
        return ""
    if len(s) > max_length:
        raise ValidationError(
            field,
            f"{label} نباید بیشتر از {_fa(max_length)} نویسه باشد "
            f"({_fa(len(s))} نویسه وارد شده است)",
        )
    return s


def validate_phone(value: str | None, field: str = "phone") -> str:
    """A landline number: digits only, 5 to 11 of them (with or without the area code)."""
    s = digits_only(value)
    if not s:
        return ""
    if not s.isdigit() or not s.isascii():
        raise ValidationError(field, "تلفن ثابت فقط باید شامل رقم باشد")
    if not 5 <= len(s) <= 11:
        raise ValidationError(field, "تلفن ثابت باید ۵ تا ۱۱ رقم باشد (مثل ۰۲۱۶۶۱۲۳۴۵۶)")
    return s


def validate_email(value: str | None, field: str = "email") -> str:
    """An e-mail address (lower case), or ""."""
    s = normalize_text(value).replace(" ", "").lower()
    if not s:
        return ""
    if len(s) > 120 or not _EMAIL.fullmatch(s) or not s.isascii():
        raise ValidationError(field, "ایمیل درست نیست (مثل info@example.com)")
    return s


def validate_capacity(value: str | int | None, field: str = "capacity") -> int:
    """A capacity: a whole number from 1 to MAX_CAPACITY (any digits, thousands separators)."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        s = normalize_text(str(value or "")).replace(",", "").replace("٬", "")
        if not s:
            raise ValidationError(field, "وارد کردن ظرفیت الزامی است")
        if not _DIGITS.fullmatch(s.removeprefix("-")):
            raise ValidationError(field, "ظرفیت باید یک عدد صحیح باشد")
        number = int(s)
    if number <= 0:
        raise ValidationError(field, "ظرفیت باید بیشتر از صفر باشد")
    if number > MAX_CAPACITY:
        raise ValidationError(field, f"ظرفیت حداکثر {_fa(MAX_CAPACITY)} نفر است")
    return number


#: A staff account's username as stored: 3 to 40 letters (any script), digits, ".", "-"
#: or "_", case-folded.
_USERNAME = re.compile(r"^[\w.\-]{3,40}$")
#: An argon2id password hash (PHC string): version, memory, passes, lanes, salt, digest.
_ARGON2ID = re.compile(
    r"^\$argon2id\$v=19\$m=[0-9]{1,7},t=[0-9]{1,3},p=[0-9]{1,3}\$[A-Za-z0-9+/]{11,64}\$[A-Za-z0-9+/]{16,128}$"
)
#: The longest password hash a synced account row may carry.
MAX_PASSWORD_HASH = 200


def validate_username(value: str | None, field: str = "username") -> str:
    """A staff account's username: trimmed and case-folded (compared case-insensitively)."""
    name = (value or "").strip().casefold()
    if not _USERNAME.match(name):
        raise ValidationError(
            field,
            "نام کاربری باید ۳ تا ۴۰ نویسه و فقط حرف، رقم، نقطه، خط تیره یا زیرخط باشد",
        )
    return name


def validate_password_hash(value: str | None, field: str = "password_hash") -> str:
    """A stored password: an argon2id PHC string of bounded length (never a password)."""
    s = value or ""
    if len(s) > MAX_PASSWORD_HASH or not _ARGON2ID.match(s):
        raise ValidationError(field, "گذرواژهٔ حساب به شکل درهم‌سازی‌شدهٔ argon2id نیست")
    return s


#: The largest amount a facility case may carry: 10,000 billion rials (1,000 billion tomans).
MAX_AMOUNT_RIALS = 10**13


def parse_tomans(
    value: str | int | None, field: str, label: str, *, required: bool = False
) -> int | None:
    """An amount a clerk typed in tomans (any digits, thousands separators, «تومان» after
    it) as rials (× 10); None when empty and not ``required``. Zero, negative or too large
    amounts are refused (Persian, on ``field``): :func:`parse_amount` reads it."""
    if isinstance(value, str):
        value = normalize_text(value).replace(" ", "").removesuffix("تومان")
    tomans = parse_amount(value, field, label, maximum=MAX_AMOUNT_RIALS // 10)
    if tomans is None:
        if required:
            raise ValidationError(field, _required(label))
        return None
    return tomans * 10


def validate_rials(rials: int, field: str, label: str) -> int:
    """A positive amount in rials, at most MAX_AMOUNT_RIALS."""
    if rials <= 0:
        raise ValidationError(field, f"{label} باید بیشتر از صفر باشد")
    if rials > MAX_AMOUNT_RIALS:
        raise ValidationError(field, f"{label} بیش از اندازه بزرگ است")
    return rials


def validate_branch_code(value: str | None, field: str = "branch_code") -> str:
    """A bank branch code (کد شعبه): 3 to 6 digits, or "" when not yet known."""
    s = digits_only(value)
    if not s:
        return ""
    if not _DIGITS.fullmatch(s):
        raise ValidationError(field, "کد شعبه فقط باید شامل رقم باشد")
    if not 3 <= len(s) <= 6:
        raise ValidationError(field, "کد شعبه باید ۳ تا ۶ رقم باشد (مثل ۱۲۳۴)")
    return s


_URL = re.compile(r"^https?://[a-z0-9.-]+\.[a-z]{2,}(:[0-9]{1,5})?(/[^\s]*)?$", re.IGNORECASE)


def validate_shop_url(value: str | None, field: str = "shop_url") -> str:
    """A shop's web address (``https://…`` or ``http://…``), or "". A bare address
    (``basalam.com/shop``) gets ``https://`` in front."""
    s = normalize_text(value).replace(" ", "")
    if not s:
        return ""
    s = to_ascii_digits(s)
    if not re.match(r"^https?://", s, re.IGNORECASE):
        s = "https://" + s
    if len(s) > 300 or not s.isascii() or not _URL.fullmatch(s):
        raise ValidationError(field, "نشانی فروشگاه درست نیست (مثل https://basalam.com/shop)")
    return s


def parse_amount(value: str | int | None, field: str, label: str, *, maximum: int) -> int | None:
    """A whole, positive amount typed by a clerk (any digits, thousands separators); None
    when empty. Over ``maximum``, zero, negative or not a number is a ValidationError."""
    if value is None or (isinstance(value, str) and not normalize_text(value)):
        return None
    if isinstance(value, bool):
        raise ValidationError(field, f"{label} باید یک عدد صحیح مثبت باشد")
    if isinstance(value, int):
        n = value
    else:
        s = to_ascii_digits(normalize_text(value)).replace(",", "").replace("\u066c", "")
        s = s.replace(" ", "")
        digits = s.removeprefix("-").removeprefix("\u2212")  # a typed minus sign: below
        if not digits.isdigit():
            raise ValidationError(field, f"{label} باید یک عدد صحیح مثبت باشد")
        n = -int(digits) if digits != s else int(digits)
    if n <= 0:
        raise ValidationError(field, f"{label} باید بیشتر از صفر باشد")
    if n > maximum:
        raise ValidationError(field, f"{label} بیش از اندازه بزرگ است")
    return n
