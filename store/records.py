"""The records the store returns; they live in rollout.records so the port can name them."""

from rollout.records import (
    ROOT,
    EventRecord,
    FreezeRecord,
    Message,
    MessageKind,
    NoticeRecord,
    NoticeState,
    OutboxRecord,
    ReleaseRecord,
    TrainCarRecord,
    TrainRecord,
)

__all__ = [
    "ROOT",
    "EventRecord",
    "FreezeRecord",
    "Message",
    "MessageKind",
    "NoticeRecord",
    "NoticeState",
    "OutboxRecord",
    "ReleaseRecord",
    "TrainCarRecord",
    "TrainRecord",
]
