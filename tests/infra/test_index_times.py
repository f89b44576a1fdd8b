"""The index reads each ticket time once (issue 13): its seconds (wake_at, the epoch
columns) come from core/rows.py micros' parse, and must be what breaches.epoch gives."""

from datetime import date, datetime, timedelta, timezone

from hypothesis import example, given, settings
from hypothesis import strategies as st

from itsmctl.core import rows
from itsmctl.core.breaches import epoch as parsed_epoch
from itsmctl.infra.index import epoch

ZONES = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda m: timezone(timedelta(minutes=m)))


@settings(max_examples=400, deadline=None)
@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1),
                    timezones=st.none() | ZONES), st.sampled_from(["T", " "]),
       st.sampled_from(["seconds", "microseconds", "auto"]))
@example(datetime(2025, 7, 21, 5, 3, 14, tzinfo=timezone(timedelta(hours=8))), "T", "seconds")
@example(datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc), "T", "auto")
def test_epoch_from_micros_equals_the_parse_of_breaches(at, sep, spec):
    text = at.isoformat(sep=sep, timespec=spec)
    # zoned: from micros; naive (local time): breaches' own parse; both as before
    assert epoch(text) == parsed_epoch(text)
    assert epoch(at) == parsed_epoch(at)
    assert epoch(text) == epoch(text)            # the second read comes from the memo
    if at.tzinfo is not None:
        written = datetime.fromisoformat(text)
        assert rows.micros(text) == (written - rows.EPOCH) // timedelta(microseconds=1)
    else:
        assert rows.micros(text) is None


def test_epoch_of_what_is_no_zoned_time_is_as_before():
    for value in (None, "", 0, 5, "5", "soon", date(2025, 7, 21), "2025-07-21",
                  "2025-07-21T05:03:14", "2025-13-01T00:00:00+08:00", [], False, True):
        assert epoch(value) == parsed_epoch(value), value


def test_the_micros_memo_stays_small_and_right():
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    texts = [(start + timedelta(seconds=i)).isoformat() for i in range(rows._KNOWN_MAX + 10)]
    for text in texts:
        rows.micros(text)
    assert len(rows._KNOWN) <= rows._KNOWN_MAX
    for i, text in enumerate(texts):
        assert rows.micros(text) == rows.micros(start) + i * 10**6
