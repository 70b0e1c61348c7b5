"""Bot ack latency: 500 signed slash commands, 20 at a time, against `commander serve`.

Run: .venv/bin/python bench/bot.py [--requests 500] [--concurrency 20]
Starts the fake Slack Web API and `commander serve` on loopback (SQLite in a temp dir), sends
`/deploy help` and `/deploy status` alternately, and times each HTTP answer (Slack's 3 s ack).
Prints p50/p99 and PASS/FAIL for p99 < 100 ms; exits 1 on FAIL or on any non-200 answer.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

# Run as a script, Python puts bench/ first on sys.path, where this very file would shadow the
# `bot` package; put the project root there instead.
ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

import httpx  # noqa: E402

from tests.e2e.botserver import BotServer, base_env, new_secret  # noqa: E402
from tests.e2e.teamconfig import COMMANDER, team_config  # noqa: E402
from tests.slackclient import signed_headers, slash_command  # noqa: E402
from tests.slackfake import FakeSlack  # noqa: E402

TARGET_P99_MS = 100.0
WARMUP = 20


async def send_all(
    bot: BotServer, fake: FakeSlack, total: int, concurrency: int, texts: list[str]
) -> list[float]:
    """Send `total` commands with at most `concurrency` in flight; each ack's latency in ms."""
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=10) as client:

        async def one(i: int) -> float:
            text = texts[i % len(texts)]
            body, kind = slash_command(text, COMMANDER, response_url=fake.response_url())
            headers = signed_headers(bot.secret, body, kind)
            async with gate:
                began = time.perf_counter()
                response = await client.post(
                    f"{bot.base_url}/slack/events", content=body, headers=headers
                )
                took = (time.perf_counter() - began) * 1000
            if response.status_code != 200:
                raise RuntimeError(f"request {i} answered {response.status_code}: {response.text}")
            return took

        return list(await asyncio.gather(*(one(i) for i in range(total))))


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (0-100), interpolated."""
    return statistics.quantiles(samples, n=100, method="inclusive")[int(q) - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--texts", default="help,status", help="commands sent in turn")
    args = parser.parse_args()
    texts = args.texts.split(",")
    with tempfile.TemporaryDirectory() as tmp, FakeSlack() as fake:
        config = Path(tmp) / "commander.toml"
        config.write_text(team_config())
        env = base_env(fake.api_url, f"sqlite:///{tmp}/bench.db", config, new_secret())
        bot = BotServer(env, Path(tmp), "bench").start()
        try:
            asyncio.run(send_all(bot, fake, WARMUP, args.concurrency, texts))
            latencies = asyncio.run(send_all(bot, fake, args.requests, args.concurrency, texts))
        finally:
            bot.close()
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    verdict = "PASS" if p99 < TARGET_P99_MS else "FAIL"
    print(
        f"acks: {len(latencies)} signed slash commands ({args.texts}), "
        f"{args.concurrency} concurrent, loopback"
    )
    print(f"p50 {p50:.1f} ms   p99 {p99:.1f} ms   max {max(latencies):.1f} ms")
    print(
        f"{verdict}: p99 {p99:.1f} ms vs target < {TARGET_P99_MS:.0f} ms "
        f"(ratio {p99 / TARGET_P99_MS:.2f})"
    )
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
