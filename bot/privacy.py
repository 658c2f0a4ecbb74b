"""Masking for logs: phone numbers and e-mail addresses never reach them in full."""
from __future__ import annotations

import re
from typing import Any

_PHONE = re.compile(r"(?<!\w)(\+?\d[\d\s().-]{7,}\d)(?!\w)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


def mask(text: Any) -> str:
    """'+16175550142' -> '[phone …42]'; 'a@b.org' -> '[email]'."""
    text = _EMAIL.sub("[email]", str(text))
    return _PHONE.sub(lambda m: "[phone …" + re.sub(r"\D", "", m.group(1))[-2:] + "]", text)
