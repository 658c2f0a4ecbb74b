"""Masking for logs: phone numbers and e-mail addresses never reach them in full."""
from __future__ import annotations

import logging
import re
from typing import Any

_PHONE = re.compile(r"(?<!\w)(\+?\d[\d\s().-]{7,}\d)(?!\w)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


def mask(text: Any) -> str:
    """'+16175550142' -> '[phone …42]'; 'a@b.org' -> '[email]'."""
    text = _EMAIL.sub("[email]", str(text))
    return _PHONE.sub(_mask_phone, text)


def _mask_phone(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group(1))
    # Seven to fifteen digits can be a phone number (local or E.164); an IP address or a version cannot.
    if not 7 <= len(digits) <= 15 or re.fullmatch(r"\d{1,3}(\.\d{1,3}){3}", match.group(1)):
        return match.group(0)
    return "[phone …" + digits[-2:] + "]"


def install_log_masking() -> None:
    """Masks every log record made in this process, Rasa's and libraries' included, when it is created.

    A filter on one logger would miss the others; the record factory sees them all. Idempotent."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "masks_private_data", False):
        return

    def masked_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        try:
            text = record.getMessage()
        except Exception:  # a broken format string: leave it to logging's own error report
            return record
        record.msg, record.args = mask(text), ()
        return record

    masked_record.masks_private_data = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(masked_record)


# For texts kept beyond the retention period (review labels, data/reviewed/): names that a person gives and
# street addresses go too. Simple patterns, not a full recogniser: "my name is Dana Smith", "this is Dana",
# "call me Dana", "I'm Dana" (a capitalised word); "12 Elm Street", "450 N. Main St apt 3".
_NAME = re.compile(r"\b(my name is|my name's|name is|this is|call me|i am|i'm|im)\s+"
                   r"([A-Z][a-z'-]+(?:\s+[A-Z][a-z'-]+)?)", re.IGNORECASE)
_ADDRESS = re.compile(
    r"\b\d{1,6}\s+(?:[NSEW]\.?\s+)?(?:[A-Za-z0-9'-]+\s+){0,3}"
    r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|terrace|circle|"
    r"highway|hwy|parkway|pkwy)\b\.?(?:,?\s*(?:apt|apartment|unit|suite|#)\.?\s*\w+)?", re.IGNORECASE)


def mask_personal(text: Any) -> str:
    """mask(), and also a name the person gave ('my name is Dana' -> 'my name is [name]') and street addresses
    ('[address]'). A name is only taken when it is capitalised, so "I'm tired" stays as it is."""
    text = mask(text)
    text = _ADDRESS.sub("[address]", text)

    def name(match: re.Match) -> str:
        if not match.group(2)[0].isupper():
            return match.group(0)
        return f"{match.group(1)} [name]"

    return _NAME.sub(name, text)
