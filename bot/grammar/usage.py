"""The `/deploy` usage table and the error that shows a command's right form."""

from __future__ import annotations

from rollout.errors import CommanderError

# name: (form, example, what it does)
USAGE: dict[str, tuple[str, str, str]] = {
    "start": (
        "/deploy start <service> <version> [--hotfix] [--major] [--commander @user]"
        ' [--force "why"] [--commit-time <when>]',
        "/deploy start api 3.1.0",
        "start a deploy; --force (admins) starts outside hours or a freeze",
    ),
    "train": (
        "/deploy start <service> <version> <service> <version> [...]"
        ' [--force "why"] [--commit-time <when>]',
        "/deploy start api 3.1.0 web 2.4.0",
        "a release train: several services in depends_on order; --force (admins) for all",
    ),
    "status": (
        "/deploy status [service or deploy id]",
        "/deploy status api",
        "deploys in flight; a deploy id shows that deploy with its reasons in full",
    ),
    "history": ("/deploy history <service>", "/deploy history api", "the last 10 releases"),
    "who": ("/deploy who", "/deploy who", "the commander now and the next shift"),
    "rollback": (
        "/deploy rollback <service> [version]",
        "/deploy rollback api 1.4.1",
        "return to the previous release, or an earlier rollback-safe one",
    ),
    "handoff": (
        "/deploy handoff @user [service]",
        "/deploy handoff @alice",
        "hand your deploys and the rest of your shift to someone",
    ),
    "freeze": (
        '/deploy freeze <service|all> --until <when> --reason "why" [--takeover]',
        '/deploy freeze all --until 2026-12-26T09:00 --reason "holiday"',
        "stop deploys until a time; --takeover replaces someone else's freeze",
    ),
    "unfreeze": (
        "/deploy unfreeze <service|all> [--takeover]",
        "/deploy unfreeze all",
        "end a freeze; --takeover ends someone else's",
    ),
    "notice": (
        '/deploy notice "<text>" [--at <when>] [--for <duration>]',
        '/deploy notice "Payments read-only" --at 22:00 --for 30m',
        "post a maintenance notice, and the all-clear when it ends",
    ),
    "why": ("/deploy why [service]", "/deploy why api", "the evidence behind the latest verdicts"),
    "kill": (
        '/deploy kill <flag> [--reason "why"]',
        '/deploy kill new-checkout --reason "5xx on checkout"',
        "turn a change off with its kill switch (a flagd flag)",
    ),
    "unkill": ("/deploy unkill <flag>", "/deploy unkill new-checkout", "turn it back on"),
    "dora": (
        "/deploy dora [service]",
        "/deploy dora api",
        "delivery figures (DORA) for the last 30 days",
    ),
    "policy": (
        "/deploy policy",
        "/deploy policy",
        "the team policy's last validation and its place on the last tuned front, with its chart",
    ),
    "drill": (
        "/deploy drill start|inject|pause|resume|hint|end|history …",
        "/deploy drill start error-spike-canary --commander @bob",
        "trainers run simulated incident drills; inject, pause, resume, hint and end act on"
        " your most recent running drill",
    ),
    "help": ("/deploy help", "/deploy help", "this list"),
}
WHEN_FORMS = '"30m" (from now), "14:30" (team time), or "2026-12-24T09:00"'


class CommandError(CommanderError):
    """A malformed command; the message says what was wrong and shows the right form."""

    def __init__(self, problem: str, command: str | None = None) -> None:
        form = f" Usage: `{USAGE[command][0]}`" if command in USAGE else ""
        super().__init__(f"{problem}.{form}")
