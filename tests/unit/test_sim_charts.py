"""Charts are drawn from result records and say what happened at a glance."""

from __future__ import annotations

import subprocess
import sys

import pytest

from rollout.config import TeamConfig
from sim.charts import (
    rollback_at,
    run_figure,
    save,
    summary_figure,
    write_validation_report,
    zoom_window,
)
from sim.report import summarize
from sim.runner import run
from sim.scenario import parse_scenario

SHORT_PLAN = """
[fleet]
hosts = 50
rps = 2000

[release]
stages = [
  { kind = "traffic", name = "canary", percent = 5, bake = "10m", gate = "auto" },
  { kind = "traffic", name = "100%", percent = 100, bake = "3m", gate = "auto" },
]
"""
BAD = (
    'name = "bad-canary"\nduration = "1h"\n'
    + SHORT_PLAN
    + """
[[faults]]
kind = "error_rate"
rate = 0.05
from_percent = 100  # a fault that only shows at full load, ten minutes in

[expect]
outcome = "rolled_back"
"""
)
GOOD = 'name = "good-release"\nduration = "1h"\n' + SHORT_PLAN


@pytest.fixture(scope="module")
def rolled_back():
    return run(parse_scenario(BAD, "bad.toml"), TeamConfig(), seed=3)


@pytest.fixture(scope="module")
def promoted():
    return run(parse_scenario(GOOD, "good.toml"), TeamConfig(), seed=3)


def legend_labels(figure) -> list[str]:
    return [text.get_text() for legend in figure.legends for text in legend.get_texts()]


class TestRunChart:
    def test_a_rollback_shows_error_rates_traffic_and_the_three_event_markers(self, rolled_back):
        assert rolled_back.outcome == "rolled_back"
        labels = legend_labels(run_figure(rolled_back))
        for label in ("old version error rate", "new version error rate", "fault onset",
                      "detected", "rolled back", "external traffic on new version"):  # fmt: skip
            assert label in labels

    def test_error_rates_use_a_log_axis_and_traffic_a_percentage(self, rolled_back):
        figure = run_figure(rolled_back)
        top, bottom = figure.axes[0], figure.axes[2]  # rows: whole run, then its zoom
        assert top.get_yscale() == "log"
        assert "%" in bottom.get_ylabel() and "minutes" in bottom.get_xlabel()

    def test_the_title_names_the_scenario_and_its_outcome(self, rolled_back):
        title = run_figure(rolled_back).get_suptitle()
        assert "bad-canary" in title and "rolled back" in title and "detected" in title

    def test_a_short_incident_in_a_long_run_gets_a_zoom_panel(self, rolled_back):
        lo, hi = zoom_window(rolled_back)
        assert lo * 60 <= rolled_back.fault_onset_s <= rollback_at(rolled_back) <= hi * 60
        assert len(run_figure(rolled_back).axes) == 4

    def test_a_promoted_release_has_no_markers_and_no_zoom(self, promoted):
        assert promoted.outcome == "promoted"
        figure = run_figure(promoted)
        assert len(figure.axes) == 2
        assert not {"fault onset", "detected", "rolled back"} & set(legend_labels(figure))
        assert "promoted" in figure.get_suptitle()

    def test_every_stage_boundary_is_named(self, promoted):
        names = {text.get_text() for text in run_figure(promoted).axes[0].texts}
        assert {"canary", "100%"} <= names

    def test_traffic_is_scaled_to_its_peak_so_a_small_canary_stays_visible(self):
        canary_only = GOOD.replace('percent = 100, bake = "3m"', 'percent = 5, bake = "1m"')
        canary_only = canary_only.replace('name = "100%"', 'name = "still-5%"')
        result = run(parse_scenario(canary_only, "small.toml"), TeamConfig(), seed=3)
        bottom = run_figure(result).axes[1]
        assert bottom.get_ylim()[1] <= 10

    def test_a_run_without_a_series_cannot_be_charted(self):
        bare = run(parse_scenario(GOOD, "good.toml"), TeamConfig(), seed=1, keep_series=False)
        with pytest.raises(ValueError, match="kept no series"):
            run_figure(bare)

    def test_rollback_time_is_fault_onset_plus_time_to_mitigate(self, rolled_back, promoted):
        expected = rolled_back.fault_onset_s + rolled_back.time_to_mitigate_s
        assert rollback_at(rolled_back) == pytest.approx(expected)
        assert rollback_at(promoted) is None

    def test_saving_writes_a_png(self, rolled_back, tmp_path):
        path = save(run_figure(rolled_back), tmp_path / "charts" / "run.png")
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


class TestSummaryChart:
    def summaries(self, rolled_back, promoted):
        """Three scenarios; the second is a healthy release that rolled back, so it fails."""
        good = parse_scenario(GOOD, "good.toml")
        return [
            summarize(parse_scenario(BAD, "bad.toml"), [rolled_back]),
            summarize(good.model_copy(update={"name": "good-but-rolled-back"}), [rolled_back]),
            summarize(good, [promoted]),
        ]

    def test_one_row_per_scenario_named_on_the_axis(self, rolled_back, promoted):
        figure = summary_figure(self.summaries(rolled_back, promoted))
        names = [t.get_text() for t in figure.axes[0].get_yticklabels()]
        assert names == ["bad-canary", "good-but-rolled-back", "good-release"]

    def test_the_title_says_how_many_scenarios_fail(self, rolled_back, promoted):
        title = summary_figure(self.summaries(rolled_back, promoted)).get_suptitle()
        assert "1 scenario(s) FAIL" in title

    def test_the_report_folder_gets_a_chart_per_scenario_and_a_summary(
        self, rolled_back, promoted, tmp_path
    ):
        written = write_validation_report(
            tmp_path, [rolled_back, promoted], self.summaries(rolled_back, promoted)
        )
        assert sorted(p.name for p in written) == [
            "bad-canary.png", "good-release.png", "summary.png"
        ]  # fmt: skip


def test_importing_the_charts_module_does_not_load_matplotlib():
    code = "import sys, sim.charts; print('matplotlib' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
