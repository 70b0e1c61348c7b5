"""Find and read the team config file; kept for callers of its old home, bot.settings owns it."""

from bot.settings import config_path, read_config

__all__ = ["config_path", "read_config"]
