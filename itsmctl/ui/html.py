"""The report as one self-contained HTML page (Q2, Q6): inline SVG charts, no network needed.

The charts are drawn by itsmctl/ui/svgchart.py (stdlib only: no plotting library to
install). The page is responsive: a fluid column, charts that scale with their
`viewBox`, tables that scroll sideways on a narrow screen. Headings are in the
desk's language (the gettext catalogue of itsmctl/ui/i18n.py; `lang` overrides the
environment), groups carry the labels configured in teams.yaml (`data["labels"]`).
Every value put into the page is escaped. Any item of the data may carry an `href`
(a KPI row, a day, a period, an SLA cell, a backlog bucket): its figure then links
there. Items that name their tickets (`tickets`, core/report.py, Q6) and carry no
`href` of their own link to the list of those tickets at the end of the page.
"""

from __future__ import annotations

import copy
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


class _Drill:
    """The lists of tickets behind the figures (Q6): one anchor per distinct list."""

    def __init__(self) -> None:
        self.blocks: list[tuple[str, str, list[tuple[str, list[str]]]]] = []
        self._seen: dict[tuple[tuple[str, ...], ...], str] = {}

    def link(self, item: Any, caption: str, *parts: tuple[str, Any]) -> None:
        """Give `item` an href to the lists `parts` ((what, ids), ...) unless it has one."""
        if not isinstance(item, dict) or item.get("href"):
            return
        lists = [(what, list(ids)) for what, ids in parts if isinstance(ids, list)]
        if not lists or not any(ids for _, ids in lists):
            return
        key = tuple((what, *ids) for what, ids in lists)
        anchor = self._seen.get(key)
        if anchor is None:
            anchor = f"t{len(self.blocks) + 1}"
            self._seen[key] = anchor
            self.blocks.append((anchor, caption, lists))
        item["href"] = f"#{anchor}"

    def html(self, _: Tr) -> str:
        if not self.blocks:
            return ""
        out = [f"<h2 id='tickets'>{_e(_('Tickets behind the figures'))}</h2>"]
        for anchor, caption, lists in self.blocks:
            rows = "".join(f"<p><b>{_e(what)}</b> ({len(ids)}): "
                           f"{' '.join(f'<code>{_e(i)}</code>' for i in ids)}</p>"
                           for what, ids in lists)
            out.append(f"<div class='ids' id='{anchor}'><h3>{_e(caption)}</h3>{rows}</div>")
        return "".join(out)


def drill_down(data: dict[str, Any], _: Tr = str) -> _Drill:
    """Set the hrefs of every figure with a ticket list (Q6) on `data` (a copy)."""
    drill = _Drill()
    tickets = data["summary"].get("tickets") or {}
    for kpi_id, k in data["kpis"].items():
        for group, r in [(_("(all)"), k), *k.get("by_group", {}).items()]:
            t = r.get("tickets") or {}
            drill.link(r, f"{k['name']} · {group}", (_("counted"), t.get("numerator")),
                       (_("of"), t.get("denominator")))
    for d in data["volume"]:
        t = d.get("tickets") or {}
        drill.link(d, d["date"], (_("tickets opened"), t.get("opened")),
                   (_("tickets resolved"), t.get("resolved")))
    for t in data["trend"]:
        drill.link(t, t["period"], (_("tickets opened"),
                                    (t.get("tickets") or {}).get("total_incidents")))
    for key in ("by_priority", "by_group"):
        for name, row in data["sla"][key].items():
            for phase, c in row.items():
                t = c.get("tickets") or {}
                missed = sorted(set(t.get("total") or ()) - set(t.get("met") or ()))
                drill.link(c, f"{name} · {_(phase)}", (_("within target"), t.get("met")),
                           (_("missed"), missed))
    for b in data["backlog"]["buckets"]:
        drill.link(b, f"{_('Backlog age')} {b['age']}",
                   (_("open tickets"), (b.get("tickets") or {}).get("count")))
    data["_cards"] = {"total": tickets.get("total_incidents"),
                      "line2": (tickets.get("resolved_by_line") or {}).get("2"),
                      "line3": (tickets.get("resolved_by_line") or {}).get("3"),
                      "backlog": (data["backlog"].get("tickets") or {}).get("total"),
                      "priority": tickets.get("by_priority") or {}}
    return drill


def _card(drill: _Drill, label: str, value: Any, ids: Any) -> str:
    item: dict[str, Any] = {}
    drill.link(item, label, (label, ids))
    return (f"<div class='card'><div class='n'>{_a(_e(value), item)}</div>"
            f"<div class='l'>{_e(label)}</div></div>")


def analysis_html(a: dict[str, Any], drill: _Drill, _: Tr) -> str:
    """The fault analysis (Q5) as tables whose counts link to their tickets."""
    def cell(row: dict[str, Any], key: str, caption: str) -> str:
        item: dict[str, Any] = {}
        drill.link(item, caption, (_(key), (row.get("tickets") or {}).get(key)))
        return f"<td>{_a(_e(row[key]), item)}</td>"

    def dur(t: dict[str, Any]) -> str:
        return f"<td>{_e(t['mean'] or '-')} / {_e(t['p90'] or '-')}</td>"

    out = [f"<h2>{_e(_('Fault analysis (handbook 6.3)'))}</h2>"]
    head = "".join(f"<th>{_e(_(h))}</th>" for h in (
        "key", "label", "tickets", "respond mean/p90", "restore mean/p90", "SLA misses",
        "recurrences"))
    for key, title in (("by_category", "by category / symptom"), ("by_causation",
                       "by causation"), ("by_ci", "by CI"), ("by_group", "by group")):
        rows = "".join(
            f"<tr><td>{_e(r['key'])}</td><td class='name'>{_e(r['label'])}</td>"
            f"{cell(r, 'volume', r['label'])}{dur(r['respond'])}{dur(r['restore'])}"
            f"{cell(r, 'sla_misses', r['label'])}{cell(r, 'recurrences', r['label'])}</tr>"
            for r in a[key])
        out.append(f"<h3>{_e(_(title))}</h3><div class='scroll'><table><thead><tr>{head}"
                   f"</tr></thead><tbody>{rows}</tbody></table></div>")
    rows = "".join(f"<tr><td>{_e(r['key'])}</td><td class='name'>{_e(r['label'])}</td>"
                   f"{cell(r, 'recurrences', r['label'])}</tr>" for r in a["top_recurring"])
    out.append(f"<h3>{_e(_('top recurring faults'))}</h3><div class='scroll'><table><tbody>"
               f"{rows}</tbody></table></div>")
    rows = "".join(f"<tr><td>{_e(r['assignee'])}</td><td class='name'>{_e(r['label'])}</td>"
                   f"{cell(r, 'tickets_total', r['label'])}{cell(r, 'open', r['label'])}"
                   f"{cell(r, 'resolved', r['label'])}{cell(r, 'sla_misses', r['label'])}"
                   f"<td>{_e(r['restore']['mean'] or '-')}</td></tr>" for r in a["workload"])
    head = "".join(f"<th>{_e(_(h))}</th>" for h in (
        "assignee", "name", "tickets", "open", "resolved", "SLA misses", "restore mean"))
    out.append(f"<h3>{_e(_('workload per assignee'))}</h3><div class='scroll'><table><thead>"
               f"<tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>")
    rows = "".join(f"<tr><td><code>{_e(m['id'])}</code></td><td>{_e(m['status'])}</td>"
                   f"<td>{_e(m['group_label'] or '')}</td><td>{_e(m['restore'] or '-')}</td>"
                   f"<td class='name'>{_e(m['title'])}</td></tr>" for m in a["major_incidents"])
    out.append(f"<h3>{_e(_('major incidents'))}</h3><div class='scroll'><table><tbody>"
               f"{rows}</tbody></table></div>")
    return "".join(out)


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
h3{font-size:15px;margin:16px 0 6px}
.ids{border-top:1px solid #d1d9e0;padding:2px 0;overflow-wrap:anywhere}
.ids p{margin:4px 0;font-size:13px}.ids:target{background:#fff8c5}
code{font-size:12px;margin-right:4px;white-space:nowrap}
"""


def report_page(data: dict[str, Any], lang: Optional[str] = None) -> str:
    """The whole page; opens offline in any browser."""
    tag, _ = translator(lang)
    data = copy.deepcopy(data)
    drill = drill_down(data, _)
    cards_ids = data.pop("_cards")
    labels = _Labels(data)
    s, p = data["summary"], data["period"]
    scope = f" · {_('group')} {labels.full(data['group'])}" if data["group"] else ""
    title = f"{_('Incident report')} {p['label']}{scope}"
    last = date.fromisoformat(p["to"][:10]) - timedelta(days=1)
    desk = (data.get("labels") or {}).get("desk")
    sub = " · ".join(x for x in (desk, f"{p['from'][:10]} – {last.isoformat()}",
                                 f"{_('generated')} {p['generated_at'][:16].replace('T', ' ')}",
                                 "itsmctl") if x)
    cards = [(_("total incidents"), s["total_incidents"], cards_ids["total"]),
             (_("response rate"), _pct(s["response_rate"], _("n/a")), None),
             (_("resolved by line 2"), s["resolved_line2"], cards_ids["line2"]),
             (_("resolved by line 3"), s["resolved_line3"], cards_ids["line3"]),
             (_("open backlog"), data["backlog"]["total"], cards_ids["backlog"])]
    cards += [(f"{_('priority')} {k}", v, cards_ids["priority"].get(k))
              for k, v in s["by_priority"].items()]
    card_html = "".join(_card(drill, k, v, ids) for k, v, ids in cards)
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
    analysis = analysis_html(data["analysis"], drill, _) if data.get("analysis") else ""
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
{analysis}
{drill.html(_)}
</main></body></html>
"""
