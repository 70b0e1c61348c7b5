"""The shell's read-eval-print loop: /deploy commands, thread replies, clicks and identities."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable

from rich.console import Console
from rich.text import Text
from slack_bolt import BoltResponse

from bot.shell.feed import Feed
from bot.shell.session import Session
from bot.shell.workspace import channel_id
from rollout.durations import parse_duration

HELP = """[bold]Shell commands[/bold]
  /deploy …   any /deploy command: [cyan]/deploy start api 2.4.0[/cyan], [cyan]/deploy help[/cyan]
  click N     click button [N] shown on a message
  submit R    submit the open modal (Hold, Roll back) with reason R (optional); `cancel`
  <text>      a reply in the current thread, e.g. [cyan]confirm[/cyan] or [cyan]hold[/cyan]
  threads     list the threads; [cyan]thread N[/cyan] picks where replies go
  as @USER    type as someone else, e.g. [cyan]as @U0BOB0002[/cyan]
  skip 10m    move the bot's clock forward, e.g. to end a bake now
  home        open the bot's App Home tab
  help        this list
  quit        leave (or Ctrl-D)"""
USER = re.compile(r"<?@?([UW][A-Z0-9]{2,})>?")
QUIET = 0.6  # seconds without new posts before the prompt comes back (a worker tick or two)
PATIENCE = 5.0  # the longest the prompt waits for the bot to go quiet


def user_id(text: str) -> str | None:
    """A Slack user id from "@U0BOB0002", "<@U0BOB0002>" or "U0BOB0002"."""
    match = USER.fullmatch(text.strip())
    return match.group(1) if match else None


class Shell:
    """Reads lines, turns them into signed Slack requests, and shows what the bot does."""

    def __init__(self, session: Session, console: Console, user: str, echo: bool) -> None:
        self.session = session
        self.console = console
        self.user = user
        self.echo = echo  # print each line read (when stdin is not a terminal)
        self.feed = Feed(console, session.fake.log, _channel_names(session))
        self._stop = threading.Event()
        self._commands: dict[str, Callable[[str], None]] = {
            "help": lambda arg: self.console.print(HELP, highlight=False),
            "threads": lambda arg: self._threads(),
            "thread": self._thread,
            "click": self._click,
            "as": self._as,
            "home": lambda arg: self._answer(self.session.open_home(self.user)),
            "skip": self._skip,
            "submit": self._submit,
            "cancel": lambda arg: self._cancel(),
        }
        self.feed.viewer = user

    def run(self, read: Callable[[str], str] = input) -> None:
        """Loop until quit or end of input; a background thread shows posts as they arrive."""
        if not self.echo:
            import readline  # noqa: F401  (line editing and history for input() at a terminal)
        printer = threading.Thread(target=self._print_arrivals, name="shell-feed", daemon=True)
        printer.start()
        try:
            while self._step(read):
                pass
        except KeyboardInterrupt:  # Ctrl-C while the bot was answering: leave all the same
            self.console.print()
        finally:
            self._stop.set()
            printer.join(timeout=2)
            self.feed.flush()

    def _step(self, read: Callable[[str], str]) -> bool:
        self._settle()
        prompt = self._prompt()
        self.feed.waiting_prompt = prompt
        try:
            line = read(prompt).strip()
        except (EOFError, KeyboardInterrupt):
            self.console.print()
            return False
        finally:
            self.feed.waiting_prompt = None
        if self.echo:
            self.console.print(line, highlight=False, markup=False)
        if line in ("quit", "exit"):
            return False
        if line:
            with self.feed.lock:  # the answer first, then what the bot posts because of it
                self._handle(line)
        return True

    def _handle(self, line: str) -> None:
        word, _, arg = line.partition(" ")
        if line.startswith("/"):
            self._slash(word, arg.strip())
        elif word in self._commands:
            self._commands[word](arg.strip())
        else:
            self._reply(line)

    # --- what the user can do -----------------------------------------------------------

    def _slash(self, command: str, text: str) -> None:
        if command != "/deploy":
            self._say_shell(f"{command} is not a command here: this app has only /deploy.")
            return
        self._answer(self.session.command(text, self.user))

    def _reply(self, text: str) -> None:
        root = self.feed.current
        if root is None:
            self._say_shell("No thread yet: start a deploy, or pick one with `thread N`.")
            return
        self._answer(self.session.say(root.channel, root.ts, text, self.user))

    def _click(self, arg: str) -> None:
        button = self.feed.buttons.get(int(arg)) if arg.isdigit() else None
        if button is None:
            self._say_shell(f"No button [{arg}]: click one of the numbers shown, e.g. `click 1`.")
            return
        self._answer(self.session.click(button, self.user))

    def _submit(self, reason: str) -> None:
        modal, self.feed.modal = self.feed.modal, None
        if modal is None:
            self._say_shell("No modal is open: Hold and Roll back open one.")
            return
        self._answer(self.session.submit(modal, self.user, reason))

    def _cancel(self) -> None:
        self.feed.modal = None

    def _as(self, arg: str) -> None:
        user = user_id(arg)
        if user is None:
            self._say_shell("Name a Slack user id, e.g. `as @U0BOB0002`.")
            return
        self.user = self.feed.viewer = user
        self._say_shell(f"You are now @{user}.")

    def _skip(self, arg: str) -> None:
        try:
            now = self.session.clock.skip(parse_duration(arg))
        except ValueError as exc:
            self._say_shell(f"skip: {exc}.")
            return
        local = now.astimezone(self.session.config.team.tz)
        self._say_shell(f"Skipped {arg}: the bot's clock now reads {local:%a %H:%M %Z}.")

    def _thread(self, arg: str) -> None:
        root = self.feed.thread(int(arg)) if arg.isdigit() else None
        if root is None:
            self._say_shell("No such thread: `threads` lists them.")
            return
        self.feed.current = root
        self._say_shell(f"Replies now go to thread {root.number} · {root.name}.")

    def _threads(self) -> None:
        if not self.feed.roots:
            self._say_shell("No threads yet.")
        for root in self.feed.roots.values():
            mark = "→" if root is self.feed.current else " "
            self.console.print(f"{mark} thread {root.number} · {root.name}", highlight=False)

    # --- showing ------------------------------------------------------------------------

    def _answer(self, response: BoltResponse) -> None:
        """What Slack would show for the HTTP answer: a slash command's reply, or a refusal."""
        if response.status != 200:
            self._say_shell(f"Slack would show an error: the app answered HTTP {response.status}.")
            return
        text = _ack_text(response.body)
        if text:
            self.feed.ephemeral(text)

    def _say_shell(self, text: str) -> None:
        self.console.print(Text(text, style="yellow"))

    def _prompt(self) -> str:
        root = self.feed.current
        where = f"thread {root.number}" if root else self.session.config.team.deploy_channel
        return f"@{self.user} {where}> "

    def _settle(self) -> None:
        """Show what the bot posts in answer before prompting again (until it goes quiet)."""
        deadline = time.monotonic() + PATIENCE
        quiet_since = time.monotonic()
        while time.monotonic() < deadline and time.monotonic() - quiet_since < QUIET:
            if self.feed.flush():
                quiet_since = time.monotonic()
            time.sleep(0.05)

    def _print_arrivals(self) -> None:
        while not self._stop.wait(0.2):
            self.feed.flush()


def _ack_text(body: str) -> str:
    if not body:
        return ""
    try:
        loaded = json.loads(body)
    except ValueError:
        return body
    return str(loaded.get("text", "")) if isinstance(loaded, dict) else ""


def _channel_names(session: Session) -> dict[str, str]:
    team = session.config.team
    names = [team.deploy_channel, team.announcements_channel, session.config.drills.channel]
    return {channel_id(n): n if n.startswith("#") else f"#{n}" for n in names if n}
