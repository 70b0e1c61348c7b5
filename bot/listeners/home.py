"""The App Home tab, published when a user opens it."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.blocks.home import home_view
from bot.services import Services
from rollout.errors import CommanderError


def register(app: App, services: Services) -> None:
    """Listen for app_home_opened."""

    def opened(event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        now = services.deploys.clock.now()
        try:
            shift = services.deploys.shift_at(now)
        except CommanderError:
            shift = None
        repo = services.repo
        recent = sorted(
            (r for s in services.config.services for r in repo.history(s.name, 5)),
            key=lambda r: r.deployed_at,
            reverse=True,
        )[:10]
        drills, scores = services.drills.in_progress(), services.drills.recent(20)
        stale = services.drill_reports.readiness(now)
        view = home_view(repo.active(), recent, shift, services.config, now, drills, scores, stale)
        services.slack.publish_home(event["user"], view)

    app.event("app_home_opened")(opened)
