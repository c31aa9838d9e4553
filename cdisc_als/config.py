"""Settings shared by the commands; passed explicitly, never global."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timezone


def build_timestamp(default: datetime | None = None) -> datetime:
    """The timestamp written into outputs: ``SOURCE_DATE_EPOCH`` when set, else ``default``, else a fixed date.

    Outputs never carry the wall-clock time, so a rerun gives identical bytes.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), tz=timezone.utc).replace(tzinfo=None)
        except (ValueError, OverflowError, OSError):
            from cdisc_als.errors import UserError
            raise UserError(f"SOURCE_DATE_EPOCH={epoch!r} is not a whole number of seconds since 1970") from None
    return default or datetime(2000, 1, 1)


@dataclass(frozen=True)
class Settings:
    """Analysis and conversion settings (defaults follow the reference trial)."""

    study_id: str = "MSCNTF01"
    post_window_days: int = 183          # POST-TREATMENT slope window: baseline .. TRTSDT + 183
    days_per_month: float = 30.4375
    responder_threshold: float = 0.25    # relative slope improvement that makes a responder
    anchor_date: str | None = None       # calendar date of day offset 0 (PRO-ACT); None = no dates invented
    transliterate: bool = False          # XPT: replace non-ASCII text (and report it) instead of failing
    created: datetime = field(default_factory=build_timestamp)
