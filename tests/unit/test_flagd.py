"""The flagd kill-switch adapter: defaultVariant flips, atomic writes, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.flagd import FlagdKillSwitches
from rollout.config import KillSwitchFile
from rollout.errors import WorldError


def flags_file(tmp_path: Path) -> Path:
    path = tmp_path / "flags.json"
    document = {
        "$schema": "https://flagd.dev/schema/v0/flags.json",
        "flags": {
            "new-checkout": {
                "state": "ENABLED",
                "variants": {"enabled": True, "disabled": False},
                "defaultVariant": "enabled",
                "targeting": {"if": [{"==": [{"var": "tier"}, "beta"]}, "enabled", None]},
            }
        },
        "metadata": {"owner": "payments"},
    }
    path.write_text(json.dumps(document))
    return path


def switches(path: Path) -> FlagdKillSwitches:
    return FlagdKillSwitches(
        KillSwitchFile(path=str(path), off_variant="disabled", on_variant="enabled")
    )


def test_a_flip_sets_default_variant_and_keeps_everything_else(tmp_path: Path) -> None:
    path = flags_file(tmp_path)
    before = json.loads(path.read_text())
    switches(path).set_kill_switch("checkout", "new-checkout", off=True)
    after = json.loads(path.read_text())
    assert after["flags"]["new-checkout"]["defaultVariant"] == "disabled"
    before["flags"]["new-checkout"]["defaultVariant"] = "disabled"
    assert after == before  # targeting, metadata and $schema untouched
    assert switches(path).is_off("new-checkout")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["flags.json"]  # no temp file left


def test_the_file_is_replaced_not_rewritten_in_place(tmp_path: Path) -> None:
    path = flags_file(tmp_path)
    inode = path.stat().st_ino
    switches(path).set_kill_switch("checkout", "new-checkout", off=True)
    assert path.stat().st_ino != inode  # os.replace of a new file: readers see old or new


def test_flipping_to_the_current_variant_leaves_the_file_alone(tmp_path: Path) -> None:
    path = flags_file(tmp_path)
    inode = path.stat().st_ino
    switches(path).set_kill_switch("checkout", "new-checkout", off=False)
    assert path.stat().st_ino == inode


def test_unknown_flags_variants_and_files_are_world_errors(tmp_path: Path) -> None:
    path = flags_file(tmp_path)
    with pytest.raises(WorldError, match="no flag nope"):
        switches(path).set_kill_switch("checkout", "nope", off=True)
    wrong = FlagdKillSwitches(KillSwitchFile(path=str(path)))  # variants "off"/"on" not there
    with pytest.raises(WorldError, match='has no "off" variant'):
        wrong.set_kill_switch("checkout", "new-checkout", off=True)
    with pytest.raises(WorldError, match="no flagd file"):
        switches(tmp_path / "missing.json").set_kill_switch("checkout", "new-checkout", True)
