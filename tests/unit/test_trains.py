"""Release trains, pure: depends_on order, waiting for completion, holding, rollback offers."""

from __future__ import annotations

import pytest

from rollout.config import Service, TeamConfig
from rollout.errors import CommanderError
from rollout.state import DeployState, Status
from rollout.trains import Car, Offer, run_order, step

CONFIG = TeamConfig(
    services=(
        Service(name="db"),
        Service(name="api", depends_on=("db",)),
        Service(name="web", depends_on=("api",)),
        Service(name="docs"),
    )
)


def deploy(service: str, status: Status) -> DeployState:
    return DeployState(
        id=f"{service}-1", service=service, version="1", previous_version="0", commander="U1",
        status=status,
    )  # fmt: skip


def test_back_ends_run_before_front_ends_whatever_order_they_are_typed_in() -> None:
    assert run_order(["web", "docs", "api"], CONFIG) == ["docs", "api", "web"]
    assert run_order(["web", "db"], CONFIG) == ["db", "web"]  # web needs db through api


def test_a_cycle_is_refused_with_the_services_named() -> None:
    loop = TeamConfig(
        services=(Service(name="a", depends_on=("b",)), Service(name="b", depends_on=("a",)))
    )
    with pytest.raises(CommanderError, match="a, b"):
        run_order(["a", "b"], loop)


def test_a_front_end_waits_until_its_back_end_completed_not_merely_stabilizing() -> None:
    first = step([Car("api", "3"), Car("web", "2")], CONFIG)
    assert first.start == (0,) and first.waiting == ((1, (0,)),)

    stabilizing = step([Car("api", "3", deploy("api", "stabilizing")), Car("web", "2")], CONFIG)
    assert stabilizing.start == ()

    done = step([Car("api", "3", deploy("api", "completed")), Car("web", "2")], CONFIG)
    assert done.start == (1,) and not done.done


def test_independent_services_start_together() -> None:
    assert step([Car("api", "3"), Car("docs", "1")], CONFIG).start == (0, 1)


@pytest.mark.parametrize("status", ["held", "rolled_back", "aborted"])
def test_a_failure_holds_the_rest_of_the_train(status: Status) -> None:
    result = step(
        [Car("api", "3", deploy("api", status)), Car("docs", "1"), Car("web", "2")], CONFIG
    )
    assert result.start == () and result.failed == (0,)
    assert result.stopped is (status != "held")  # a held deploy may still resume


def test_a_rolled_back_back_end_offers_its_released_front_ends() -> None:
    cars = [
        Car("api", "3", deploy("api", "rolled_back")),
        Car("web", "2", deploy("web", "completed")),
        Car("docs", "1", deploy("docs", "completed")),
    ]
    result = step(cars, CONFIG)
    assert result.offers == (Offer(0, (1,)),)  # docs does not depend on api
    assert not result.stopped  # web still runs the release that needs api 3


def test_every_car_completed_is_done() -> None:
    cars = [
        Car("api", "3", deploy("api", "completed")),
        Car("web", "2", deploy("web", "completed")),
    ]
    assert step(cars, CONFIG).done
