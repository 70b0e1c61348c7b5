"""The records the store returns; they live in rollout.records so the port can name them."""

from rollout.records import EventRecord, FreezeRecord, NoticeRecord, NoticeState, ReleaseRecord

__all__ = ["EventRecord", "FreezeRecord", "NoticeRecord", "NoticeState", "ReleaseRecord"]
