"""The core's error tree.

CommanderError
 +-- ConfigError      a config or scenario file is wrong: names the file, key path and expectation
 +-- NotFound         a deploy, service or plan that does not exist
 +-- NoCommander      (rollout.rotation) nobody is on the rotation at that time
"""

from __future__ import annotations


class CommanderError(Exception):
    """Base for errors a user caused and can fix; the CLI prints them on one line."""


class ConfigError(CommanderError):
    """A file failed validation; the message names the file, the key path and what was expected."""


class NotFound(CommanderError):
    """Something named does not exist."""
