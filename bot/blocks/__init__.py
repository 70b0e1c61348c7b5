"""Pure Block Kit builders (slack_sdk.models.blocks): state in, (text, blocks) out.

The message contract the end-to-end tests rely on; keep it stable:

- Root card: chat.postMessage to `team.deploy_channel` (sent as given, e.g. "#deploys"), then
  chat.update on the same channel id and ts after every transition. Its `text` fallback is
  "<service> <version>: <status> · <stage>", the status in words: running, held, stabilizing,
  completed, rolled back, aborted.
- Thread posts: chat.postMessage with thread_ts = the root card's ts, one per transition; a
  tick instead updates the checklist message in place (chat.update: ticked items ✓, their Tick
  buttons gone; item sections have block_id `checklist-item-<k>`).
- Buttons: action_ids `confirm`, `hold`, `resume`, `rollback`, `tick` (a checklist item),
  `healthy`, `faulty`, `why`; every value is JSON {"deploy": id, "stage": i, "item": k?}.
- Typed replies in the thread (case-insensitive): `confirm` or `go`, `hold`, `resume`,
  `rollback`; `hold <reason>`, `rollback <reason>` and `confirm <note>` carry their words.
- Hold and Roll back clicks open a modal (views.open, callback_id `reason:hold` or
  `reason:rollback`) with an optional `reason` input; its view_submission acts.
- Every text and block is plain words: the edge (bot/edge/) escapes, mentions and fits them.
- Refusals and errors: chat.postEphemeral to the user (interactions, thread messages). Slash
  commands are acked at once, empty, and answered (ephemeral) on their response_url.
"""

from __future__ import annotations

import json
from typing import Any

Blocks = list[dict[str, Any]]


def button_value(deploy_id: str, stage: int, item: int | None = None) -> str:
    """The JSON value every button carries."""
    value: dict[str, Any] = {"deploy": deploy_id, "stage": stage}
    if item is not None:
        value["item"] = item
    return json.dumps(value, separators=(",", ":"))
