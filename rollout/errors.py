"""The core's error tree.

CommanderError
 +-- ConfigError      a config or scenario file is wrong: names the file, key path and expectation
 +-- NotFound         a deploy, service or plan that does not exist
 +-- NoCommander      (rollout.rotation) nobody is on the rotation at that time
 +-- WorldError       a deployer, metrics source or flag store failed; `detail` is safe to show
"""

from __future__ import annotations


class CommanderError(Exception):
    """Base for errors a user caused and can fix; the CLI prints them on one line."""


class ConfigError(CommanderError):
    """A file failed validation; the message names the file, the key path and what was expected."""


class NotFound(CommanderError):
    """Something named does not exist."""


class WorldError(CommanderError):
    """An adapter of the world failed; the message is safe to show (no secrets)."""

    def __init__(self, action: str, detail: str) -> None:
        super().__init__(f"{action} failed: {detail}")
        self.action = action
        self.detail = detail


class InvalidAt(ValueError):
    """Raised by a model validator to blame one key below the model, e.g. ("services", 1).

    The parser adds `loc` to the model's own location, so the error names only that key path
    instead of the whole model.
    """

    def __init__(self, loc: tuple[int | str, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc
