"""Bot ack latency: 500 signed slash commands, 20 at a time, against `commander serve`.

Run: .venv/bin/python bench/bot.py [--requests 500] [--concurrency 20] [--against TREE]
Starts the fake Slack Web API and `commander serve` on loopback (SQLite in a temp dir), sends
`/deploy help` and `/deploy status` alternately, and times each HTTP answer (Slack's 3 s ack).
The bot acks first and answers on the response_url, so the bench also checks that every command
got a real answer there and prints how long those took. Prints p50/p99 and PASS/FAIL for
ack p99 < 50 ms; exits 1 on FAIL, on any non-200 ack or on any command left unanswered.
`--against TREE` runs this bench and TREE's (e.g. a `git worktree` of an older commit) in turn,
each in its own process and tree, and prints both p50/p99 side by side with their ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Run as a script, Python puts bench/ first on sys.path, where this very file would shadow the
# `bot` package; put the project root there instead.
ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from tests.e2e.botserver import BotServer, base_env, new_secret  # noqa: E402
from tests.e2e.teamconfig import COMMANDER, team_config  # noqa: E402
from tests.slackclient import signed_headers, slash_command  # noqa: E402
from tests.slackfake import FakeSlack  # noqa: E402

TARGET_P99_MS = 50.0
REPLY_WAIT_S = 60.0
WARMUP = 20


def build_requests(
    bot: BotServer, fake: FakeSlack, total: int, texts: list[str], urls: list[str]
) -> list[bytes]:
    """Signed HTTP/1.1 requests, prepared before the clock starts; their response_urls go
    to `urls`."""
    requests = []
    for i in range(total):
        urls.append(fake.response_url())
        body, kind = slash_command(texts[i % len(texts)], COMMANDER, response_url=urls[-1])
        headers = {**signed_headers(bot.secret, body, kind), "Content-Length": str(len(body))}
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        start = f"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1:{bot.port}\r\n"
        requests.append(f"{start}{head}\r\n{body}".encode())
    return requests


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """One HTTP/1.1 response with a Content-Length body: (status, body)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next(
        (
            int(line.split(":", 1)[1])
            for line in lines
            if line.lower().startswith("content-length:")
        ),
        0,
    )
    return int(lines[0].split()[1]), await reader.readexactly(length)


async def send_all(bot: BotServer, requests: list[bytes], concurrency: int) -> list[float]:
    """Send the requests over `concurrency` keep-alive connections; each ack's latency in ms.

    A minimal client on raw sockets, so the bench spends the shared CPU on the bot, not on
    itself (an httpx client costs about 3 ms of CPU per request on this machine).
    """
    pending = iter(requests)
    latencies: list[float] = []

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", bot.port)
        for request in pending:
            began = time.perf_counter()
            writer.write(request)
            status, body = await read_response(reader)
            latencies.append((time.perf_counter() - began) * 1000)
            if status != 200:
                raise RuntimeError(f"/deploy was not acked: {status} {body[:200]!r}")
        writer.close()

    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return latencies


def wait_for_replies(fake: FakeSlack, urls: list[str]) -> list[float]:
    """When each command's answer reached its response_url (fails if any is missing or empty)."""
    paths = {url.split("/", 3)[3]: i for i, url in enumerate(urls)}
    deadline = time.monotonic() + REPLY_WAIT_S
    while True:
        found = {
            c.path.lstrip("/"): c for c in fake.calls("response_url") if c.path.lstrip("/") in paths
        }
        if len(found) == len(paths):
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"{len(paths) - len(found)} commands were never answered")
        time.sleep(0.1)
    if any("deploy" not in c.text.lower() for c in found.values()):
        raise RuntimeError("a response_url answer is not a real answer to /deploy")
    return [found[path].at for path in paths]


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (0-100), interpolated."""
    return statistics.quantiles(samples, n=100, method="inclusive")[int(q) - 1]


def run_tree(tree: Path, requests: int) -> tuple[float, float]:
    """(p50, p99) in ms of one run of `tree`'s own bench, in its own process and folder."""
    done = subprocess.run(
        [sys.executable, "bench/bot.py", "--requests", str(requests)],
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
    )
    found = re.search(r"p50 ([\d.]+) ms\s+p99 ([\d.]+) ms", done.stdout)
    if found is None:
        raise SystemExit(f"{tree}: bench/bot.py printed no figures:\n{done.stdout}{done.stderr}")
    return float(found.group(1)), float(found.group(2))


def against(base: Path, requests: int, rounds: int = 3) -> int:
    """This tree and `base` in turn, `rounds` times each; the median of each figure."""
    runs: dict[Path, list[tuple[float, float]]] = {base: [], ROOT: []}
    for _ in range(rounds):
        for tree in (base, ROOT):
            runs[tree].append(run_tree(tree, requests))
    median = {t: [statistics.median(r[i] for r in runs[t]) for i in (0, 1)] for t in runs}
    for i, name in enumerate(("p50", "p99")):
        old, new = median[base][i], median[ROOT][i]
        print(
            f"ack {name}: {base.name} {old:.1f} ms, this tree {new:.1f} ms, "
            f"ratio {new / old:.2f} (median of {rounds} alternated runs)"
        )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--texts", default="help,status", help="commands sent in turn")
    parser.add_argument("--against", type=Path, help="another checkout to run side by side")
    args = parser.parse_args()
    if args.against:
        return against(args.against.resolve(), args.requests)
    texts = args.texts.split(",")
    with tempfile.TemporaryDirectory() as tmp, FakeSlack() as fake:
        config = Path(tmp) / "commander.toml"
        config.write_text(team_config())
        env = base_env(fake.api_url, f"sqlite:///{tmp}/bench.db", config, new_secret())
        bot = BotServer(env, Path(tmp), "bench").start()
        try:
            warmup = build_requests(bot, fake, WARMUP, texts, [])
            asyncio.run(send_all(bot, warmup, args.concurrency))
            urls: list[str] = []
            requests = build_requests(bot, fake, args.requests, texts, urls)
            cpu, wall, began = time.process_time(), time.perf_counter(), time.time()
            latencies = asyncio.run(send_all(bot, requests, args.concurrency))
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            replies = wait_for_replies(fake, urls)
            acked_in, answered_in = wall, max(replies) - began
        finally:
            bot.close()
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    print(
        f"answers on the response_url: {len(replies)} of {len(latencies)}; the last came "
        f"{answered_in:.2f} s after the first command (every ack was back after {acked_in:.2f} s)"
    )
    verdict = "PASS" if p99 < TARGET_P99_MS else "FAIL"
    print(
        f"acks: {len(latencies)} signed slash commands ({args.texts}), "
        f"{args.concurrency} concurrent, loopback"
    )
    print(
        f"throughput {len(latencies) / wall:.0f} req/s; this client's own CPU "
        f"{cpu / len(latencies) * 1000:.2f} ms per request (it shares the machine with the bot)"
    )
    print(f"p50 {p50:.1f} ms   p99 {p99:.1f} ms   max {max(latencies):.1f} ms")
    print(
        f"{verdict}: p99 {p99:.1f} ms vs target < {TARGET_P99_MS:.0f} ms "
        f"(ratio {p99 / TARGET_P99_MS:.2f})"
    )
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
