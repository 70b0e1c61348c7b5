"""`commander shell`: a newcomer drives a real deploy in a terminal, with no Slack workspace."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.botserver import commander
from tests.e2e.shellprocess import ShellProcess
from tests.e2e.teamconfig import ADMIN, COMMANDER, STRANGER, team_config, traffic

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "commander.toml"
    path.write_text(team_config())  # open all day, 2 s bakes, the checklist → 100% plan
    return path


@pytest.fixture
def shell(config: Path) -> Iterator[ShellProcess]:
    process = ShellProcess("--config", str(config), "--as", f"@{COMMANDER}")
    yield process
    process.kill()


def button(shell: ShellProcess, label: str) -> str:
    """The number of the next button with this label."""
    return shell.expect(rf"\[(\d+)\] {label}").group(1)


def test_a_deploy_from_start_to_canary_in_the_shell(shell: ShellProcess) -> None:
    shell.expect(f"You are @{COMMANDER}")
    shell.send("/deploy start api 2.4.0")
    shell.expect(r"only visible to you.*?Started api 2\.4\.0 in #deploys")
    shell.expect(r"#deploys · thread 1 .*?api 2\.4\.0.*?release-branch")  # the card
    shell.expect(r"↳ in thread 1 · api 2\.4\.0.*?Stage 1/4 · release-branch")
    ticks = [button(shell, "Tick"), button(shell, "Tick")]

    shell.send(f"as @{STRANGER}")
    shell.send("confirm")  # a thread reply from someone who does not command this deploy
    shell.expect(rf"only visible to you \(@{STRANGER}\).*?commander \(@{COMMANDER}\)")

    shell.send(f"as @{COMMANDER}")
    for number in ticks:
        shell.send(f"click {number}")
    shell.expect(r"checklist complete")
    shell.send("confirm")
    shell.expect(r"Stage 2/4 · staging")
    mark = shell.position  # the card's update and the smoke result may come in either order
    shell.expect(r"#deploys · thread 1 · updated.*?staging")  # the card, re-rendered
    shell.position = mark
    shell.expect(r"staging: smoke test passed\. Confirm to go on\.")
    shell.send(f"click {button(shell, 'Confirm')}")
    shell.expect(r"Stage 3/4 · canary")
    # Nothing typed from here: the worker's bake timer fires and its post shows up.
    shell.expect(r"canary baked.*?Confirm to go on", timeout=30)
    shell.send("quit")
    assert shell.finish() == 0


def test_slash_commands_answer_only_the_caller_and_ctrl_d_leaves(shell: ShellProcess) -> None:
    shell.send("/deploy status")
    shell.expect(r"only visible to you.*?No deploys in flight\.")
    shell.send("/deploy history api")
    shell.expect(r"No releases of api recorded yet\.")
    shell.send("/other thing")
    shell.expect(r"this app has only /deploy")
    shell.send("click 99")
    shell.expect(r"No button \[99\]")
    assert shell.finish() == 0  # end of input, as Ctrl-D


def test_an_admin_forces_a_start_and_a_held_deploy_is_refused_to_others(config: Path) -> None:
    shell = ShellProcess("--config", str(config), "--as", f"@{ADMIN}")
    try:
        shell.send("/deploy start api 2.4.0")
        shell.expect(r"↳ in thread 1")
        shell.send(f"as @{COMMANDER}")
        shell.send("hold")
        shell.expect(r"Held: held by @U0ALICE01")
        shell.expect(r"thread 1 · updated.*?held")
        shell.send(f"as @{STRANGER}")
        shell.send("resume")
        shell.expect(rf"only visible to you \(@{STRANGER}\).*?may resume")
        shell.send("threads")
        shell.expect(r"→ thread 1 · api 2\.4\.0")
        shell.send("home")  # an app_home_opened event; the bot publishes the view
        shell.expect(rf"App Home of @{STRANGER}.*?In flight.*?api 2\.4\.0")
        shell.send("quit")
        assert shell.finish() == 0
    finally:
        shell.kill()


def test_the_example_config_runs_in_the_shell() -> None:
    shell = ShellProcess(cwd=ROOT)  # ./commander.toml, the commander on the rotation now
    try:
        shell.expect(r"You are @U0\w+")
        shell.send("help")
        shell.expect(r"click N")
        shell.send("/deploy who")
        shell.expect(r"only visible to you.*?Deploy commander now: @U0\w+")
        shell.send(f"as @{ADMIN}")
        shell.send('/deploy start api 2.4.0 --force "trying the shell"')
        shell.expect(r"#deploys · thread 1.*?api 2\.4\.0")
        shell.expect(r"Stage 1/9 · release-branch")
        shell.send("quit")
        assert shell.finish() == 0
    finally:
        shell.kill()


def test_skip_moves_the_bots_clock_so_a_long_bake_ends(tmp_path: Path) -> None:
    config = tmp_path / "long-bake.toml"
    config.write_text(team_config(plan=[traffic("canary", 10, bake="10m"), traffic("100%", 100)]))
    shell = ShellProcess("--config", str(config), "--as", f"@{COMMANDER}")
    try:
        shell.send("/deploy start api 2.4.0")
        shell.expect(r"Stage 1/2 · canary: 10% of all traffic, bake 10 min")
        shell.send("skip 10m")
        shell.expect(r"Skipped 10m: the bot's clock now reads")
        shell.expect(r"canary: .*?Confirm to go on", timeout=30)
        shell.send("skip soon")
        shell.expect(r'skip: expected a duration such as "30s"')
        shell.send("quit")
        assert shell.finish() == 0
    finally:
        shell.kill()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--as", "alice"), "--as alice: expected a Slack user id"),
        (("--config", "no-such.toml"), "no-such.toml: file not found"),
        (("--database", "nonsense"), '--database: "nonsense" is not a database URL'),
        (("--database", "mysql://u:pw@db/x"), "u:***@db/x: the mysql driver is not installed"),
    ],
)
def test_bad_shell_arguments_are_one_line_and_exit_2(
    tmp_path: Path, args: tuple[str, ...], says: str
) -> None:
    result = commander("shell", *args, env={"PATH": "/usr/bin:/bin"}, timeout=60)
    assert result.returncode == 2
    assert says in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_cli_help_lists_the_shell() -> None:
    result = commander("--help", env={"PATH": "/usr/bin:/bin"}, timeout=60)
    assert "shell" in result.stdout and "Try the bot without Slack" in result.stdout
