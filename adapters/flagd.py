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

from rollout.config import KillSwitchFile
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
            definition = _flag(document, flag, self.path)
            if variant not in definition.get("variants", {}):
                known = ", ".join(definition.get("variants", {})) or "none"
                raise WorldError(
                    f"kill switch {flag}", f'has no variant "{variant}" (variants: {known})'
                )
            if definition.get("defaultVariant") == variant:
                return
            definition["defaultVariant"] = variant
            self._write(document)

    def is_off(self, flag: str) -> bool:
        """True when the flag's defaultVariant is the off variant."""
        return bool(_flag(self._read(), flag, self.path).get("defaultVariant") == self.off_variant)

    def _read(self) -> dict[str, Any]:
        try:
            document = json.loads(self.path.read_text())
        except FileNotFoundError:
            raise WorldError("kill switch", f"no flagd file at {self.path}") from None
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
