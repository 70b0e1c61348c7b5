"""A tiny team config and library for tuner tests: two quick scenarios on the team's plan."""

from __future__ import annotations

from pathlib import Path

CONFIG = """\
[team.stabilization]
minor = "2m"   # watched this long at 100%

[[plan.stages]]
kind = "traffic"
name = "canary"
percent = 5
bake = "2m"    # the canary bake
gate = "auto"

[[plan.stages]]
kind = "traffic"
name = "100%"
percent = 100
bake = "2m"
gate = "auto"

[policy]
evaluate_every = "5s"

[[policy.judges]]
kind = "sequential"
alpha = 0.01

[tune]
population = 3
bake = ["1m", "3m"]
evaluate_every = ["5s", "10s"]
"""
SCENARIO = """\
name = "{name}"
duration = "30m"

[fleet]
hosts = 40
rps = 2000
{faults}
[expect]
outcome = "{outcome}"
"""
FAULT = """
[[faults]]
kind = "error_rate"
rate = 0.05
"""


def tiny_setup(folder: Path) -> tuple[Path, Path]:
    """Write the config and a healthy and a faulty scenario; (config, scenarios folder)."""
    scenarios = folder / "scenarios"
    scenarios.mkdir()
    (scenarios / "healthy.toml").write_text(
        SCENARIO.format(name="healthy", faults="", outcome="promoted")
    )
    (scenarios / "bad.toml").write_text(
        SCENARIO.format(name="bad", faults=FAULT, outcome="rolled_back")
    )
    config = folder / "commander.toml"
    config.write_text(CONFIG)
    return config, scenarios
