"""Q2, Q6: the HTML report page: SVG charts without a plotting library, the desk's language
and labels, escaping, link hooks, and a layout that fits a phone and a desktop."""

from __future__ import annotations

import copy
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import tomllib

from tests.helpers import itsm, ok
from tests.ui.test_report import AT, NOV, html_report, month_desk  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parents[2]
BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")


def report_data(month_desk: dict) -> dict:  # noqa: F811
    return ok(itsm(Path(month_desk["desk"]), "report", "--month", NOV, "--format", "json",
                   now=AT)).json


def page_of(data: dict, lang: str = "en") -> str:
    from itsmctl.ui.html import report_page

    return report_page(data, lang=lang)


def test_Q2_default_install_has_no_plotting_library(month_desk, tmp_path):  # noqa: F811
    """Issue 11: the charts need no matplotlib (and so no numpy, pillow, fonttools)."""
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    for heavy in ("matplotlib", "numpy", "pygal", "plotly"):
        assert not any(d.lower().startswith(heavy) for d in deps), heavy
    out = tmp_path / "r.html"
    code = ("import sys\n"
            "for name in ('matplotlib', 'numpy', 'PIL'):\n"
            "    sys.modules[name] = None     # importing them now fails\n"
            "from itsmctl.ui.main import main\n"
            "main()\n")
    proc = subprocess.run([sys.executable, "-c", code, "--repo", month_desk["desk"], "--now",
                           AT, "report", "--month", NOV, "--format", "html", "--out",
                           str(out)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert out.read_text().count("<svg") == 5


def test_Q2_charts_are_inline_svg_that_scale(month_desk, tmp_path):  # noqa: F811
    text = html_report(month_desk, tmp_path).read_text()
    svgs = re.findall(r"<svg\b[^>]*>", text)
    assert len(svgs) == 5
    for tag in svgs:
        assert 'viewBox="0 0 ' in tag and 'role="img"' in tag
        assert not re.search(r"\s(width|height)=", tag)       # the page sizes them
    assert text.count("<figure>") == 5 and text.count("<figcaption>") == 5
    assert '<meta name="viewport" content="width=device-width' in text
    assert "overflow-x:auto" in text and "class='scroll'" in text
    for title in ("Volume by day", "Trend by period", "SLA compliance by priority",
                  "SLA compliance by group", "Backlog age"):
        assert f"<figcaption>{title}" in text
    # each bar says what it is on hover
    assert "billing-app (计费应用组) · restore: " in text


def test_Q6_html_in_the_desks_language_with_its_labels(month_desk, tmp_path):  # noqa: F811
    english = html_report(month_desk, tmp_path).read_text()
    assert '<html lang="en">' in english and "Incident report 2026-11" in english
    page = tmp_path / "zh.html"
    ok(itsm(Path(month_desk["desk"]), "report", "--month", NOV, "--format", "html", "--out",
            str(page), now=AT, env={"LANG": "zh_CN.UTF-8"}))
    text = page.read_text()
    assert '<html lang="zh-CN">' in text
    for words in ("事件报告 2026-11", "考核指标（手册 6.2）", "各优先级 SLA 达成率",
                  "各处理组 SLA 达成率", "每日工单量", "新登记", "达标"):
        assert words in text, words
    assert "Volume by day" not in text
    # groups as configured in teams.yaml: the label on the chart, id and label in the table
    assert ">计费应用组<title>billing-app (计费应用组)</title>" in text
    assert "<td>billing-app (计费应用组)</td>" in text
    assert "Example service desk" in text                     # desk.yaml's name
    # the explicit language wins over the environment
    assert '<html lang="zh-CN">' in page_of(report_data(month_desk), lang="zh-CN")


def test_Q6_html_escapes_every_text(month_desk):  # noqa: F811
    data = report_data(month_desk)
    evil = "<script>alert(1)</script>&\"'"
    data["labels"] = {"desk": evil, "groups": {"billing-app": evil}}
    data["period"]["label"] = "<img src=x onerror=alert(1)>"
    first = next(iter(data["kpis"].values()))
    first["name"] = evil
    text = page_of(data)
    assert "<script" not in text and "<img" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&amp;" in text
    assert "<title>Incident report &lt;img src=x onerror=alert(1)&gt;</title>" in text


def test_Q6_figures_link_where_the_data_gives_an_href(month_desk):  # noqa: F811
    """The hooks for linking figures to their tickets: any item's `href` becomes a link;
    only relative, fragment, http(s) and mailto links are kept."""
    data = without_tickets(report_data(month_desk))
    assert "<a " not in page_of(data)
    linked = copy.deepcopy(data)
    linked["volume"][2]["href"] = "tickets/2026/11/?day=03&x=<1>"
    linked["trend"][-1]["href"] = "#period-2026-11"
    linked["sla"]["by_priority"]["P3"]["restore"]["href"] = "https://desk.example/q?p=P3"
    linked["backlog"]["buckets"][3]["href"] = "JavaScript:alert(1)"
    kpi = linked["kpis"]["resolution_rate"]
    kpi["href"] = " javascript:alert(2)"
    next(iter(kpi["by_group"].values()))["href"] = "list.html#resolution_rate"
    text = page_of(linked)
    assert '<a href="tickets/2026/11/?day=03&amp;x=&lt;1&gt;"><rect' in text
    assert '<a href="#period-2026-11"><circle' in text
    assert '<a href="https://desk.example/q?p=P3"><rect' in text
    assert '<a href="list.html#resolution_rate">' in text
    assert "javascript" not in text.lower()


def without_tickets(value):
    """The report data with every Q6 ticket list taken out."""
    if isinstance(value, dict):
        return {k: without_tickets(v) for k, v in value.items() if k != "tickets"}
    if isinstance(value, list):
        return [without_tickets(v) for v in value]
    return value


def test_Q6_every_figure_links_to_the_tickets_behind_it(month_desk):  # noqa: F811
    data = report_data(month_desk)
    total = data["summary"]["tickets"]["total_incidents"]
    assert len(total) == data["total_incidents"] == 7
    text = page_of(data)
    anchors = set(re.findall(r'href="#(t\d+)"', text))
    assert anchors and all(f"id='{a}'" in text for a in anchors)
    # the total-incidents card links to a list naming exactly the month's tickets
    card = re.search(r'<a href="#(t\d+)">7</a></div><div class=\'l\'>total incidents', text)
    assert card
    block = text.split(f"id='{card.group(1)}'", 1)[1].split("</div>", 1)[0]
    assert sorted(re.findall(r"<code>([A-Z0-9-]+)</code>", block)) == total
    # a KPI row links too, and its lists are the JSON's
    kpi = data["kpis"]["resolution_rate"]
    assert len(kpi["tickets"]["denominator"]) == kpi["denominator"]
    assert len(kpi["tickets"]["numerator"]) == kpi["numerator"]


def test_Q6_forecast_only_with_enough_periods(month_desk):  # noqa: F811
    from itsmctl.ui.html import forecast_shown

    data = report_data(month_desk)
    assert [t["total_incidents"] for t in data["trend"]] == [0, 0, 2, 7]
    assert data["trend_analysis"]["forecast_next"] is None          # two periods: none
    assert data["trend_analysis"]["forecast_basis"] == 2
    text = page_of(data)
    assert "change on the previous period: +5" in text
    assert "forecast for the next period" not in text
    assert "a forecast needs three periods with tickets" in text
    for t, total in zip(data["trend"], (0, 3, 2, 7)):
        t["total_incidents"] = total
    data["trend_analysis"]["forecast_next"] = 9
    assert "forecast for the next period: 9" in page_of(data)
    assert not forecast_shown([]) and not forecast_shown([{"total_incidents": 4}] * 2)
    assert forecast_shown([{"total_incidents": n} for n in (0, 1, 0, 0)])


def test_Q2_svg_charts_unit():
    from itsmctl.ui.svgchart import Series, chart, nice_ticks, safe_href, text_width

    assert nice_ticks(7) == [0, 2, 4, 6, 8] and nice_ticks(0) == [0, 1]
    assert nice_ticks(1) == [0, 1] and nice_ticks(140)[-1] >= 140
    assert text_width("计费") == pytest.approx(text_width("ab") / 0.6)
    assert safe_href("../x") == "../x" and safe_href("data:text/html,x") is None
    svg = chart("t<", ["a", "a very long group name that will not fit under its bar"] * 3,
                [Series("s", [1, None, 3, 0, 2, 1], "#000", line=False),
                 Series("l", [1, 2, 3, 4, 5, 6], "#111", line=True)])
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 480 270"')
    assert "<title>t&lt;</title>" in svg and "…<title>a very long group name" in svg
    assert svg.count("<rect") == 4 + 1            # four non-zero bars and one legend swatch
    assert chart("t", ["a"], [Series("s", [1], "#000")]) == \
        chart("t", ["a"], [Series("s", [1], "#000")])         # deterministic


# ---- in a real browser -------------------------------------------------------------

_PROBE = """<script>
window.addEventListener('load', function () {
  var out = {};
  document.querySelectorAll('iframe').forEach(function (f) {
    var doc = f.contentDocument, root = doc.documentElement, svg = doc.querySelector('svg');
    var box = doc.querySelector('.scroll');
    out[f.dataset.width] = {scroll: root.scrollWidth, client: root.clientWidth,
      inner: f.contentWindow.innerWidth, svgs: doc.querySelectorAll('svg[viewBox]').length,
      chart: svg ? Math.round(svg.getBoundingClientRect().width) : 0,
      table: box ? [box.scrollWidth, box.clientWidth] : null};
  });
  var pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def measure_in_chromium(page: str, widths: tuple[int, ...]) -> dict[str, dict]:
    """Lay the page out at each width (an iframe each, same origin through srcdoc) in
    headless Chromium and read what a script measured from the dumped DOM."""
    frames = "".join(f'<iframe data-width="{w}" style="width:{w}px;height:900px;border:0" '
                     f'srcdoc="{html.escape(page, quote=True)}"></iframe>' for w in widths)
    with tempfile.TemporaryDirectory() as tmp:
        wrapper = Path(tmp) / "probe.html"
        wrapper.write_text(f"<!DOCTYPE html><html><body style='margin:0'>{frames}{_PROBE}"
                           "</body></html>", encoding="utf-8")
        proc = subprocess.run(
            [str(BROWSER), "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--no-first-run", f"--user-data-dir={tmp}/profile",
             f"--window-size={max(widths) + 40},1000", "--dump-dom", wrapper.as_uri()],
            capture_output=True, text=True, timeout=120)
    found = re.search(r'<pre id="probe">(.*?)</pre>', proc.stdout, re.S)
    assert found, f"no measurement from chromium: {proc.stderr[-500:]}"
    return json.loads(html.unescape(found.group(1)))


@pytest.mark.slow
@pytest.mark.skipif(not BROWSER, reason="chromium is not installed (apt-get install chromium)")
@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_Q6_page_fits_a_phone_and_a_desktop(month_desk, lang):  # noqa: F811
    data = report_data(month_desk)
    data["labels"]["groups"]["billing-app"] = "计费应用组 billing applications, second line"
    sizes = measure_in_chromium(page_of(data, lang), (390, 1280))
    for width, m in sizes.items():
        # nothing sticks out sideways: no horizontal scrolling of the page itself
        assert m["scroll"] <= m["client"] <= m["inner"] == int(width), (width, m)
        assert m["svgs"] == 5
        # the charts take the room there is: one column on a phone, two on a desktop
        assert m["chart"] >= (m["client"] - 40 if width == "390" else 480), (width, m)
    # on the phone the wide KPI table scrolls inside its own box instead
    phone = sizes["390"]["table"]
    assert phone[0] > phone[1]
