"""Detectors of personal data written in the clear: mobile numbers, ID-card numbers, e-mail, bank cards.

Each detector is a pure function from a text to the matches it finds. Numbers
with a check digit are verified, so an arbitrary run of digits (an order
number, a timestamp) is not reported. A resident ID number must pass the
ISO 7064 MOD 11-2 check and carry a real birth date. A bank card number must
pass the Luhn check. Matches carry a masked form of the value, because a
finding must never print the personal data it found.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

DETECTORS = ("mobile", "id_card", "email", "bank_card")

# Mainland China mobile numbers: 11 digits starting 13-19, optionally +86 or
# 86 before them, optionally grouped 3-4-4 with spaces or hyphens.
MOBILE_RE = re.compile(r"(?<![\d+])(?:\+?86[ -]?)?(1[3-9]\d)([ -]?)(\d{4})\2(\d{4})(?!\d)")
ID_CARD_RE = re.compile(r"(?<![0-9A-Za-z])([1-9]\d{5})((?:18|19|20)\d{2})(\d{2})(\d{2})(\d{3})([0-9Xx])(?![0-9A-Za-z])")
EMAIL_RE = re.compile(r"(?<![\w.+-])([\w.+-]+)@((?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,63})(?![\w-])", re.ASCII)
# 16 to 19 digits, either in one run or in groups of four split by one space or hyphen.
BANK_CARD_RE = re.compile(r"(?<![\d-])(\d{16,19}|\d{4}(?:[ -]\d{4}){3}(?:[ -]\d{1,3})?)(?![\d-])")

# Every detector needs a digit or an "@"; text without them is skipped at once.
MAYBE_PII_RE = re.compile(r"[0-9@]")
ID_CARD_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CARD_CHECK_CHARS = "10X98765432"


@dataclass(frozen=True)
class PiiMatch:
    """One piece of personal data found in a text: detector, position and masked value."""

    detector: str
    start: int
    end: int
    masked: str


def id_card_check_char(first17: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character of the first 17 digits of an ID number."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_CARD_WEIGHTS))
    return ID_CARD_CHECK_CHARS[total % 11]


def is_valid_id_card(number: str) -> bool:
    """Tell whether an 18-character resident ID number has a real birth date and a correct check character."""
    match = ID_CARD_RE.fullmatch(number)
    if match is None:
        return False
    try:
        date(int(match[2]), int(match[3]), int(match[4]))
    except ValueError:
        return False
    return id_card_check_char(number[:17]) == number[17].upper()


def luhn_valid(digits: str) -> bool:
    """Tell whether a string of digits passes the Luhn check used by bank card numbers."""
    total = 0
    for position, character in enumerate(reversed(digits)):
        value = int(character)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def mask(value: str, keep_start: int, keep_end: int) -> str:
    """Replace the middle of ``value`` with ``*``, keeping at most the given numbers of characters at each end.

    At least half of the characters are always hidden, so a short value is never shown whole.
    """
    visible = max(0, len(value) // 2)
    keep_start = min(keep_start, visible)
    keep_end = min(keep_end, visible - keep_start)
    hidden = len(value) - keep_start - keep_end
    return value[:keep_start] + "*" * hidden + (value[len(value) - keep_end:] if keep_end else "")


def find_mobiles(text: str) -> list[PiiMatch]:
    """Find mainland mobile numbers; the masked form keeps the first 3 and last 2 digits."""
    found = []
    for match in MOBILE_RE.finditer(text):
        digits = match[1] + match[3] + match[4]
        found.append(PiiMatch("mobile", match.start(), match.end(), mask(digits, 3, 2)))
    return found


def find_id_cards(text: str) -> list[PiiMatch]:
    """Find resident ID numbers that pass the check-digit and birth-date tests."""
    found = []
    for match in ID_CARD_RE.finditer(text):
        if is_valid_id_card(match[0]):
            found.append(PiiMatch("id_card", match.start(), match.end(), mask(match[0], 3, 2)))
    return found


def find_emails(text: str, allowed_domains: Iterable[str] = ()) -> list[PiiMatch]:
    """Find e-mail addresses, except those in ``allowed_domains`` (or their subdomains)."""
    allowed = tuple(domain.lower().lstrip("@") for domain in allowed_domains)
    found = []
    for match in EMAIL_RE.finditer(text):
        domain = match[2].lower()
        if any(domain == name or domain.endswith("." + name) for name in allowed):
            continue
        local = match[1]
        masked = mask(local, 1, 0) + "@" + domain
        found.append(PiiMatch("email", match.start(), match.end(), masked))
    return found


def find_bank_cards(text: str) -> list[PiiMatch]:
    """Find bank card numbers of 16 to 19 digits that pass the Luhn check."""
    found = []
    for match in BANK_CARD_RE.finditer(text):
        digits = re.sub(r"[ -]", "", match[0])
        if 16 <= len(digits) <= 19 and luhn_valid(digits):
            found.append(PiiMatch("bank_card", match.start(), match.end(), mask(digits, 4, 2)))
    return found


def find_pii(text: str, detectors: Iterable[str], allowed_email_domains: Iterable[str] = ()) -> list[PiiMatch]:
    """Run the named detectors over ``text`` and return their matches in text order.

    Where two matches overlap, only the longer one is kept: an 18-digit ID
    number can pass the Luhn check by chance, and a mobile number can be the
    local part of an e-mail address, and each should be reported once.
    """
    if not MAYBE_PII_RE.search(text):
        return []
    selected = set(detectors)
    runners: dict[str, Callable[[str], list[PiiMatch]]] = {
        "mobile": find_mobiles,
        "id_card": find_id_cards,
        "email": lambda value: find_emails(value, allowed_email_domains),
        "bank_card": find_bank_cards,
    }
    found: list[PiiMatch] = []
    for name in DETECTORS:
        if name in selected:
            found.extend(runners[name](text))
    kept: list[PiiMatch] = []
    for item in sorted(found, key=lambda match: (match.start - match.end, DETECTORS.index(match.detector))):
        if all(item.end <= other.start or item.start >= other.end for other in kept):
            kept.append(item)
    return sorted(kept, key=lambda item: item.start)
