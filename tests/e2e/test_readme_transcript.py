"""The README's shell transcript replays exactly: its lines typed into `commander shell` print
the transcript (the clock stopped by --at, so the commander and the hours are the same)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

from tests.e2e.botserver import LAUNCH

ROOT = Path(__file__).resolve().parents[2]
PROMPT = re.compile(r"^@U\w+ (#deploys|thread \d+)> (.*)$")


def transcript() -> tuple[list[str], list[str]]:
    """The shell's arguments and the transcript's lines, from the README."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("```\n$ commander shell")
    lines = readme[start + 4 : readme.index("\n```", start + 4)].splitlines()
    return shlex.split(lines[0].removeprefix("$ commander shell")), lines[1:]


def test_the_readme_transcript_replays_exactly() -> None:
    args, expected = transcript()
    assert "--at" in args  # without a stopped clock the commander is whoever is on now
    typed = [m.group(2) for line in expected if (m := PROMPT.match(line))]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "COMMANDER_"))}
    result = subprocess.run(
        [*LAUNCH, "shell", *args],
        cwd=ROOT,
        env={**env, "COLUMNS": "100", "PYTHONUNBUFFERED": "1"},
        input="\n".join(typed) + "\n",
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    printed = [line.rstrip() for line in result.stdout.splitlines()]
    assert printed == expected
