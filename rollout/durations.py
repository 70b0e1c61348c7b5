"""Human durations such as "90s", "10m", "2h30m" or "14d", parsed to timedelta."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, ValidationInfo, WithJsonSchema

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
UNIT_WORDS = "ms, s, m, h, d, w"
EXAMPLES = '"30s", "10m", "2h" or "14d"'
PATTERN = r"^\s*(\d+(\.\d+)?\s*(ms|s|m|h|d|w)\s*)+$"
FROM_FILE = "from_file"  # validation context key: the data came from a file a person wrote
MAX_DAYS = 3650  # ten years: beyond any window, shift or freeze, and within what dates can hold


def parse_duration(text: str) -> timedelta:
    """Parse "1h30m" style text into a timedelta; raise ValueError with the expected form."""
    compact = text.strip().replace(" ", "")
    parts = _PART.findall(compact)
    if not compact or "".join(n + u for n, u in parts) != compact:
        raise ValueError(
            f'expected a duration such as {EXAMPLES} (units: {UNIT_WORDS}), got "{text}"'
        )
    seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    if seconds > MAX_DAYS * 86400:
        raise ValueError(f'expected a duration of at most {MAX_DAYS}d (ten years), got "{text}"')
    return timedelta(seconds=seconds)


def format_duration(delta: timedelta) -> str:
    """Render a timedelta compactly, e.g. 1h30m, 45s, 14d."""
    total = delta.total_seconds()
    if total < 1 and total != 0:
        return f"{total * 1000:g}ms"
    out, rest = [], int(round(total))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if rest >= size:
            out.append(f"{rest // size}{unit}")
            rest %= size
    return "".join(out) or "0s"


def _coerce(value: Any, info: ValidationInfo) -> Any:
    """A timedelta from text; code may pass seconds as a number, a file must name the unit."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, str):
        return parse_duration(value)
    from_file = bool(info.context and info.context.get(FROM_FILE))
    if isinstance(value, int | float) and not isinstance(value, bool) and not from_file:
        return timedelta(seconds=value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(
            f'expected a duration with a unit, such as "{value:g}s" or "{value:g}m" '
            f"(units: {UNIT_WORDS}), got {value:g}"
        )
    raise ValueError(f"expected a duration such as {EXAMPLES} (units: {UNIT_WORDS}), got {value!r}")


Duration = Annotated[
    timedelta,
    BeforeValidator(_coerce),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": PATTERN,
            "description": f"A duration with a unit ({UNIT_WORDS}), e.g. {EXAMPLES}, or 1h30m; "
            f"at most {MAX_DAYS}d",
        }
    ),
]
