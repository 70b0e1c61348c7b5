"""What the bot posted, as a terminal feed: channel messages, threads, cards and ephemerals.

The feed reads the in-memory Web API's call log, never the bot, so posts the bot makes later
(from its worker or an outbox) show up whenever they arrive.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.text import Text

from bot.shell import render
from bot.shell.calllog import Call, CallLog

INDENT = 4


@dataclass(frozen=True)
class Button:
    """A button on screen: what `click N` sends back to the bot."""

    channel: str
    ts: str
    thread_ts: str | None
    text: str
    blocks: list[dict[str, Any]]
    element: dict[str, Any]


@dataclass
class Root:
    """A top-level message: the root of a thread, and the card when it has a header."""

    number: int
    channel: str
    ts: str
    name: str
    shown: tuple[str, str] = ("", "")  # the text and blocks last rendered, to skip repeats


class Feed:
    """Renders new Web API calls to the console, numbering buttons and threads as they appear."""

    def __init__(self, console: Console, log: CallLog, channel_names: dict[str, str]) -> None:
        self.console = console
        self.log = log
        self.channel_names = channel_names  # channel id -> "#deploys"
        self.buttons: dict[int, Button] = {}
        self.roots: dict[str, Root] = {}  # by ts
        self.current: Root | None = None
        self.lock = threading.RLock()
        self.waiting_prompt: str | None = None  # set while the shell waits for a line
        self.viewer = ""  # who is typing: their ephemerals say "you"
        self._replies: dict[str, str] = {}  # a thread reply's ts -> its thread's ts
        self._seen = 0
        self._printed = False
        self.modal: dict[str, Any] | None = None  # the last modal opened, until submitted

    def flush(self) -> int:
        """Render every call not yet shown; returns how many there were."""
        with self.lock:
            calls = self.log.calls()[self._seen :]
            self._seen += len(calls)
            self._printed = False
            for index, call in enumerate(calls):
                if call.method == "chat.update" and _updated_again(call, calls[index + 1 :]):
                    continue  # a later update in the same batch shows the card as it stands
                self._show(call)
            if self._printed and self.waiting_prompt is not None:
                self.console.print(self.waiting_prompt, end="", markup=False)  # type on
            return len(calls)

    def ephemeral(self, text: str, to: str | None = None, thread_ts: str | None = None) -> None:
        """A message only `to` (by default whoever types) sees: dimmed and labelled."""
        body = render.mrkdwn(text, style="dim")
        who = "you" if to in (None, self.viewer) else f"@{to}"
        if to is not None and to == self.viewer:
            who += f" (@{to})"
        label = Text(f"only visible to {who}", style="dim italic")
        panel = Panel(body, title=label, title_align="left", border_style="dim")
        indent = INDENT if thread_ts in self.roots else 0
        self._print(Padding(panel, (0, 0, 0, indent), expand=False))

    def thread(self, number: int) -> Root | None:
        """The thread with this number, if any."""
        return next((r for r in self.roots.values() if r.number == number), None)

    # --- one call each --------------------------------------------------------------------

    def _show(self, call: Call) -> None:
        if not call.ok:
            error = call.response.get("error") or call.status
            self._print(Text(f"(Slack answered {call.method}: {error})", style="red dim"))
        elif call.method in ("chat.postMessage", "scheduled.delivered"):
            self._post(call)
        elif call.method == "chat.update":
            self._update(call)
        elif call.method == "chat.postEphemeral":
            thread_ts = call.params.get("thread_ts")
            self.ephemeral(
                str(call.params.get("text", "")),
                str(call.params.get("user")),
                str(thread_ts) if thread_ts else None,
            )
        elif call.method == "response_url":
            self.ephemeral(call.text)
        elif call.method == "views.publish":
            self._home(call)
        elif call.method == "views.open":
            self._modal(call)

    def _post(self, call: Call) -> None:
        channel = str(call.response.get("channel") or call.params.get("channel", ""))
        ts = str(call.response.get("ts") or call.params.get("ts", ""))
        thread_ts = call.params.get("thread_ts")
        text, blocks = str(call.params.get("text", "")), call.blocks
        if thread_ts:
            self._replies[ts] = str(thread_ts)
            self._reply(channel, ts, str(thread_ts), call, "")
            return
        root = Root(len(self.roots) + 1, channel, ts, render.title(blocks, text))
        self.roots[ts] = root
        if any(b.get("type") == "header" for b in blocks):
            self.current = root  # a new deploy card: replies now go to its thread
        self._card(root, call, "")

    def _reply(self, channel: str, ts: str, thread_ts: str, call: Call, note: str) -> None:
        root = self.roots.get(thread_ts)
        where = f"thread {root.number} · {root.name}" if root else "a thread"
        body = render.message(
            str(call.params.get("text", "")),
            call.blocks,
            self._numbering(channel, ts, thread_ts, call),
        )
        head = Text(f"↳ in {where}{note}", style="cyan")
        self._print(Padding(head, (0, 0, 0, INDENT), expand=False))
        self._print(Padding(body, (0, 0, 0, INDENT + 2), expand=False))

    def _update(self, call: Call) -> None:
        ts = str(call.params.get("ts", ""))
        root = self.roots.get(ts)
        if root is not None:
            self._card(root, call, " · updated")
        elif ts in self._replies:
            channel = str(call.response.get("channel") or call.params.get("channel", ""))
            self._reply(channel, ts, self._replies[ts], call, " · updated")

    def _home(self, call: Call) -> None:
        view = call.params.get("view")
        blocks = view.get("blocks", []) if isinstance(view, dict) else []
        body = render.message("", blocks, lambda element: 0)
        title = Text(f"App Home of @{call.params.get('user_id')}", style="magenta")
        self._print(Panel(body, title=title, title_align="left", border_style="magenta"))

    def _modal(self, call: Call) -> None:
        """A modal the bot opened: shown, and kept for `submit`."""
        view = call.response.get("view")
        self.modal = view if isinstance(view, dict) else None
        blocks = [b for b in (self.modal or {}).get("blocks", []) if b.get("type") != "input"]
        title = render.plain(str(((self.modal or {}).get("title") or {}).get("text", "")))
        body = Group(
            render.message("", blocks, lambda element: 0),
            Text("type `submit <reason>` (the reason is optional), or `cancel`", style="dim"),
        )
        self._print(Panel(body, title=Text(f"modal · {title}"), title_align="left"))

    def _card(self, root: Root, call: Call, note: str) -> None:
        text, blocks = str(call.params.get("text", "")), call.blocks
        shown = (text, repr(blocks))
        if shown == root.shown:
            return
        root.shown = shown
        body = render.message(text, blocks, self._numbering(root.channel, root.ts, None, call))
        channel = self.channel_names.get(root.channel, f"#{root.channel[1:].lower()}")
        title = Text(f"{channel} · thread {root.number}{note}", style="bold" if note else "")
        self._print(Panel(body, title=title, title_align="left", border_style="blue", expand=False))

    def _numbering(self, channel: str, ts: str, thread_ts: str | None, call: Call) -> render.Number:
        text, blocks = str(call.params.get("text", "")), call.blocks

        def number(element: dict[str, Any]) -> int:
            n = len(self.buttons) + 1
            self.buttons[n] = Button(channel, ts, thread_ts, text, blocks, element)
            return n

        return number

    def _print(self, renderable: RenderableType) -> None:
        if not self._printed and self.waiting_prompt is not None:
            self.console.print()  # off the prompt's line
        self._printed = True
        self.console.print(renderable)


def _updated_again(call: Call, later: list[Call]) -> bool:
    ts = call.params.get("ts")
    return any(c.method == "chat.update" and c.params.get("ts") == ts and c.ok for c in later)
