"""Building the Bolt app logs nothing alarming: no "`token` will be unused" on every start."""

import logging
from pathlib import Path

from bot.app import build_app
from bot.services import build_services
from bot.settings import Settings
from bot.slack_client import make_web_client
from store.db import make_engine, upgrade
from store.repository import Repository

ROOT = Path(__file__).resolve().parents[2]


def test_building_the_app_logs_no_token_warning(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-env")  # as `commander serve` runs
    url = f"sqlite:///{tmp_path / 'c.db'}"
    upgrade(url)
    settings = Settings(
        bot_token="xoxb-from-env",
        signing_secret="secret",
        database_url=url,
        config_path=ROOT / "commander.toml",
    )
    services = build_services(settings, Repository(make_engine(url)), make_web_client(settings))
    with caplog.at_level(logging.DEBUG, logger="slack_bolt"):
        app = build_app(settings, services)
        logging.getLogger("slack_bolt.App").warning("another warning still shows")
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == ["another warning still shows"]
    assert app.client is services.client


def test_the_filter_is_added_once_however_many_apps_are_built(tmp_path):
    url = f"sqlite:///{tmp_path / 'c.db'}"
    upgrade(url)
    settings = Settings(
        bot_token="xoxb-test",
        signing_secret="secret",
        database_url=url,
        config_path=ROOT / "commander.toml",
    )
    for _ in range(3):
        services = build_services(settings, Repository(make_engine(url)), make_web_client(settings))
        build_app(settings, services)
    assert len(logging.getLogger("slack_bolt.App").filters) == 1
