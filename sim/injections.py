"""Faults a trainer injects into a running drill, at a simulated time.

An injection is any fault of the scenario format (the same kinds and keys) plus `at_s`, the
simulated seconds since the drill started. As JSON (what a drill stores and
`commander sim run --injections FILE` reads), a list of flat objects, oldest first:
    {"at_s": 600.0, "kind": "error_rate", "rate": 0.02, "audience": "external"}
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, get_args

from pydantic import BaseModel, TypeAdapter

from rollout.errors import ConfigError
from rollout.parsing import json_list, validate
from sim.scenario import Fault

FAULT_MODELS: dict[str, type[BaseModel]] = {
    cls.model_fields["kind"].default: cls
    for cls in get_args(get_args(Fault)[0])  # Fault is Annotated[Union[...], Field(...)]
}


@dataclass(frozen=True)
class Injection:
    """A fault injected by a trainer at simulated time `at_s`."""

    at_s: float
    fault: Fault

    def to_json(self) -> dict[str, Any]:
        """A flat JSON object: at_s and the fault's keys as the scenario format writes them."""
        return {"at_s": self.at_s, **self.fault.model_dump(mode="json")}

    @classmethod
    def from_json(cls, data: Any, source: str) -> Injection:
        """An injection from a JSON object; errors name the source and the key."""
        if not isinstance(data, Mapping):
            raise ConfigError(f"{source}: expected an object, got {type(data).__name__}")
        settings = dict(data)
        at_s = settings.pop("at_s", None)
        kind = settings.pop("kind", None)
        if not isinstance(kind, str):
            raise ConfigError(f"{source}: kind: expected a fault kind ({kinds()})")
        return parse_injection(kind, settings, _seconds(at_s, source), source)


def kinds() -> str:
    """The fault kinds, for error messages."""
    return ", ".join(FAULT_MODELS)


def parse_injection(
    kind: str, settings: Mapping[str, Any], at_s: float, source: str | None = None
) -> Injection:
    """Validate a fault with the scenario's models; a bad kind lists the kinds.

    A bad key or value raises ConfigError naming it, e.g.
    "inject error_rate: rate: expected a number from 0 to 1, got 2".
    """
    where = source or f"inject {kind}"
    model = FAULT_MODELS.get(kind)
    if model is None:
        raise ConfigError(f'{where}: no fault kind "{kind}" (kinds: {kinds()})')
    if "kind" in settings:
        raise ConfigError(f"{where}: kind: give the fault kind once, before the settings")
    fault = validate(model, {"kind": kind, **settings}, where, reference="commander sim reference")
    return Injection(at_s, _as_fault(fault))


def _seconds(value: Any, source: str) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or value < 0:
        raise ConfigError(f"{source}: at_s: expected simulated seconds (0 or more), got {value!r}")
    return float(value)


def dumps(injections: Sequence[Injection]) -> str:
    """The injections as pretty JSON."""
    return json.dumps([i.to_json() for i in injections], indent=2) + "\n"


def loads(text: str, source: str) -> list[Injection]:
    """Injections from JSON text; a bad file names the source, the index and the key."""
    data = json_list(text, source, "injections")
    injections = [Injection.from_json(item, f"{source}: [{i}]") for i, item in enumerate(data)]
    times = [i.at_s for i in injections]
    if times != sorted(times):
        raise ConfigError(f"{source}: injections must be in time order (at_s never decreases)")
    return injections


def _as_fault(model: BaseModel) -> Fault:
    """The validated model as the Fault union (an instance of one member passes unchanged)."""
    fault: Fault = TypeAdapter(Fault).validate_python(model)
    return fault
