"""Kill switches in an OpenFeature flagd flag-definition file.

A flip sets the flag's `defaultVariant` to the configured off (or on) variant and rewrites the
file atomically: a temp file in the same directory, then os.replace, so flagd and the flagd
providers watching the file never read half of it.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from rollout.config import KillSwitchFile, TeamConfig
from rollout.errors import WorldError

_LOCK = threading.Lock()  # one writer at a time in this process; os.replace keeps readers whole


class FlagdKillSwitches:
    """rollout.ports.KillSwitches over one flagd JSON file."""

    def __init__(self, settings: KillSwitchFile) -> None:
        self.path = Path(settings.path)
        self.off_variant = settings.off_variant
        self.on_variant = settings.on_variant

    def set_kill_switch(self, service: str, flag: str, off: bool) -> None:
        """Point the flag's defaultVariant at off (or on); a no-op when it already is."""
        variant = self.off_variant if off else self.on_variant
        with _LOCK:
            document = self._read()
            problem = flag_problem(document, flag, variant, self.path)
            if problem:
                raise WorldError(f"kill switch {flag}", problem)
            definition = _flag(document, flag, self.path)
            if definition.get("defaultVariant") == variant:
                return
            definition["defaultVariant"] = variant
            self._write(document)

    def problem(self, flag: str, off: bool) -> str | None:
        """Why the flag cannot be turned off (or on) now, or None if it can."""
        try:
            document = self._read()
        except WorldError as exc:
            return exc.detail
        return flag_problem(document, flag, self.off_variant if off else self.on_variant, self.path)

    def read(self) -> dict[str, Any]:
        """The flagd document, or WorldError saying why it cannot be read."""
        return self._read()

    def is_off(self, flag: str) -> bool:
        """True when the flag's defaultVariant is the off variant."""
        return bool(_flag(self._read(), flag, self.path).get("defaultVariant") == self.off_variant)

    def _read(self) -> dict[str, Any]:
        try:
            document = json.loads(self.path.read_text())
        except FileNotFoundError:
            raise WorldError("kill switch", f"no flagd file at {self.path}") from None
        except OSError as exc:
            raise WorldError("kill switch", f"cannot read {self.path}: {exc.strerror}") from None
        except json.JSONDecodeError as exc:
            raise WorldError("kill switch", f"{self.path} is not JSON ({exc.msg})") from None
        if not isinstance(document, dict) or not isinstance(document.get("flags"), dict):
            raise WorldError("kill switch", f'{self.path} has no "flags" object')
        return document

    def _write(self, document: dict[str, Any]) -> None:
        directory = self.path.parent
        fd, temp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=directory)
        try:
            with os.fdopen(fd, "w") as out:
                json.dump(document, out, indent=2)
                out.write("\n")
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, self.path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise


def _flag(document: dict[str, Any], flag: str, path: Path) -> dict[str, Any]:
    definition = document["flags"].get(flag)
    if not isinstance(definition, dict):
        raise WorldError(f"kill switch {flag}", f"no flag {flag} in {path}")
    return definition


def flag_problem(document: dict[str, Any], flag: str, variant: str, path: Path) -> str | None:
    """Why `flag` cannot be set to `variant` in the flagd document, or None if it can."""
    definition = document["flags"].get(flag)
    if not isinstance(definition, dict):
        return f"no flag {flag} in {path}"
    variants = definition.get("variants")
    if not isinstance(variants, dict) or variant not in variants:
        known = ", ".join(variants) if isinstance(variants, dict) and variants else "none"
        return f'flag {flag} in {path} has no "{variant}" variant (variants: {known})'
    return None


def kill_switch_problems(config: TeamConfig) -> list[str]:
    """config check: every service's kill switch exists in the flagd file with both variants."""
    flags = [(s.name, f) for s in config.services for f in s.kill_switches]
    if not flags:
        return []
    settings = config.flagd
    try:
        document = FlagdKillSwitches(settings).read()
    except WorldError as exc:
        return [f"flagd.path: {exc.detail}"]
    problems = []
    for service, flag in flags:
        for variant in (settings.off_variant, settings.on_variant):
            problem = flag_problem(document, flag, variant, Path(settings.path))
            if problem:
                problems.append(f"services.{service}.kill_switches: {problem}")
                break
    return problems
