"""Who is a trainer: user ids in [drills].trainers, or members of a user group listed there."""

from __future__ import annotations

from pathlib import Path

from bot.drills.service import DrillService
from rollout.config import TeamConfig


class NoClock:
    def now(self):  # type: ignore[no-untyped-def]
        raise AssertionError("not asked")


def service(trainers: tuple[str, ...], groups: dict[str, tuple[str, ...]]) -> DrillService:
    base = TeamConfig()
    config = base.model_copy(
        update={"drills": base.drills.model_copy(update={"trainers": trainers})}
    )
    asked: list[str] = []

    def members(group: str) -> tuple[str, ...]:
        asked.append(group)
        return groups.get(group, ())

    return DrillService(config, None, Path("scenarios"), members, NoClock())


def test_trainers_are_listed_users_or_members_of_a_listed_user_group() -> None:
    drills = service(("U0TRAIN01", "S0COACHES"), {"S0COACHES": ("U0COACH01",)})
    assert drills.is_trainer("U0TRAIN01")
    assert drills.is_trainer("U0COACH01")
    assert not drills.is_trainer("U0BOB0002")


def test_nobody_is_a_trainer_by_default() -> None:
    assert not service((), {}).is_trainer("U0ADMIN01")
