"""End-to-end fixtures: a fake Slack on loopback, team configs in a temp dir, and
`commander serve` subprocesses pointed at both. Tests talk to the bot only as Slack does."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from store.db import temporary_database
from tests.e2e.botserver import BotServer, base_env, new_secret
from tests.e2e.chat import Chat
from tests.e2e.oracle import StoreOracle
from tests.e2e.teamconfig import ADMIN, COMMANDER, STRANGER, team_config
from tests.slackfake import FakeSlack

USERS = {
    COMMANDER: {"name": "alice", "real_name": "Alice Commander"},
    STRANGER: {"name": "bob", "real_name": "Bob Bystander"},
    ADMIN: {"name": "ada", "real_name": "Ada Admin", "is_admin": True},
}

Launch = Callable[..., BotServer]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):  # type: ignore[no-untyped-def]
    """Keep each phase's report on the item, so teardown knows whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack(users=USERS) as fake:
        yield fake


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'c.db'}"


@pytest.fixture
def launch(
    fake_slack: FakeSlack, tmp_path: Path, sqlite_url: str, request: pytest.FixtureRequest
) -> Iterator[Launch]:
    """Start `commander serve` processes; on failure, print what each wrote to stderr."""
    servers: list[BotServer] = []

    def start(
        config: str | None = None,
        *,
        database_url: str | None = None,
        name: str = "bot",
        secret: str | None = None,
        **env: str,
    ) -> BotServer:
        config_path = tmp_path / f"{name}.toml"
        config_path.write_text(config or team_config())
        environment = base_env(
            fake_slack.api_url, database_url or sqlite_url, config_path, secret or new_secret()
        )
        server = BotServer({**environment, **env}, tmp_path, name)
        servers.append(server)
        return server.start()

    yield start
    failed = any(
        getattr(request.node, f"rep_{p}", None) and getattr(request.node, f"rep_{p}").failed
        for p in ("setup", "call")
    )
    for server in servers:
        server.close()
        if failed:
            print(f"\n----- {server.name} output -----\n{server.output()}")
    if failed:
        print(f"\n----- fake Slack calls -----\n{fake_slack.log.describe(80)}")


@pytest.fixture
def bot(launch: Launch) -> BotServer:
    """One bot with the default e2e team config (open all day, 2s bakes)."""
    return launch()


@pytest.fixture
def chat(fake_slack: FakeSlack, bot: BotServer) -> Chat:
    return Chat(fake_slack, bot)


@pytest.fixture
def store(sqlite_url: str) -> Iterator[StoreOracle]:
    oracle = StoreOracle(sqlite_url)
    yield oracle
    oracle.close()


@pytest.fixture
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A fresh database on the PostgreSQL server (tests/postgres.py), dropped afterwards."""
    with temporary_database(postgres_server_url, "e2e") as url:
        yield url

# A real Prometheus and its test exporter, for the modules that ask for them.
from tests.e2e.prometheus_fixtures import exporter, prometheus  # noqa: E402, F401
