"""The one config validation refuses what serve, shell and sim would refuse, naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config_checks import load_config
from rollout.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]

PLAN_TO_100 = '[[plan.stages]]\nkind = "traffic"\nname = "all"\npercent = 100\n'

BAD = {
    "unknown deployer kind": (
        '[[services]]\nname = "api"\ndeployer = { kind = "teleport" }\n',
        'services.api.deployer.kind: expected "log", "command", "webhook" or "etcd", '
        'got "teleport"',
    ),
    "prometheus url": (
        '[[services]]\nname = "api"\n'
        'metrics = { kind = "prometheus", settings = { url = "not a url" } }\n',
        "services.api.metrics.settings.url:",
    ),
    "cycle": (
        '[[services]]\nname = "a"\ndepends_on = ["b"]\n'
        '[[services]]\nname = "b"\ndepends_on = ["a"]\n',
        "services[0].depends_on: a cycle: a → b → a",
    ),
    "self dependency": (
        '[[services]]\nname = "a"\ndepends_on = ["a"]\n',
        "services[0].depends_on[0]: a depends on itself",
    ),
    "duplicate name": (
        '[[services]]\nname = "a"\n[[services]]\nname = "a"\n',
        'services[1].name: "a" is declared twice',
    ),
    "admin name": ('[team]\nadmins = ["alice"]\n', "team.admins[0]: expected Slack user ids"),
    "roster names": (
        '[rotation]\nroster = ["U0ALICE01", "bob"]\n',
        'rotation.roster[1]: expected Slack user ids such as "U0ALICE01" or user group ids '
        'such as "S0DEPLOY1", got "bob"',
    ),
    "command deployer without settings": (
        '[[services]]\nname = "api"\ndeployer = { kind = "command" }\n',
        "services.api.deployer.settings: a command deployer needs at least one command",
    ),
    "zero evaluate_every": (
        '[policy]\nevaluate_every = "0s"\n',
        'policy.evaluate_every: expected a positive duration such as "5s", got 0s',
    ),
}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "team.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("case", sorted(BAD))
def test_each_problem_is_refused_with_its_key_path(tmp_path: Path, case: str) -> None:
    text, expected = BAD[case]
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert expected in str(caught.value)


def test_a_plan_ending_at_10_percent_is_refused(tmp_path: Path) -> None:
    text = '[[plan.stages]]\nkind = "traffic"\nname = "10%"\npercent = 10\n'
    with pytest.raises(ConfigError, match=r"plan.stages\[0\]: the last traffic stage must send"):
        load_config(write(tmp_path, text))


def test_a_named_plan_ending_at_internal_users_is_refused(tmp_path: Path) -> None:
    text = (
        '[plans.dogfood]\n[[plans.dogfood.stages]]\nkind = "traffic"\nname = "in"\n'
        'audience = "internal"\npercent = 100\n'
    )
    with pytest.raises(ConfigError, match=r"plans.dogfood.stages\[0\]: .*100% of internal"):
        load_config(write(tmp_path, text))


def test_every_problem_at_once_one_per_line(tmp_path: Path) -> None:
    text = '[team]\nadmins = ["alice"]\n[policy]\nevaluate_every = "0s"\n'
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text), every=True)
    lines = str(caught.value).splitlines()
    assert [line.split(": ")[1] for line in lines] == ["team.admins[0]", "policy.evaluate_every"]


def test_the_example_config_and_a_usergroup_pass(tmp_path: Path) -> None:
    assert load_config(ROOT / "commander.toml").services
    text = '[team]\nadmins = ["S0ADMINS1", "U0ADMIN01"]\n' + PLAN_TO_100
    assert load_config(write(tmp_path, text)).team.admins == ("S0ADMINS1", "U0ADMIN01")
