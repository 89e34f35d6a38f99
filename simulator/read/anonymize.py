"""Anonymizing a team's messages before anything is journaled or reported.

userId and anonymousId (in any casing), every e-mail address wherever it is in the
message (alone or within free text), and every value that looks like a phone number,
are replaced by stable keyed
hashes (HMAC-SHA256): the same value gives the same hash under the same key, so one
viewer's messages still belong together, yet the original cannot be read back without
the key. `context.ip` is dropped.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Any

from mock_spideo.segment import canonical_key

__all__ = ["Anonymizer"]

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# A phone number: 7 to 15 digits written with a leading + or with separators (spaces,
# dots, dashes, brackets), an extension allowed; a bare number (an id) or a date is not.
_PHONE = re.compile(r"(\+|\(?\d)[\d\s().\-]{5,}\d(\s*(x|ext\.?)\s*\d{1,6})?",
                    re.IGNORECASE)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_IDS = frozenset({"userid", "anonymousid"})


class Anonymizer:
    """Replaces identities with keyed hashes; one key for a whole replay."""

    def __init__(self, key: str | None = None) -> None:
        self.generated = key is None
        self.key = key if key is not None else secrets.token_urlsafe(24)
        self._secret = self.key.encode()

    def _hash(self, value: str, size: int = 16) -> str:
        return hmac.new(self._secret, value.encode(), hashlib.sha256).hexdigest()[:size]

    def message(self, message: dict[str, Any]) -> dict[str, Any]:
        """A copy of the message with its identities hashed and context.ip dropped."""
        out: dict[str, Any] = {}
        for key, value in message.items():
            name = canonical_key(key) if isinstance(key, str) else key
            if name in _IDS and isinstance(value, (str, int, float)) and not isinstance(
                    value, bool):
                out[key] = f"anon-{self._hash(str(value))}"
            elif name == "context" and isinstance(value, dict):
                out[key] = {k: self._value(v) for k, v in value.items()
                            if not (isinstance(k, str) and canonical_key(k) == "ip")}
            else:
                out[key] = self._value(value)
        return out

    def _value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._text(value)
        if isinstance(value, dict):
            return {k: (self._hash_id(v) if isinstance(k, str) and canonical_key(k) in _IDS
                        else self._value(v)) for k, v in value.items()}
        if isinstance(value, list):
            return [self._value(item) for item in value]
        return value

    def _hash_id(self, value: Any) -> Any:
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return f"anon-{self._hash(str(value))}"
        return self._value(value)

    def _text(self, text: str) -> str:
        stripped = text.strip()
        if _looks_like_phone(stripped):
            return "+" + str(int(self._hash(stripped), 16))[:12]
        if "@" in text:  # an address, alone or within free text
            return _EMAIL.sub(self._email, text)
        return text

    def _email(self, found: re.Match[str]) -> str:
        return f"anon-{self._hash(found.group(0).lower())}@anonymized.invalid"


def _looks_like_phone(text: str) -> bool:
    if not _PHONE.fullmatch(text) or _DATE.fullmatch(text) or text.isdigit():
        return False
    digits: int = sum(c.isdigit() for c in re.split(r"(?i)x|ext", text)[0])
    return 7 <= digits <= 15
