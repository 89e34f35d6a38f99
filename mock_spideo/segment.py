"""The Segment wire protocol, as both sides of the toolkit speak it: one module, one
source for each fact (see FACTS.md sections 2, 4 and 5).

- message types, and the types the Spideo destination accepts;
- the headers of a direct-destination delivery (Basic apiKey:, X-Segment-Settings,
  User-Agent Segment.io/1.0, ...), and reading them back;
- Segment's millisecond ISO-8601 time form, its parser, and the clock-skew correction
  `timestamp = receivedAt - (sentAt - originalTimestamp)`;
- canonical field names (Segment warns that casing varies by customer);
- `Reply`, a destination's answer as the sender sees it.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

import orjson

__all__ = [
    "ACCEPTED_TYPES",
    "MESSAGE_TYPES",
    "TIME_FIELDS",
    "USER_AGENT",
    "BadCredentials",
    "Reply",
    "basic_authorization",
    "canonical_key",
    "destination_headers",
    "format_time",
    "now_time",
    "parse_iso_ms",
    "parse_time",
    "read_basic_key",
    "read_settings",
    "skew_corrected",
]

MESSAGE_TYPES = frozenset({"track", "identify", "page", "screen", "group", "alias"})
ACCEPTED_TYPES = frozenset({"track", "identify"})  # what the Spideo destination maps
TIME_FIELDS = ("timestamp", "originalTimestamp", "sentAt", "receivedAt")
USER_AGENT = "Segment.io/1.0"


# --- headers ---------------------------------------------------------------------------


def basic_authorization(api_key: str) -> str:
    """'Basic base64(apiKey:)': the key as username, an empty password, the colon kept."""
    return "Basic " + base64.b64encode(f"{api_key}:".encode()).decode()


def destination_headers(api_key: str, settings: dict[str, Any]) -> dict[str, str]:
    """Every header Segment sends with a message to a direct destination.

    `settings` are the destination's settings other than the key (for Spideo:
    {"client": ...}), sent base64-encoded as JSON in X-Segment-Settings."""
    return {
        "Authorization": basic_authorization(api_key),
        "X-Segment-Settings": base64.b64encode(orjson.dumps(settings)).decode(),
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Accept": "*/*",
        "Cache-Control": "no-cache",
        "Connection": "keep-alive",
    }


class BadCredentials(ValueError):
    """An Authorization header that holds no usable key; `reason` says why."""

    def __init__(self, reason: Literal["missing", "scheme", "encoding"]) -> None:
        super().__init__(reason)
        self.reason = reason


def read_basic_key(header: str | None) -> str:
    """The key from 'Authorization: Basic base64(key:)'.

    Raises BadCredentials: 'missing' (no header or an empty key), 'scheme' (not Basic),
    'encoding' (not base64 of UTF-8)."""
    if not header:
        raise BadCredentials("missing")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic" or not token.strip():
        raise BadCredentials("scheme")
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except ValueError:  # not base64 (binascii.Error), not ASCII, or not UTF-8
        raise BadCredentials("encoding") from None
    key = decoded.partition(":")[0]
    if not key:
        raise BadCredentials("missing")
    return key


def read_settings(header: str) -> dict[str, Any]:
    """The settings object of an X-Segment-Settings header; ValueError saying why not."""
    decoded = orjson.loads(base64.b64decode(header, validate=True))
    if not isinstance(decoded, dict):
        raise ValueError("it is not a JSON object")
    return decoded


# --- times -----------------------------------------------------------------------------


def format_time(moment: datetime) -> str:
    """Segment's (and Spideo's) time form: UTC, milliseconds, 'Z'.

    2019-08-17T22:12:29.073Z"""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z")


def now_time() -> str:
    """The current time in Segment's form (for records that carry no time)."""
    return format_time(datetime.now(UTC))


def parse_time(value: Any) -> datetime | None:
    """An ISO-8601 date-time as an aware UTC datetime, or None if it is not one (naive
    means UTC)."""
    if not isinstance(value, str) or not 10 <= len(value) <= 40:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_iso_ms(text: str) -> int:
    """Epoch milliseconds of an ISO-8601 date-time (naive means UTC); ValueError if it
    is not one."""
    moment = parse_time(text)
    if moment is None:
        raise ValueError(f"not an ISO-8601 date-time: {text!r}")
    return int(moment.timestamp() * 1000)


T = TypeVar("T", int, datetime)


def skew_corrected(received_at: T, sent_at: T, original_timestamp: T) -> T:
    """Segment's clock-skew correction of a device's time:

        timestamp = receivedAt - (sentAt - originalTimestamp)

    The device's clock error cancels out (sentAt and originalTimestamp carry it), and
    the network latency remains. Works on epoch milliseconds and on datetimes."""
    return received_at - (sent_at - original_timestamp)


# --- field names -----------------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s_\-]")
_canonical: dict[str, str] = {}


def canonical_key(key: str) -> str:
    """The casing-free form of a field name: lower case, no '_', '-' or spaces, so that
    asset_id, assetId, AssetId and asset-id are one field."""
    found = _canonical.get(key)
    if found is None:
        found = _SEPARATORS.sub("", key).lower()
        if len(_canonical) < 50_000:
            _canonical[key] = found
    return found


# --- answers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """A destination's answer as the sender sees it: status, headers, decoded JSON body
    (None when the body is not JSON)."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def code(self) -> str | None:
        """The stable problem code of a refusal, an ignored or a duplicate message."""
        code = self.body.get("code") if isinstance(self.body, dict) else None
        return code if isinstance(code, str) else None

    @property
    def warnings(self) -> list[str]:
        """Codes of the problems an accepted message was recorded with."""
        problems = self.body.get("problems") if isinstance(self.body, dict) else None
        return [p["code"] for p in problems or [] if isinstance(p, dict) and "code" in p]

    @property
    def problems(self) -> list[str]:
        """Every problem code this answer reports: a refusal's, a duplicate's, warnings."""
        refused = self.status >= 400 or (isinstance(self.body, dict)
                                         and self.body.get("status") == "duplicate")
        return ([self.code] if refused and self.code else []) + self.warnings
