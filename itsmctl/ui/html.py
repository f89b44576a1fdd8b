"""The report as one self-contained HTML page (Q2): inline SVG charts, no network needed.

Charts are drawn with matplotlib (Agg backend, imported here only, so no other
command pays for it) and embedded as SVG text; text stays text (svg.fonttype none)
so the browser's fonts render Chinese labels too.
"""

from __future__ import annotations

import html
import io
from typing import Any, Callable, Optional

_COLORS = ["#1f6feb", "#f0883e", "#2da44e", "#a371f7", "#cf222e", "#6e7781"]
_PHASES = ("respond", "accept", "restore", "close")


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.fonttype": "none", "font.size": 9, "axes.spines.top": False,
                         "axes.spines.right": False, "svg.hashsalt": "itsmctl"})
    return plt


def _svg(draw: Callable[[Any], None], width: float = 5.6, height: float = 3.0) -> str:
    plt = _plt()
    from matplotlib.ticker import MaxNLocator

    fig, ax = plt.subplots(figsize=(width, height))
    try:
        draw(ax)
        if ax.get_ylabel() != "% within target":
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        fig.tight_layout()
        out = io.StringIO()
        fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None, "Format": None,
                                                "Type": None})
    finally:
        plt.close(fig)
    text = out.getvalue()
    return text[text.index("<svg"):]


def volume_chart(data: dict[str, Any]) -> str:
    days = data["volume"]

    def draw(ax: Any) -> None:
        xs = range(len(days))
        ax.bar([x - 0.2 for x in xs], [d["opened"] for d in days], width=0.4,
               color=_COLORS[0], label="opened")
        ax.bar([x + 0.2 for x in xs], [d["resolved"] for d in days], width=0.4,
               color=_COLORS[2], label="resolved")
        step = max(1, len(days) // 8)
        ax.set_xticks(list(xs)[::step], [d["date"][5:] for d in days][::step])
        ax.set_ylabel("tickets")
        ax.set_title("Volume by day")
        ax.legend(frameon=False)
    return _svg(draw)


def compliance_chart(rows: dict[str, Any], title: str) -> str:
    keys = list(rows)

    def draw(ax: Any) -> None:
        width = 0.8 / len(_PHASES)
        for i, phase in enumerate(_PHASES):
            cells = [rows[k][phase] for k in keys]
            vals = [(c["rate"] or 0) * 100 for c in cells]
            xs = [j + (i - 1.5) * width for j in range(len(keys))]
            ax.bar(xs, vals, width=width, color=_COLORS[i], label=phase)
            for x, v, c in zip(xs, vals, cells):
                ax.text(x, v + 1.5, f"{v:.0f}" if c["total"] else "–", ha="center",
                        fontsize=6, color="#59636e")
        ax.axhline(95, color="#6e7781", linestyle="--", linewidth=0.8)
        ax.set_xticks(range(len(keys)), keys)
        ax.set_xlim(-0.6, max(len(keys), 2) - 0.4)
        ax.set_ylim(0, 110)
        ax.set_ylabel("% within target")
        ax.set_title(title)
        ax.legend(frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _svg(draw)


def backlog_chart(data: dict[str, Any]) -> str:
    buckets = data["backlog"]["buckets"]
    levels = list(buckets[0]["by_priority"]) if buckets else []

    def draw(ax: Any) -> None:
        bottom = [0] * len(buckets)
        for i, level in enumerate(levels):
            vals = [b["by_priority"].get(level, 0) for b in buckets]
            ax.bar([b["age"] for b in buckets], vals, bottom=bottom,
                   color=_COLORS[i % len(_COLORS)], label=level)
            bottom = [a + b for a, b in zip(bottom, vals)]
        ax.set_ylabel("open tickets")
        ax.set_title(f"Backlog age at {data['backlog']['at'][:16].replace('T', ' ')}")
        ax.legend(frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _svg(draw)


def trend_chart(data: dict[str, Any]) -> str:
    trend = data["trend"]

    def draw(ax: Any) -> None:
        labels = [t["period"] for t in trend]
        ax.bar(labels, [t["total_incidents"] for t in trend], color=_COLORS[0],
               label="opened")
        ax.plot(labels, [t["resolved_total"] for t in trend], color=_COLORS[1], marker="o",
                label="resolved")
        ax.set_ylabel("tickets")
        ax.set_title("Trend by period")
        ax.legend(frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _svg(draw)


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _pct(value: Optional[float]) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def _kpi_table(data: dict[str, Any]) -> str:
    rows = []
    for kpi_id, k in data["kpis"].items():
        entries = [("(all)", k)] + list(k.get("by_group", {}).items())
        for i, (group, r) in enumerate(entries):
            verdict = {True: "pass", False: "fail", None: "n/a"}[r["pass"]]
            name = f"<b>{_e(k['name'])}</b>" if i == 0 else ""
            rows.append(f"<tr class='{verdict}'><td>{name}</td><td>{_e(group)}</td>"
                        f"<td>{_pct(r['value'])}</td><td>{r['numerator']}/{r['denominator']}"
                        f"</td><td>{_e(r['target'])}</td><td>{verdict}</td></tr>")
    return ("<table><thead><tr><th>KPI</th><th>group</th><th>value</th><th>n/d</th>"
            "<th>target</th><th>result</th></tr></thead><tbody>" + "".join(rows) +
            "</tbody></table>")


_STYLE = """
body{font-family:system-ui,-apple-system,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;
margin:24px auto;max-width:1100px;color:#1f2328}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}
.sub{color:#59636e;margin-bottom:16px}
.cards{display:flex;gap:12px;flex-wrap:wrap}
.card{border:1px solid #d1d9e0;border-radius:8px;padding:10px 16px;min-width:140px}
.card .n{font-size:24px;font-weight:600}.card .l{color:#59636e;font-size:12px}
table{border-collapse:collapse;font-size:13px}td,th{padding:4px 10px;
border-bottom:1px solid #d1d9e0;text-align:left}tr.fail td{color:#cf222e}
tr.pass td:last-child{color:#1a7f37}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:8px}
.charts svg{width:100%;height:auto}
"""


def report_page(data: dict[str, Any]) -> str:
    """The whole page; opens offline in any browser."""
    s, p = data["summary"], data["period"]
    scope = f" · group {_e(data['group'])}" if data["group"] else ""
    cards = [("total incidents", s["total_incidents"]),
             ("response rate", _pct(s["response_rate"])),
             ("resolved by line 2", s["resolved_line2"]),
             ("resolved by line 3", s["resolved_line3"]),
             ("open backlog", data["backlog"]["total"])]
    cards += [(f"priority {k}", v) for k, v in s["by_priority"].items()]
    card_html = "".join(f"<div class='card'><div class='n'>{_e(v)}</div>"
                        f"<div class='l'>{_e(k)}</div></div>" for k, v in cards)
    ta = data["trend_analysis"]
    trend_line = ""
    if ta["change"] is not None:
        pct = "" if ta["change_percent"] is None else f" ({ta['change_percent']:+.1f}%)"
        trend_line = (f"<p>Change on the previous period: {ta['change']:+d}{pct}; "
                      f"forecast for the next period: {ta['forecast_next']}.</p>")
    charts = [volume_chart(data), trend_chart(data),
              compliance_chart(data["sla"]["by_priority"], "SLA compliance by priority")]
    if data["sla"]["by_group"]:
        charts.append(compliance_chart(data["sla"]["by_group"], "SLA compliance by group"))
    charts.append(backlog_chart(data))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Incident report {_e(p['label'])}</title><style>{_STYLE}</style></head>
<body>
<h1>Incident report {_e(p['label'])}{scope}</h1>
<div class="sub">{_e(p['from'][:10])} to {_e(p['to'][:10])} (exclusive) · generated
{_e(p['generated_at'][:16].replace('T', ' '))} by itsmctl</div>
<div class="cards">{card_html}</div>
<h2>KPIs (handbook 6.2)</h2>
{_kpi_table(data)}
<h2>Trend (ISO procedure 5.15)</h2>
{trend_line}
<div class="charts">{''.join(charts)}</div>
</body></html>
"""
