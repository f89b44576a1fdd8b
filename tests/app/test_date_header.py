"""The Date header of a delivered notice is email.utils.format_datetime's, written out
without importing the email package (issue 13)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

from itsmctl.app.deliver import date_header


def test_date_header_is_format_datetime() -> None:
    rng = random.Random(13)
    zones = [None, timezone.utc, timezone(timedelta(hours=8)), timezone(-timedelta(hours=3,
             minutes=30)), timezone(timedelta(hours=5, minutes=45)),
             timezone(timedelta(hours=-12))]
    base = datetime(1, 1, 1)
    for _ in range(3000):
        naive = base + timedelta(seconds=rng.randrange(315_537_897_599),
                                 microseconds=rng.randrange(1_000_000))
        for zone in zones:
            dt = naive.replace(tzinfo=zone)
            iso = dt.isoformat()
            assert date_header(iso) == format_datetime(datetime.fromisoformat(iso)), iso
