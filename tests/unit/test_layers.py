"""The house: each package imports only what docs/architecture.md says it may, with no cycles."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import layers

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 400
LONG_ON_PURPOSE = {"rollout/machine.py", "rollout/config.py"}  # the decision and its config
LARGEST_SHARE = 0.35  # no one package may grow into the house again


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for package in layers.MAY_IMPORT:
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return tmp_path


class TestTheTree:
    def test_no_import_breaks_the_table(self) -> None:
        assert layers.violations(ROOT) == []

    def test_no_import_cycles(self) -> None:
        assert layers.cycles(ROOT) == []

    def test_every_package_is_in_the_table(self) -> None:
        packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "bench"}
        assert packages == set(layers.MAY_IMPORT)

    def test_no_module_is_over_the_limit(self) -> None:
        long = {
            str(path.relative_to(ROOT)): n
            for name, path in layers.modules(ROOT).items()
            if (n := len(path.read_text().splitlines())) > LIMIT
        }
        assert {k: v for k, v in long.items() if k not in LONG_ON_PURPOSE} == {}

    def test_no_package_holds_more_than_its_share(self) -> None:
        lines: dict[str, int] = {}
        for name, path in layers.modules(ROOT).items():
            package = name.split(".")[0]
            lines[package] = lines.get(package, 0) + len(path.read_text().splitlines())
        total = sum(lines.values())
        assert {p: round(n / total, 3) for p, n in lines.items() if n > LARGEST_SHARE * total} == {}

    def test_the_docs_draw_the_same_table(self) -> None:
        doc = (ROOT / "docs" / "architecture.md").read_text()
        for package, allowed in layers.MAY_IMPORT.items():
            row = f"| `{package}/` |"
            line = next((ln for ln in doc.splitlines() if ln.startswith(row)), None)
            assert line is not None, f"docs/architecture.md has no row for {package}/"
            cell = line.split("|")[3]
            named = {w.strip(" `/") for w in cell.split(",") if w.strip(" `/—")}
            assert named == set(allowed), f"{package}: the docs say {named}"


class TestTheRulesCatchBadImports:
    """The checker itself: each kind of bad import is reported where it stands."""

    @pytest.mark.parametrize(
        ("path", "text", "expected"),
        [
            ("rollout/x.py", "import bot.app\n", "rollout.x:1 imports bot.app (rollout may not)"),
            ("sim/x.py", "from store import db\n", "sim.x:1 imports store (sim may not)"),
            ("store/x.py", "\n\nimport sim\n", "store.x:3 imports sim (store may not)"),
            ("agent/x.py", "import slack_sdk\n", "agent.x:1 imports slack_sdk (no slack_sdk"),
            ("agent/x.py", "def f():\n    from bot import app\n", "agent.x:2 imports bot"),
            ("adapters/x.py", "from ..bot import app\n", "adapters.x:1 imports bot"),
            ("rollout/x.py", "import simpy\n", "rollout.x:1 imports simpy (no simpy in"),
        ],
    )
    def test_a_bad_import_is_named(
        self, tmp_path: Path, path: str, text: str, expected: str
    ) -> None:
        found = layers.violations(_tree(tmp_path, {path: text}))
        assert any(v.startswith(expected) for v in found), found

    def test_an_allowed_import_passes(self, tmp_path: Path) -> None:
        tree = _tree(tmp_path, {"bot/x.py": "from sim import y\nimport slack_sdk\n"})
        assert layers.violations(tree) == []

    def test_a_cycle_through_a_lazy_import_is_found(self, tmp_path: Path) -> None:
        tree = _tree(
            tmp_path,
            {
                "bot/a.py": "from bot import b\n",
                "bot/b.py": "def f():\n    from bot.c import x\n",
                "bot/c.py": "import bot.a\n",
            },
        )
        assert layers.cycles(tree) == [["bot.a", "bot.b", "bot.c"]]
