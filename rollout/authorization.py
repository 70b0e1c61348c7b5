"""Who may use each `/deploy` command and each button: one table, checked by `authorize`.

The table is data (docs/reference/authorization.md is generated from it). Callers work out
which roles a person holds for the thing at hand (`roles`), and `authorize` says whether any
of them is allowed, or why not in one sentence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from rollout.config import TeamConfig
from rollout.errors import CommanderError

Role = Literal["anyone", "on_shift", "deploy_commander", "admin", "trainer"]
ROLES: tuple[Role, ...] = ("anyone", "on_shift", "deploy_commander", "admin", "trainer")
ROLE_WORDS: dict[Role, str] = {
    "anyone": "anyone",
    "on_shift": "the commander on shift",
    "deploy_commander": "the deploy's commander",
    "admin": "an admin",
    "trainer": "a trainer",
}


class NotAllowed(CommanderError):
    """The person holds none of the roles the table asks for."""


@dataclass(frozen=True)
class Rule:
    """One command or button and who may use it."""

    action: str
    surface: Literal["command", "button"]
    who: tuple[Role, ...]
    verb: str  # "…may <verb>", in refusals


_COMMANDER: tuple[Role, ...] = ("deploy_commander", "admin")
RULES: tuple[Rule, ...] = (
    Rule("help", "command", ("anyone",), "read the help"),
    Rule("start", "command", ("anyone",), "start a deploy"),
    Rule("start --force", "command", ("admin",), "force a deploy"),
    Rule("start (train)", "command", ("anyone",), "start a release train"),
    Rule("start (train) --force", "command", ("admin",), "force a release train"),
    Rule("status", "command", ("anyone",), "see the status"),
    Rule("history", "command", ("anyone",), "see the history"),
    Rule("who", "command", ("anyone",), "see the rotation"),
    Rule("why", "command", ("anyone",), "see the evidence"),
    Rule("dora", "command", ("anyone",), "see delivery figures"),
    Rule("policy", "command", ("anyone",), "see the policy's validation and tune"),
    Rule("freeze", "command", ("anyone",), "freeze"),
    Rule("unfreeze", "command", ("anyone",), "unfreeze"),
    Rule("notice", "command", ("anyone",), "schedule a notice"),
    Rule("rollback", "command", _COMMANDER, "roll it back"),
    Rule("handoff", "command", ("on_shift", "admin"), "hand over the shift"),
    Rule("handoff <service>", "command", _COMMANDER, "hand over this deploy"),
    Rule("kill", "command", _COMMANDER, "turn a kill switch off"),
    Rule("unkill", "command", _COMMANDER, "turn a kill switch back on"),
    Rule("drill start", "command", ("trainer",), "start drills"),
    Rule("drill inject", "command", ("trainer",), "inject into drills"),
    Rule("drill pause|resume|hint|end", "command", ("trainer",), "control drills"),
    Rule("drill history", "command", ("anyone",), "see drill history"),
    Rule("drill report", "command", ("trainer",), "see trainees' drill reports"),
    Rule("drill schedule", "command", ("trainer",), "schedule drills"),
    Rule("Confirm", "button", _COMMANDER, "confirm"),
    Rule("Hold", "button", _COMMANDER, "hold"),
    Rule("Resume", "button", _COMMANDER, "resume"),
    Rule("Roll back", "button", _COMMANDER, "roll back"),
    Rule("Abort", "button", _COMMANDER, "abort"),
    Rule("Tick a checklist item", "button", _COMMANDER, "tick checklist items"),
    Rule("Mark healthy", "button", _COMMANDER, "mark it healthy"),
    Rule("Mark faulty", "button", _COMMANDER, "mark it faulty"),
    Rule("Turn off (kill switch)", "button", _COMMANDER, "turn a kill switch off"),
    Rule("Roll back <front end> (train)", "button", _COMMANDER, "roll back a front end"),
    Rule("Why", "button", ("anyone",), "see the evidence"),
)
TABLE: dict[str, Rule] = {rule.action: rule for rule in RULES}


def roles(
    user: str,
    config: TeamConfig,
    *,
    on_shift: str | None = None,
    deploy_commander: str | None = None,
    trainer: bool = False,
) -> frozenset[Role]:
    """The roles `user` holds here: admin from the config, the rest as the caller found them."""
    held: set[Role] = {"anyone"}
    if config.is_admin(user):
        held.add("admin")
    if on_shift is not None and user == on_shift:
        held.add("on_shift")
    if deploy_commander is not None and user == deploy_commander:
        held.add("deploy_commander")
    if trainer:
        held.add("trainer")
    return frozenset(held)


def refusal(action: str, held: Iterable[Role], names: dict[Role, str] | None = None) -> str | None:
    """None when `held` may do `action`; else one sentence: who may.

    `names` gives the person behind a role where known, e.g. {"on_shift": "@U123"}."""
    rule = TABLE[action]
    if set(rule.who) & set(held):
        return None
    named = names or {}
    people = [_who(role, named.get(role)) for role in rule.who]
    return f"Only {' or '.join(people)} may {rule.verb}."


def authorize(action: str, held: Iterable[Role], names: dict[Role, str] | None = None) -> None:
    """Raise NotAllowed unless `held` may do `action`."""
    reason = refusal(action, held, names)
    if reason is not None:
        raise NotAllowed(reason)


def _who(role: Role, person: str | None) -> str:
    words = ROLE_WORDS[role]
    return f"{words} ({person})" if person else words
