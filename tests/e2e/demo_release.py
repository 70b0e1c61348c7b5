"""Run the bot against the loopback fake Slack and print what people see: a release train, a
kill switch read back through OpenFeature, and delivery figures. The README's "Release controls"
output comes from this script: `PYTHONPATH=. python tests/e2e/demo_release.py /tmp/demo`."""

import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.e2e.botserver import BotServer, base_env, new_secret
from tests.e2e.chat import Button, Chat, buttons
from tests.e2e.conftest import USERS
from tests.e2e.flags import openfeature_client, wait_for_value, write_flags
from tests.e2e.teamconfig import BAD_CANARY, GOOD_METRICS, team_config, traffic
from tests.slackfake import FakeSlack

d = Path(sys.argv[1])
d.mkdir(parents=True, exist_ok=True)
flags = write_flags(d / "flags.json", "new-checkout")
checkout = {
    "name": "checkout",
    "rollback_safe": False,
    "kill_switches": ["new-checkout"],
    "metrics": BAD_CANARY,
}
web = {"name": "web", "depends_on": ["api"], "metrics": GOOD_METRICS}
config = team_config(
    plan=[
        traffic("canary", 10, bake="4s", gate="auto"),
        traffic("100%", 100, bake="2s", gate="auto"),
    ],
    stabilization="1s",
    extra_services=[web, checkout],
    judges=[{"kind": "sequential", "mode": "recommend", "alpha": 0.01, "min_requests": 200}],
)
config += f'\n[flagd]\npath = "{flags}"\n'
(d / "commander.toml").write_text(config)
with FakeSlack(users=USERS) as fake:
    env = base_env(fake.api_url, f"sqlite:///{d / 'c.db'}", d / "commander.toml", new_secret())
    bot = BotServer(env, d).start()
    chat = Chat(fake, bot)

    def reply(text):
        sent = chat.command(text)
        time.sleep(0.3)
        print(f"> /deploy {text}\n" + "\n".join("  " + t for t in chat.replies(sent) if t) + "\n")

    committed = (datetime.now(UTC) - timedelta(hours=2)).isoformat(timespec="minutes")
    reply(f"start api 3.0.0 --commit-time {committed}")
    chat.card_shows(chat.root_card("api", "3.0.0"), "completed", timeout=30)
    reply(f"start web 2.4.0 api 3.1.0 --commit-time {committed}")
    root = fake.log.wait_for_call(
        "chat.postMessage", lambda c: "Release train" in c.text, 10, "train"
    )
    fake.log.wait_for_call(
        "chat.postMessage", lambda c: "Release train complete" in c.text, 60, "done"
    )
    reply("rollback api")
    offer = fake.log.wait_for_call(
        "chat.postMessage", lambda c: "was rolled back" in c.text, 20, "offer"
    )
    el = next(b for b in buttons(offer) if b["action_id"].startswith("train_rollback"))
    chat.click(
        Button(offer.response["channel"], offer.response["ts"], root.response["ts"], offer, el)
    )
    fake.log.wait_for_call(
        "chat.postMessage", lambda c: "Release train stopped" in c.text, 20, "stop"
    )
    print("--- the train's thread ---")
    for c in [
        root,
        *[
            c
            for c in fake.calls("chat.postMessage")
            if c.params.get("thread_ts") == root.response["ts"]
        ],
    ]:
        if "sequential:" in c.text:
            continue
        btns = [b["text"]["text"] for b in buttons(c)]
        first = c.params.get("text", "").splitlines()[0][:150]
        print(f"  {first}" + (f"   [buttons: {', '.join(btns)}]" if btns else ""))
    web_card = [
        c for c in fake.calls("chat.update") if c.params.get("text", "").startswith("web 2.4.0")
    ][-1]
    print("--- web 2.4.0's card, train line ---")
    for b in web_card.blocks:
        for e in b.get("elements", []):
            if "Train" in str(e.get("text", "")):
                print("  " + e["text"])
    print()
    with openfeature_client(flags) as client:
        wait_for_value(client, "new-checkout", True)
        reply("start checkout 5.0.0")
        croot = chat.root_card("checkout", "5.0.0")
        offer = chat.in_thread(croot, "not rollback-safe", timeout=30)
        print("--- checkout thread, after the judge failed ---")
        print(
            "  "
            + offer.params["text"]
            + "   [buttons: "
            + ", ".join(b["text"]["text"] for b in buttons(offer))
            + "]"
        )
        chat.click(chat.button(croot, "kill_switch:new-checkout"))
        wait_for_value(client, "new-checkout", False)
        print("  " + chat.in_thread(croot, "turned new-checkout off").params["text"])
        print(
            "OpenFeature (flagd provider, FILE mode) now evaluates new-checkout to",
            client.get_boolean_value("new-checkout", True),
        )
        print()
        reply('unkill new-checkout --reason "fixed in 5.0.1"')
        wait_for_value(client, "new-checkout", True)
        print(
            "OpenFeature now evaluates new-checkout to",
            client.get_boolean_value("new-checkout", False),
        )
        print()
    reply("dora api")
    reply("dora ledger")
    bot.close()
