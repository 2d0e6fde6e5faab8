"""Bank account formats: zengin (全銀) codes, domestic account numbers, IBAN and BIC.

Pure Python (no Django), so the checks can be tested and fuzzed alone. Each check returns an
error code or "" — the Django layer turns codes into messages in the reader's language.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

# Separators people type inside numbers: spaces (both widths), hyphens and dashes of every kind.
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―ー－−]")
_BIC = re.compile(r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?$")
_IBAN_SHAPE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")

# IBAN length per country (ISO 13616 registry; the countries a Japanese SME most often pays).
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AT": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29, "CH": 21, "CY": 28,
    "CZ": 24, "DE": 22, "DK": 18, "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GR": 27,
    "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "QA": 29, "RO": 24,
    "SA": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "TR": 26,
}  # fmt: skip


def normalise_digits(text: str) -> str:
    """Full-width digits to ASCII, separators removed (「０１２３－４５６」 → "0123456")."""
    # Normalised again after the separators go: removing a space can join a letter and a
    # combining mark that NFKC then composes (found by the property test).
    stripped = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text or ""))
    return unicodedata.normalize("NFKC", stripped).strip()


def normalise_code(text: str) -> str:
    """An IBAN or BIC as banks print it, uppercased without spaces."""
    return normalise_digits(text).upper()


def check_digits(text: str, length: int) -> str:
    """ "" when `text` is exactly `length` ASCII digits, else "digits"."""
    return "" if len(text) == length and text.isascii() and text.isdigit() else "digits"


def iban_error(iban: str) -> str:
    """ "" for a valid IBAN; "shape", "length" or "checksum" otherwise (ISO 13616 mod 97)."""
    if not _IBAN_SHAPE.match(iban):
        return "shape"
    expected = IBAN_LENGTHS.get(iban[:2])
    if expected is not None and len(iban) != expected:
        return "length"
    rearranged = iban[4:] + iban[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return "" if int(number) % 97 == 1 else "checksum"


def bic_error(bic: str) -> str:
    """ "" for a well-formed BIC (8 or 11 characters: bank, country, location, branch)."""
    return "" if _BIC.match(bic) else "shape"


def mask(number: str, keep: int = 3) -> str:
    """Only the last digits shown: "1234567" → "****567"."""
    if not number:
        return ""
    return "****" + number[-keep:]


def fingerprint(parts: list[str]) -> str:
    """A stable digest of an account's details, to notice a change made outside the check."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
