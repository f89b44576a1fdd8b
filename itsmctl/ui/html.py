"""The report as one self-contained HTML page (Q2, Q6): inline SVG charts, no network needed.

The charts are drawn by itsmctl/ui/svgchart.py (stdlib only: no plotting library to
install). The page is responsive: a fluid column, charts that scale with their
`viewBox`, tables that scroll sideways on a narrow screen. Headings are in the
desk's language (the gettext catalogue of itsmctl/ui/i18n.py; `lang` overrides the
environment), groups carry the labels configured in teams.yaml (`data["labels"]`).
Every value put into the page is escaped. Any item of the data may carry an `href`
(a KPI row, a day, a period, an SLA cell, a backlog bucket): its figure then links
there, e.g. to the tickets behind it.
"""

from __future__ import annotations

import gettext
from datetime import date, timedelta
from html import escape
from typing import Any, Callable, Optional

# project internals used here (re-point after the move to itsmctl/ui/):
from itsmctl.ui.i18n import DOMAIN, LOCALEDIR, language
from itsmctl.ui.svgchart import Series, chart, safe_href

COLORS = ["#1f6feb", "#f0883e", "#2da44e", "#a371f7", "#cf222e", "#6e7781"]
PHASES = ("respond", "accept", "restore", "close")
# a forecast needs this many periods, counted from the first one with any ticket:
# the empty months before a desk was in use say nothing about the next one
MIN_FORECAST_PERIODS = 3

Tr = Callable[[str], str]


def translator(lang: Optional[str] = None) -> tuple[str, Tr]:
    """(BCP 47 tag for <html lang>, gettext function) for 'zh_CN', 'zh-CN', 'en', …;
    None: the language of the environment, as every other command uses."""
    code = (lang or language()).replace("-", "_")
    if code.lower().startswith("zh"):
        catalogue = gettext.translation(DOMAIN, str(LOCALEDIR), languages=["zh_CN"],
                                        fallback=True)
        return "zh-CN", catalogue.gettext
    return "en", lambda text: text


def forecast_shown(trend: list[dict[str, Any]]) -> bool:
    """Whether the trend holds enough periods with data for a forecast to mean something."""
    totals = [t["total_incidents"] for t in trend]
    first = next((i for i, total in enumerate(totals) if total), len(totals))
    return len(totals) - first >= MIN_FORECAST_PERIODS


def _e(value: Any) -> str:
    return escape("" if value is None else str(value))


def _pct(value: Optional[float], na: str = "n/a") -> str:
    return na if value is None else f"{value * 100:.1f}%"


def _a(inner: str, item: Any) -> str:
    """`inner` linked to the item's href, when it has a safe one."""
    href = safe_href(item.get("href")) if isinstance(item, dict) else None
    return f'<a href="{escape(href)}">{inner}</a>' if href else inner


class _Labels:
    """Group names as configured: short (the label) for charts, 'id (label)' in tables."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.groups: dict[str, str] = (data.get("labels") or {}).get("groups") or {}

    def short(self, group: str) -> str:
        return self.groups.get(group) or group

    def full(self, group: str) -> str:
        label = self.groups.get(group)
        return f"{group} ({label})" if label and label != group else group


def volume_chart(data: dict[str, Any], _: Tr = str) -> str:
    days = data["volume"]
    return chart(_("Volume by day"), [d["date"][5:] for d in days], [
        Series(_("tickets opened"), [d["opened"] for d in days], COLORS[0],
               hrefs=[d.get("href") for d in days]),
        Series(_("tickets resolved"), [d["resolved"] for d in days], COLORS[2],
               hrefs=[d.get("href") for d in days])],
        ylabel=_("tickets"), category_tips=[d["date"] for d in days])


def trend_chart(data: dict[str, Any], _: Tr = str) -> str:
    trend = data["trend"]
    hrefs = [t.get("href") for t in trend]
    return chart(_("Trend by period"), [t["period"] for t in trend], [
        Series(_("tickets opened"), [t["total_incidents"] for t in trend], COLORS[0],
               hrefs=hrefs),
        Series(_("tickets resolved"), [t["resolved_total"] for t in trend], COLORS[1],
               hrefs=hrefs, line=True)],
        ylabel=_("tickets"))


def compliance_chart(rows: dict[str, Any], title: str, _: Tr = str,
                     name: Callable[[str], str] = str, full: Callable[[str], str] = str,
                     target: Optional[float] = None) -> str:
    keys = list(rows)
    series = []
    for i, phase in enumerate(PHASES):
        cells = [rows[k][phase] for k in keys]
        series.append(Series(
            _(phase), [None if c["total"] == 0 or c["rate"] is None else c["rate"] * 100
                       for c in cells], COLORS[i],
            tips=[f"{full(k)} · {_(phase)}: {_cell(c)}" for k, c in zip(keys, cells)],
            hrefs=[c.get("href") for c in cells]))
    guide = (target, f"{_('target')} {target:g}%") if target is not None else None
    return chart(title, [name(k) for k in keys], series, ylabel=_("% within target"),
                 percent=True, value_labels=True, guide=guide,
                 category_tips=[full(k) for k in keys])


def _cell(c: dict[str, Any]) -> str:
    rate = "" if c["rate"] is None else f" ({c['rate'] * 100:.0f}%)"
    return f"{c['met']}/{c['total']}{rate}"


def backlog_chart(data: dict[str, Any], _: Tr = str) -> str:
    backlog = data["backlog"]
    buckets = backlog["buckets"]
    levels = list(buckets[0]["by_priority"]) if buckets else []
    at = backlog["at"][:16].replace("T", " ")
    series = [Series(level, [b["by_priority"].get(level, 0) for b in buckets],
                     COLORS[i % len(COLORS)], hrefs=[b.get("href") for b in buckets])
              for i, level in enumerate(levels)]
    return chart(f"{_('Backlog age')} · {at}", [b["age"] for b in buckets], series,
                 ylabel=_("open tickets"), stacked=True)


def _target(data: dict[str, Any]) -> Optional[float]:
    """The accept/restore timeliness target (kpi.yaml, e.g. '> 95%') as a number."""
    for kpi_id in ("restore_timeliness", "accept_timeliness"):
        text = str((data["kpis"].get(kpi_id) or {}).get("target") or "")
        digits = "".join(c for c in text if c.isdigit() or c == ".")
        if "%" in text and digits.replace(".", "", 1).isdigit():
            return float(digits)
    return None


def _kpi_table(data: dict[str, Any], _: Tr, labels: _Labels) -> str:
    verdicts = {True: ("pass", _("pass")), False: ("fail", _("fail")), None: ("na", _("n/a"))}
    rows = []
    for k in data["kpis"].values():
        entries = [(_("(all)"), k)] + [(labels.full(g), r)
                                       for g, r in k.get("by_group", {}).items()]
        for i, (group, r) in enumerate(entries):
            css, verdict = verdicts[r["pass"]]
            name = f"<b>{_e(k['name'])}</b>" if i == 0 else ""
            rows.append(f"<tr class='{css}'><td class='name'>{name}</td><td>{_e(group)}</td>"
                        f"<td>{_a(_e(_pct(r['value'], _('n/a'))), r)}</td>"
                        f"<td>{_e(r['numerator'])}/{_e(r['denominator'])}</td>"
                        f"<td>{_e(r['target'])}</td><td>{_e(verdict)}</td></tr>")
    head = "".join(f"<th>{_e(_(h))}</th>" for h in
                   ("kpi", "group", "value", "n/d", "target", "result"))
    return (f"<div class='scroll'><table><thead><tr>{head}</tr></thead><tbody>"
            + "".join(rows) + "</tbody></table></div>")


def _trend_line(data: dict[str, Any], _: Tr) -> str:
    ta = data["trend_analysis"]
    if ta["change"] is None:
        return ""
    pct = "" if ta["change_percent"] is None else f" ({ta['change_percent']:+.1f}%)"
    text = f"{_('change on the previous period')}: {ta['change']:+d}{pct}"
    if ta.get("forecast_next") is not None and forecast_shown(data["trend"]):
        text += f"; {_('forecast for the next period')}: {ta['forecast_next']}"
    else:
        text += f"; {_('a forecast needs three periods with tickets')}"
    return f"<p>{_e(text)}</p>"


_STYLE = """
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;color:#1f2328;background:#fff;line-height:1.4;
font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","Microsoft YaHei",
"WenQuanYi Micro Hei",sans-serif}
main{max-width:1200px;margin:0 auto;padding:16px clamp(12px,3vw,32px) 32px}
h1{font-size:clamp(19px,5vw,24px);margin:0 0 4px;overflow-wrap:break-word}
h2{font-size:17px;margin:28px 0 8px}
.sub{color:#59636e;margin:0 0 16px;overflow-wrap:break-word}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(104px,1fr));gap:8px}
.card{border:1px solid #d1d9e0;border-radius:8px;padding:6px 10px;min-width:0}
.card .n{font-size:22px;font-weight:600}.card .l{color:#59636e;font-size:12px}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-size:13px}
td,th{padding:4px 10px;border-bottom:1px solid #d1d9e0;text-align:left;white-space:nowrap}
td.name{white-space:normal;min-width:9em;max-width:22em}
tr.fail td{color:#cf222e}tr.pass td:last-child{color:#1a7f37}
a{color:inherit;text-decoration-thickness:1px}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,440px),1fr));
gap:20px 28px}
figure{margin:0;min-width:0;break-inside:avoid}
figcaption{font-weight:600;font-size:14px;margin:0 0 2px}
svg.chart{display:block;width:100%;height:auto;overflow:visible}
"""


def report_page(data: dict[str, Any], lang: Optional[str] = None) -> str:
    """The whole page; opens offline in any browser."""
    tag, _ = translator(lang)
    labels = _Labels(data)
    s, p = data["summary"], data["period"]
    scope = f" · {_('group')} {labels.full(data['group'])}" if data["group"] else ""
    title = f"{_('Incident report')} {p['label']}{scope}"
    last = date.fromisoformat(p["to"][:10]) - timedelta(days=1)
    desk = (data.get("labels") or {}).get("desk")
    sub = " · ".join(x for x in (desk, f"{p['from'][:10]} – {last.isoformat()}",
                                 f"{_('generated')} {p['generated_at'][:16].replace('T', ' ')}",
                                 "itsmctl") if x)
    cards = [(_("total incidents"), s["total_incidents"]),
             (_("response rate"), _pct(s["response_rate"], _("n/a"))),
             (_("resolved by line 2"), s["resolved_line2"]),
             (_("resolved by line 3"), s["resolved_line3"]),
             (_("open backlog"), data["backlog"]["total"])]
    cards += [(f"{_('priority')} {k}", v) for k, v in s["by_priority"].items()]
    card_html = "".join(f"<div class='card'><div class='n'>{_e(v)}</div>"
                        f"<div class='l'>{_e(k)}</div></div>" for k, v in cards)
    charts = [(_("Volume by day"), volume_chart(data, _)),
              (_("Trend by period"), trend_chart(data, _))]
    target = _target(data)
    for key, heading, name in (("by_priority", "SLA compliance by priority", str),
                               ("by_group", "SLA compliance by group", labels.short)):
        if data["sla"][key]:
            full = labels.full if key == "by_group" else str
            charts.append((_(heading), compliance_chart(data["sla"][key], _(heading), _, name,
                                                        full, target)))
    backlog = backlog_chart(data, _)
    charts.append((f"{_('Backlog age')} · {data['backlog']['at'][:16].replace('T', ' ')}",
                   backlog))
    figures = "".join(f"<figure><figcaption>{_e(caption)}</figcaption>{svg}</figure>"
                      for caption, svg in charts)
    return f"""<!DOCTYPE html>
<html lang="{tag}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title><style>{_STYLE}</style></head>
<body><main>
<h1>{_e(title)}</h1>
<p class="sub">{_e(sub)}</p>
<div class="cards">{card_html}</div>
<h2>{_e(_('KPIs (handbook 6.2)'))}</h2>
{_kpi_table(data, _, labels)}
<h2>{_e(_('Trend (ISO procedure 5.15)'))}</h2>
{_trend_line(data, _)}
<div class="charts">{figures}</div>
</main></body></html>
"""
