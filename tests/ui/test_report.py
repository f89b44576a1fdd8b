"""Q1, Q2: the monthly report against a desk built by scripted transitions with --now.

Every expected figure below is counted by hand from the script, following the
definitions in itsmctl/core/kpi.py and itsmctl/core/report.py.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import BILLING, USER, itsm, ok

NOV = "2026-11"
AT = "2026-12-01T09:00:00+08:00"     # the report is run the morning after the month
DB = ("--category", "billing", "--subtype", "database", "--symptom", "slow")


def t(day: str, hm: str) -> str:
    return f"2026-{day}T{hm}:00+08:00"


def run(desk: Path, when: str, *args: str, actor: str = "alice") -> str:
    return ok(itsm(desk, *args, actor=actor, now=when)).out.strip()


def opened(desk: Path, when: str, *extra: str, impact: str = "3") -> str:
    args = ["open", "--title", "计费出错", *extra, "--impact", impact]
    if "--recurrence-of" not in extra:
        args += list(USER)
    return run(desk, when, *args)


@pytest.fixture(scope="module")
def month_desk(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Seven tickets opened in November, two in October; see each comment for its story."""
    from tests.helpers import make_desk

    desk = make_desk(tmp_path_factory.mktemp("report") / "desk")
    ids = {"desk": str(desk)}
    # T1 P3: dispatched 10m, accepted 10m, resolved 3h later, closed solved, rated 5.
    a = ids["T1"] = opened(desk, t("11-02", "09:00"), *BILLING)
    run(desk, t("11-02", "09:10"), "assign", a, "--group", "billing-app")
    run(desk, t("11-02", "09:20"), "accept", a, actor="carol")
    run(desk, t("11-02", "12:00"), "resolve", a, "--solution", "s", "--causation", "data-error",
        actor="carol")
    run(desk, t("11-02", "13:00"), "close", a, "--code", "solved", "--satisfaction", "5")
    # T2 P4, then P3: dispatched after 2h (respond: late), returned once, redispatched (the
    # third handoff escalates, S5: urgency high -> P3), accepted 3h20m later (accept 1h:
    # late), restored in 19h (restore 2d: in time), closed solved, rated 2.
    b = ids["T2"] = opened(desk, t("11-03", "09:00"), *BILLING, impact="4")
    run(desk, t("11-03", "11:00"), "assign", b, "--group", "billing-app")
    run(desk, t("11-03", "11:30"), "reject", b, "--reason", "not ours?", actor="carol")
    run(desk, t("11-03", "11:40"), "assign", b, "--group", "billing-app")
    run(desk, t("11-03", "15:00"), "accept", b, actor="carol")
    run(desk, t("11-04", "10:00"), "resolve", b, "--solution", "s", "--causation", "data-error",
        actor="carol")
    run(desk, t("11-04", "11:00"), "close", b, "--code", "solved", "--satisfaction", "2")
    # T3 P3: resolved, reopened once, resolved 4 days later (restore 2d: late), closed as a
    # workaround with a problem.
    c = ids["T3"] = opened(desk, t("11-05", "09:00"), *BILLING)
    run(desk, t("11-05", "09:05"), "assign", c, "--group", "billing-app")
    run(desk, t("11-05", "09:10"), "accept", c, actor="carol")
    run(desk, t("11-05", "10:00"), "resolve", c, "--solution", "s", "--causation", "data-error",
        actor="carol")
    run(desk, t("11-05", "11:00"), "reopen", c, "--reason", "still wrong")
    run(desk, t("11-05", "11:10"), "accept", c, actor="carol")
    run(desk, t("11-09", "12:00"), "resolve", c, "--solution", "s2", actor="carol")
    run(desk, t("11-09", "12:30"), "link", c, "--problem", "PRB-1", actor="carol")
    run(desk, t("11-09", "13:00"), "close", c, "--code", "workaround")
    # T4 P4: resolved by the desk at first line in 20m, closed solved.
    d = ids["T4"] = opened(desk, t("11-06", "09:00"), *BILLING, impact="4")
    run(desk, t("11-06", "09:20"), "resolve", d, "--solution", "password reset")
    run(desk, t("11-06", "10:00"), "close", d, "--code", "solved")
    # T5 P3: the vendor (line 3) solves it; rated 4.
    e = ids["T5"] = opened(desk, t("11-07", "09:00"), *DB)
    run(desk, t("11-07", "09:10"), "assign", e, "--group", "vendor-db")
    run(desk, t("11-07", "09:30"), "accept", e, actor="ivan")
    run(desk, t("11-07", "15:00"), "resolve", e, "--solution", "s", "--causation", "hardware",
        actor="ivan")
    run(desk, t("11-07", "16:00"), "close", e, "--code", "solved", "--satisfaction", "4")
    # T6: a recurrence of T1 (P3 one level up: P2), never dispatched.
    ids["T6"] = opened(desk, t("11-10", "09:00"), "--recurrence-of", a)
    # T7: a complaint (escalated at once: urgency high, impact 4 -> P3), left new.
    ids["T7"] = opened(desk, t("11-11", "09:00"), "--type", "complaint", impact="4")
    # October: one ticket resolved by billing-app, one still open at the end of November.
    o = ids["O1"] = opened(desk, t("10-20", "09:00"), *BILLING)
    run(desk, t("10-20", "09:10"), "assign", o, "--group", "billing-app")
    run(desk, t("10-20", "09:20"), "accept", o, actor="dave")
    run(desk, t("10-20", "12:00"), "resolve", o, "--solution", "s", "--causation", "capacity",
        actor="dave")
    ids["O2"] = opened(desk, t("10-25", "09:00"), *BILLING, impact="4")
    # O1 is reopened in November and resolved again: resolved at the end of October.
    run(desk, t("11-15", "09:00"), "reopen", o, "--reason", "again")
    run(desk, t("11-15", "09:10"), "accept", o, actor="dave")
    run(desk, t("11-16", "09:00"), "resolve", o, "--solution", "s2", actor="dave")
    return ids


def report(ids: dict[str, str], *args: str) -> dict:
    return ok(itsm(Path(ids["desk"]), "report", *args, "--format", "json", now=AT)).json


def test_Q1_monthly_figures_iso_5_15(month_desk):
    r = report(month_desk, "--month", NOV)
    s = r["summary"]
    assert r["period"]["label"] == NOV
    assert s["total_incidents"] == 7
    assert s["by_priority"] == {"P1": 0, "P2": 1, "P3": 5, "P4": 1}   # T4 alone is P4
    # responded within target: T1, T3, T4, T5 (T2 late, T6 and T7 never dispatched)
    assert (s["responded_in_time"], s["response_rate"]) == (4, 4 / 7)
    assert (s["resolved_line1"], s["resolved_line2"], s["resolved_line3"]) == (1, 3, 1)
    assert s["by_type"] == {"incident": 6, "complaint": 1}


def test_Q1_kpi_table_values_and_verdicts(month_desk):
    k = report(month_desk, "--month", NOV)["kpis"]

    def val(name: str) -> tuple:
        return k[name]["numerator"], k[name]["denominator"], k[name]["pass"]

    assert val("dispatch_accuracy") == (1, 7, False)        # one return in 7 tickets
    assert val("dispatch_timeliness") == (3, 4, False)      # T2 dispatched late
    assert val("accept_timeliness") == (3, 4, False)        # T2 accepted late
    assert val("restore_timeliness") == (3, 4, False)       # T3 restored late
    assert val("close_confirmation") == (1, 7, False)       # T3 reopened once
    assert val("problem_coverage") == (1, 1, True)          # T3 (workaround) has PRB-1
    assert val("resolution_rate") == (4, 7, False)          # T1 T2 T4 T5 solved
    assert val("recurrence_rate") == (1, 4, False)          # T6 repeats T1
    assert val("satisfaction") == (1, 3, False)             # T2 rated 2 of 5, 4, 2
    assert val("complaint_rate") == (1, 7, False)
    assert k["resolution_rate"]["value"] == pytest.approx(4 / 7)
    assert k["accept_timeliness"]["target"] == "> 95%"
    acc = k["accept_timeliness"]["by_group"]
    assert (acc["billing-app"]["numerator"], acc["billing-app"]["denominator"]) == (2, 3)
    assert acc["vendor-db"]["pass"] is True
    assert k["accept_timeliness"]["groups_failing"] == ["billing-app"]
    rec = k["recurrence_rate"]["by_group"]["billing-app"]
    assert (rec["numerator"], rec["denominator"]) == (1, 2)
    assert k["close_confirmation"]["by_group"]["billing-app"]["denominator"] == 3


def test_Q1_targets_come_from_config(month_desk, tmp_path):
    desk = tmp_path / "copy"
    shutil.copytree(month_desk["desk"], desk)
    cfg = desk / "config" / "kpi.yaml"
    cfg.write_text(cfg.read_text().replace('resolution_rate: "> 80%"',
                                           'resolution_rate: "> 50%"'))
    k = ok(itsm(desk, "report", "--month", NOV, "--format", "json", now=AT)).json["kpis"]
    assert k["resolution_rate"]["target"] == "> 50%" and k["resolution_rate"]["pass"] is True


def test_Q1_trend_against_earlier_months(month_desk):
    r = report(month_desk, "--month", NOV)
    trend = {p["period"]: p for p in r["trend"]}
    assert list(trend) == ["2026-08", "2026-09", "2026-10", "2026-11"]
    assert trend["2026-10"]["total_incidents"] == 2
    assert trend["2026-10"]["resolved_line2"] == 1
    assert r["trend_analysis"]["change"] == 5
    oct_ = report(month_desk, "--month", "2026-10", "--trend", "1")
    assert [p["period"] for p in oct_["trend"]] == ["2026-09", "2026-10"]


def test_Q1_group_and_range(month_desk):
    g = report(month_desk, "--month", NOV, "--group", "billing-app")
    assert g["group"] == "billing-app"
    assert g["summary"]["total_incidents"] == 3                 # T1 T2 T3
    assert g["kpis"]["resolution_rate"]["numerator"] == 2
    r = report(month_desk, "--from", "2026-11-01", "--to", "2026-11-05")
    assert r["summary"]["total_incidents"] == 3                 # T1 T2 T3
    assert r["period"]["label"] == "2026-11-01..2026-11-05"
    assert len(r["volume"]) == 5


def test_Q1_bad_period_and_group_are_refused(month_desk):
    desk = Path(month_desk["desk"])
    r = itsm(desk, "report", "--month", "2026-13", now=AT)
    assert r.code == 2 and "YYYY-MM" in r.err
    r = itsm(desk, "report", "--month", NOV, "--group", "ghosts", now=AT)
    assert r.code == 3 and "ghosts" in r.err
    r = itsm(desk, "report", "--month", NOV, "--from", "2026-11-01", now=AT)
    assert r.code == 2


def test_Q2_series_volume_sla_backlog(month_desk):
    r = report(month_desk, "--month", NOV)
    vol = {d["date"]: d for d in r["volume"]}
    assert len(vol) == 30 and vol["2026-11-03"]["opened"] == 1
    assert vol["2026-11-09"]["resolved"] == 1                   # T3's second resolution
    assert vol["2026-11-16"]["resolved"] == 1                   # O1's second resolution
    p3 = r["sla"]["by_priority"]["P3"]["restore"]
    assert (p3["met"], p3["total"]) == (3, 4)                   # T1 T2 T5 met; T3 late
    b = r["backlog"]
    assert b["at"].startswith("2026-12-01T00:00") and b["total"] == 3   # T6, T7, O2
    ages = {x["age"]: x["count"] for x in b["buckets"]}
    assert ages["7-30d"] == 2 and ages["> 30d"] == 1


def test_Q2_table_and_csv(month_desk):
    desk = Path(month_desk["desk"])
    out = ok(itsm(desk, "report", "--month", NOV, now=AT)).out
    assert "total incidents: 7" in out and "resolution_rate" in out and "FAIL" in out
    text = ok(itsm(desk, "report", "--month", NOV, "--format", "csv", now=AT)).out
    rows = list(csv.DictReader(io.StringIO(text)))
    kpi = {(r["metric"], r["group"]): r for r in rows if r["section"] == "kpi"}
    assert kpi[("recurrence_rate", "")]["numerator"] == "1"
    assert kpi[("recurrence_rate", "")]["denominator"] == "4"
    assert kpi[("accept_timeliness", "vendor-db")]["pass"] == "True"


def test_Q2_json_flag_and_out_file(month_desk, tmp_path):
    desk = Path(month_desk["desk"])
    r = ok(itsm(desk, "--json", "report", "--month", NOV, now=AT))
    assert r.json["summary"]["total_incidents"] == 7
    target = tmp_path / "r.csv"
    ok(itsm(desk, "report", "--month", NOV, "--format", "csv", "--out", str(target), now=AT))
    assert target.read_text().startswith("section,metric")


def html_report(month_desk: dict, tmp_path: Path) -> Path:
    page = tmp_path / "report.html"
    ok(itsm(Path(month_desk["desk"]), "report", "--month", NOV, "--format", "html", "--out",
            str(page), now=AT))
    return page


def test_Q2_html_is_self_contained_with_charts(month_desk, tmp_path):
    text = html_report(month_desk, tmp_path).read_text()
    assert text.startswith("<!DOCTYPE html>") and text.count("<svg") == 5
    for title in ("Volume by day", "SLA compliance by priority", "SLA compliance by group",
                  "Backlog age"):
        assert title in text
    # nothing to fetch: no scripts, stylesheets or images from elsewhere
    for needle in ("<script", "<link", "src=\"http", "url(http", "<img"):
        assert needle not in text


@pytest.mark.slow
@pytest.mark.skipif(not (shutil.which("chromium") or shutil.which("chromium-browser")),
                    reason="chromium is not installed (apt-get install -y chromium) to "
                           "render the HTML report in a real browser")
@pytest.mark.slow
def test_Q2_html_renders_in_headless_chromium(month_desk, tmp_path):
    page = html_report(month_desk, tmp_path)
    png = tmp_path / "report.png"
    script = Path(__file__).resolve().parents[2] / "scripts" / "screenshot_report.sh"
    proc = subprocess.run(["bash", str(script), str(page), str(png)], capture_output=True,
                          text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1200, 2000)
    assert len(data) > 20_000          # a drawn page, not a blank one


def test_Q1_backlog_of_a_past_month_follows_the_history(month_desk):
    b = report(month_desk, "--month", "2026-10")["backlog"]
    assert b["at"].startswith("2026-11-01T00:00") and b["total"] == 1     # O2, not O1


def test_Q1_same_figures_without_the_ticket_index(month_desk, monkeypatch):
    """The index only narrows which files are read; a full scan gives the same report."""
    import itsmctl.infra.index

    with_index = report(month_desk, "--month", NOV)

    def broken(*args, **kwargs):
        raise OSError("no index here")

    monkeypatch.setattr(itsmctl.infra.index, "open_index", broken)
    assert report(month_desk, "--month", NOV) == with_index
    assert report(month_desk, "--month", "2026-10")["backlog"]["total"] == 1


def test_G5_a_report_names_the_ticket_files_it_left_out_and_exits_4(desk):
    """A committed ticket file the report cannot read is not silently left out of the
    figures: each is named on stderr, the report is still printed, exit 4."""
    from tests.helpers import git, open_ticket

    kept = open_ticket(desk)
    broken = open_ticket(desk)
    path = next(desk.glob(f"tickets/*/*/{broken}.yaml"))
    path.write_text("id: [unclosed\n" + path.read_text().split("\n", 1)[1])
    git(desk, "commit", "-qam", "a hand edit gone wrong")
    r = itsm(desk, "report", "--month", NOV, now=AT)
    assert r.code == 4, r.err
    assert "total incidents: 1" in r.out                       # printed all the same
    assert f"skipped: tickets/2026/11/{broken}.yaml:" in r.err and "not valid YAML" in r.err
    assert "1 ticket file(s) skipped" in r.err and "G5" in r.err
    j = itsm(desk, "--json", "report", "--month", NOV, now=AT)
    assert j.code == 4 and j.json["summary"]["total_incidents"] == 1
    assert [s.split(":")[0] for s in j.json["skipped"]] == [f"tickets/2026/11/{broken}.yaml"]
    assert kept not in j.err
