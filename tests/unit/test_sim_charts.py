"""Charts are drawn from result records and say what happened at a glance."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from rollout.config import Policy, SequentialJudge, TeamConfig
from sim.chart_signals import CLIPPED, FLOOR_MARK, traffic_steps
from sim.chart_summary import summary_figure
from sim.charts import (
    MIN_ZOOM_S,
    decision_window,
    events,
    rollback_at,
    run_figure,
    save,
    write_validation_report,
    zoom_window,
)
from sim.report import ScenarioSummary, Spread, summarize
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
SLOW = BAD.replace('name = "bad-canary"', 'name = "slow-canary"').replace(
    'kind = "error_rate"\nrate = 0.05\nfrom_percent = 100', 'kind = "latency"\nmultiplier = 2.0'
)
DOGFOOD = (
    GOOD.replace('name = "good-release"', 'name = "dogfood-spike"').replace(
        "stages = [",
        'stages = [\n  { kind = "traffic", name = "dogfood", percent = 100, audience = "internal",'
        ' bake = "5m", gate = "auto" },',
    )
    + '[[faults]]\nkind = "error_rate"\nrate = 0.05\naudience = "internal"\n'
)
ASKS = TeamConfig(policy=Policy(judges=(SequentialJudge(mode="recommend"),)))


@pytest.fixture(scope="module")
def rolled_back():
    return run(parse_scenario(BAD, "bad.toml"), TeamConfig(), seed=3)


@pytest.fixture(scope="module")
def promoted():
    return run(parse_scenario(GOOD, "good.toml"), TeamConfig(), seed=3)


@pytest.fixture(scope="module")
def slow():
    return run(parse_scenario(SLOW, "slow.toml"), TeamConfig(), seed=3)


@pytest.fixture(scope="module")
def dogfood():
    return run(parse_scenario(DOGFOOD, "dogfood.toml"), TeamConfig(), seed=3)


@pytest.fixture(scope="module")
def held():
    """A recommend-mode judge holds and asks; the scenario's commander then rolls back."""
    return run(parse_scenario(BAD, "bad.toml"), ASKS, seed=3)


def legend_labels(figure) -> list[str]:
    return [text.get_text() for legend in figure.legends for text in legend.get_texts()]


class TestRunChart:
    def test_a_rollback_shows_error_rates_traffic_and_the_three_event_markers(self, rolled_back):
        assert rolled_back.outcome == "rolled_back"
        labels = legend_labels(run_figure(rolled_back))
        for label in ("old version", "new version", "baseline error rate", "fault onset",
                      "detected", "rolled back (users safe)", "rolling back",
                      "customers' requests on new version"):  # fmt: skip
            assert label in labels

    def test_error_rates_use_a_log_axis_and_traffic_a_percentage(self, rolled_back):
        figure = run_figure(rolled_back)
        top, bottom = figure.axes[0], figure.axes[2]  # rows: whole run, then its zoom
        assert top.get_yscale() == "log"
        assert "%" in bottom.get_ylabel() and "m:ss" in bottom.get_xlabel()

    def test_the_title_names_the_scenario_and_its_outcome(self, rolled_back):
        title = run_figure(rolled_back).get_suptitle()
        assert "bad-canary" in title and "rolled back" in title and "detected" in title

    def test_a_short_incident_in_a_long_run_gets_a_zoom_panel(self, rolled_back):
        lo, hi = zoom_window(rolled_back)
        assert lo * 60 <= rolled_back.fault_onset_s <= rollback_at(rolled_back) <= hi * 60
        assert len(run_figure(rolled_back).axes) == 4

    def test_a_promoted_release_has_only_its_promotion_marker_and_no_zoom(self, promoted):
        assert promoted.outcome == "promoted" and promoted.shipped_at_s is not None
        figure = run_figure(promoted)
        assert len(figure.axes) == 2
        labels = set(legend_labels(figure))
        assert not {"fault onset", "detected", "rolled back (users safe)"} & labels
        assert "promoted (100%, gate passed)" in labels
        assert "promoted" in figure.get_suptitle()

    def test_every_stage_boundary_is_named(self, promoted):
        top = run_figure(promoted).axes[0]
        names = {label.get_text() for ax in top.child_axes for label in ax.get_xticklabels()}
        assert {"canary", "100%"} <= names
        assert not top.texts  # the names sit above the frame, not over the data

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

    def test_the_zoom_reaches_past_the_rollback_so_its_line_is_not_on_the_frame(self, rolled_back):
        lo, hi = zoom_window(rolled_back)
        assert rollback_at(rolled_back) / 60 < hi - 0.1 * (hi - lo)
        whole = run_figure(rolled_back).axes[0].get_xlim()
        assert rollback_at(rolled_back) / 60 < whole[1]

    def test_the_error_rate_never_rises_before_the_fault_marker(self, rolled_back):
        series = rolled_back.series
        risen = series.t_s[np.nan_to_num(series.error_rate_new) > 0.01]  # the fault is 5%
        assert risen.size and risen.min() >= rolled_back.fault_onset_s
        marker = [t for t, label, *_ in events(rolled_back) if label == "fault onset"]
        assert marker == [rolled_back.fault_onset_s]

    def test_the_traffic_panel_shows_the_fault_threshold_reached_at_the_onset(self, rolled_back):
        # the fault appears once 100% of customers are on the new version
        t, customers, *_ = traffic_steps(rolled_back.series, rolled_back.duration_s)
        at_onset = customers[np.searchsorted(t, rolled_back.fault_onset_s, side="right") - 1]
        assert at_onset == pytest.approx(100)

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

    @staticmethod
    def made_up(name: str, healthy: bool, detect: Spread, bad: Spread) -> ScenarioSummary:
        return ScenarioSummary(
            scenario=name, runs=10, healthy=healthy, passed=10, min_pass_rate=0.95, rollbacks=0,
            detected=0, time_to_detect=detect, bad_requests=Spread(None, None, 0),
            duration=Spread(60, 60, 10), failures=(), damage=bad,
        )  # fmt: skip

    def test_bars_start_at_zero_and_zero_bad_requests_draw_no_bar(self):
        summaries = [self.made_up("dark", False, Spread(2.5, 3.0, 10), Spread(0, 0, 10))]
        figure = summary_figure(summaries)
        detect, damage = figure.axes[1], figure.axes[2]
        for ax in (detect, damage):
            assert ax.get_xlim()[0] == 0
            assert all(bar.get_x() == 0 for bar in ax.patches)
        assert detect.patches[0].get_width() == pytest.approx(2.5)
        assert damage.patches[0].get_width() == 0
        assert "0" in [text.get_text() for text in damage.texts]

    def test_a_single_scenario_still_gets_labelled_ticks_on_every_axis(self):
        summaries = [self.made_up("only", False, Spread(13.8, 20, 10), Spread(450, 900, 10))]
        figure = summary_figure(summaries)
        figure.canvas.draw()
        for ax in figure.axes[1:]:
            labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
            assert len(labels) >= 3 and labels[0].startswith("0")

    def test_no_fault_and_never_detected_are_told_apart(self):
        summaries = [
            self.made_up("healthy", True, Spread(None, None, 0), Spread(10, 12, 10)),
            self.made_up("missed", False, Spread(None, None, 0), Spread(500, 900, 10)),
        ]
        texts = [t.get_text() for t in summary_figure(summaries).axes[1].texts]
        assert texts == ["no fault", "never detected"]


def test_dark_traffic_is_drawn_as_mirrored_copies_while_customers_stay_at_zero():
    dark = GOOD.replace(
        '{ kind = "traffic", name = "canary", percent = 5, bake = "10m", gate = "auto" }',
        '{ kind = "traffic", name = "dark", percent = 0, mirror_percent = 10, bake = "2m", '
        'gate = "auto" }',
    )
    result = run(parse_scenario(dark, "dark.toml"), TeamConfig(), seed=1)
    t, customers, mirror, _ = traffic_steps(result.series, result.duration_s)
    assert mirror.max() == pytest.approx(10)
    assert customers[t < result.series.stages[1][0]].max() == 0  # nobody saw the dark stage
    figure = run_figure(result)
    assert "mirrored copies to new version (% of all requests)" in legend_labels(figure)


def test_importing_the_charts_module_does_not_load_matplotlib():
    code = "import sys, sim.charts; print('matplotlib' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


# --- charts that show why ------------------------------------------------------------------


class TestSignals:
    def test_a_latency_fault_gets_a_latency_panel_with_both_versions_p99(self, slow):
        assert slow.signals == ("errors", "latency")
        figure = run_figure(slow)
        latency = next(ax for ax in figure.axes if ax.get_ylabel().startswith("latency p99"))
        old, new = (line.get_ydata() for line in latency.get_lines()[:2])
        after = slow.series.t_s > slow.fault_onset_s + slow.series.bucket_s
        assert np.nanmean(np.asarray(new)[after]) > 1.5 * np.nanmean(np.asarray(old)[after])

    def test_an_error_fault_draws_only_errors_and_traffic(self, rolled_back):
        assert rolled_back.signals == ("errors",)
        assert len(run_figure(rolled_back).axes) == 4  # two rows, each with its zoom

    def test_a_crash_loop_draws_the_hosts_and_a_business_drop_the_business_rate(self):
        faults = (('kind = "crash_loop"\nrun_time = "30s"', "new hosts"),
                  ('kind = "business_drop"\nfraction = 0.5', "business events"))  # fmt: skip
        for fault, label in faults:
            text = GOOD.replace('name = "good-release"', 'name = "x"') + f"[[faults]]\n{fault}\n"
            result = run(parse_scenario(text, "x.toml"), TeamConfig(), seed=2)
            labels = [ax.get_ylabel() for ax in run_figure(result).axes]
            assert any(y.startswith(label) for y in labels), labels

    def test_a_dogfood_fault_shows_employees_on_the_new_version(self, dogfood):
        assert dogfood.outcome == "rolled_back" and dogfood.peak_exposure_customers_pct == 0
        t, customers, _, employees = traffic_steps(dogfood.series, dogfood.duration_s)
        assert employees.max() == pytest.approx(100) and customers.max() == 0
        figure = run_figure(dogfood)
        assert "employees' requests on new version" in legend_labels(figure)
        traffic = [ax for ax in figure.axes if ax.get_ylabel() == "traffic on new (%)"]
        assert all(ax.get_ylim()[1] >= 100 for ax in traffic)


class TestMarkersAndWindow:
    def test_a_hold_is_shaded_from_the_hold_until_the_rollback(self, held):
        assert held.entered("held") and held.outcome == "rolled_back"
        assert "held" in legend_labels(run_figure(held))
        lo, hi = zoom_window(held)
        assert lo * 60 <= held.entered("held")[0] and rollback_at(held) <= hi * 60

    def test_the_decision_window_of_a_fault_never_detected_is_not_a_sliver(self, promoted):
        late = replace(promoted, fault_onset_s=promoted.duration_s - 60, detected_at_s=None)
        lo, hi, title = decision_window(late)
        assert (hi - lo) * 60 >= MIN_ZOOM_S and lo * 60 <= late.fault_onset_s
        assert title == "decision window: the fault, never detected"
        assert "the fault never detected" in run_figure(late).get_suptitle()

    def test_zero_error_buckets_are_marked_on_the_log_axis_floor(self, promoted):
        series = promoted.series
        rates = np.array(series.error_rate_new, dtype=float)
        rates[5:8] = 0.0  # three buckets with traffic and no errors
        run_ = replace(promoted, series=replace(series, error_rate_new=rates))
        top = run_figure(run_).axes[0]
        floor = top.get_ylim()[0]
        marks = [c for c in top.collections if c.get_label() == CLIPPED]
        below = np.isfinite(rates) & (rates * 100 < floor)
        assert sum(len(c.get_offsets()) for c in marks) == below.sum() + np.sum(
            np.nan_to_num(series.error_rate_old, nan=1.0) * 100 < floor
        )
        assert all(np.allclose(np.asarray(c.get_offsets())[:, 1], floor * FLOOR_MARK)
                   for c in marks)  # fmt: skip

    def test_time_ticks_read_m_ss(self, rolled_back):
        figure = run_figure(rolled_back)
        figure.canvas.draw()
        labels = [t.get_text() for t in figure.axes[2].get_xticklabels() if t.get_text()]
        assert labels and all(":" in label for label in labels)


class TestDamage:
    def test_a_healthy_release_title_counts_damage_beyond_baseline(self, promoted):
        assert promoted.bad_requests > 100 and promoted.damage < promoted.bad_requests / 10
        title = run_figure(promoted).get_suptitle()
        assert f"({promoted.damage:,} bad requests beyond baseline" in title
        assert f"{promoted.bad_requests:,}" not in title

    def test_the_summary_bars_are_damage_and_say_which_label_is_which(self, promoted):
        summary = summarize(parse_scenario(GOOD, "good.toml"), [promoted])
        assert summary.damage.p50 == promoted.damage
        spread = TestSummaryChart.made_up("x", False, Spread(20.0, 90.0, 10), Spread(30, 800, 10))
        figure = summary_figure([spread])
        assert [t.get_text() for t in figure.axes[1].texts] == ["p50 0:20 · p95 1:30"]
        assert [t.get_text() for t in figure.axes[2].texts] == ["p50 30 · p95 800"]
        assert figure.axes[2].patches[0].get_width() == 30


def test_a_rollback_that_leaves_the_fault_is_not_called_safe(rolled_back):
    lasting = replace(rolled_back, time_to_mitigate_s=None)
    assert rollback_at(lasting) == lasting.duration_s
    assert "rolled back (the fault outlives it)" in legend_labels(run_figure(lasting))


def test_a_small_canary_beside_dogfood_stays_readable_on_a_log_traffic_axis():
    small = DOGFOOD.split("[[faults]]")[0].replace('percent = 100, bake = "3m"', "percent = 5")
    result = run(parse_scenario(small, "small.toml"), TeamConfig(), seed=1)
    traffic = run_figure(result).axes[-1]
    assert traffic.get_yscale() == "symlog" and traffic.get_ylim()[1] >= 100


def test_a_drill_nobody_moved_on_says_it_never_reached_users(promoted):
    idle = replace(promoted, outcome="held", statuses=((0.0, "running"),),
                   peak_exposure_all_users_pct=0.0)  # fmt: skip
    assert "never reached users, still at stabilization" in run_figure(idle).get_suptitle()
