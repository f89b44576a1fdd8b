"""Small bar and line charts as inline SVG text, for the HTML report (Q2): stdlib only.

A chart is drawn in a fixed coordinate system (`viewBox`, 480 x 270 units) with no
width or height of its own, so the page sizes it (CSS `width: 100%`) and it scales
with the screen. Text stays text in the page's font (Chinese labels included), each
bar and point carries a `<title>` (the browser's tooltip) and may carry a link: a
value's `href` wraps it in `<a>`, so figures can lead to the tickets behind them (Q6).
Everything put into the SVG is escaped; only relative, `#`, http(s) and mailto links
are kept. The output is deterministic (no ids, dates or random numbers).
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from html import escape
from typing import Callable, Optional, Sequence

W, H = 480, 270
FONT = 12               # axis and legend text, in viewBox units
SMALL = 10              # value labels above bars
LEFT, RIGHT, BOTTOM = 44, 10, 24
GRID, AXIS, MUTED = "#d8dee4", "#59636e", "#59636e"
_SCHEMES = ("http://", "https://", "mailto:")
Scale = Callable[[float], float]    # a value -> its y coordinate


@dataclass(frozen=True)
class Series:
    """One named row of values, one per category; None is 'no data' (drawn as –)."""

    name: str
    values: Sequence[Optional[float]]
    color: str
    tips: Sequence[str] = ()             # tooltip per value (default: "category · name: v")
    hrefs: Sequence[Optional[str]] = ()  # link per value, e.g. to the tickets behind it
    line: bool = False                   # drawn as a line with points over the bars


def text_width(text: str, size: float = FONT) -> float:
    """Approximate width of a label: wide (CJK) characters one em, others 0.6 em."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.6 for c in text) * size


def safe_href(href: Optional[str]) -> Optional[str]:
    """The link if it is relative, a fragment, http(s) or mailto; None otherwise
    (no javascript: or data: URLs in a page that is mailed around)."""
    if not href:
        return None
    head = href.strip().lower()
    if head.startswith(_SCHEMES) or ":" not in head.split("/", 1)[0].split("?", 1)[0]:
        return href.strip()
    return None


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """0 .. >= top in steps of 1, 2 or 5 x 10^k, about `count` steps, integers for counts."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(step, 1.0)
    return [i * step for i in range(int(math.ceil(top / step - 1e-9)) + 1)]


def _fmt(value: float) -> str:
    return f"{value:.0f}" if abs(value - round(value)) < 1e-9 else f"{value:.1f}"


def _clip(text: str, room: float, size: float = FONT) -> str:
    if text_width(text, size) <= room:
        return text
    while text and text_width(text + "…", size) > room:
        text = text[:-1]
    return text + "…" if text else ""


def _link(inner: str, href: Optional[str]) -> str:
    target = safe_href(href)
    return f'<a href="{escape(target)}">{inner}</a>' if target else inner


def _legend(series: Sequence[Series], extra: Sequence[tuple[str, str]]) -> tuple[str, float]:
    """Legend items left to right, wrapping; returns (svg, height used). `extra` items
    (name, color) are dashed lines, like the guide."""
    items = ([(s.name, s.color, "line" if s.line else "bar") for s in series] +
             [(name, color, "dash") for name, color in extra])
    out, x, y = [], float(LEFT), 12.0
    for name, color, kind in items:
        width = 16 + text_width(name) + 14
        if x + width > W - RIGHT and x > LEFT:
            x, y = float(LEFT), y + FONT + 6
        if kind == "bar":
            mark = f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10" fill="{color}"/>'
        else:
            dash = ' stroke-dasharray="4 3"' if kind == "dash" else ""
            mark = (f'<line x1="{x - 1:.1f}" y1="{y - 4:.1f}" x2="{x + 12:.1f}" '
                    f'y2="{y - 4:.1f}" stroke="{color}" stroke-width="2"{dash}/>')
        out.append(f'{mark}<text x="{x + 16:.1f}" y="{y:.1f}">{escape(name)}</text>')
        x += width
    return "".join(out), y + 10


def chart(title: str, categories: Sequence[str], series: Sequence[Series], *,
          ylabel: str = "", stacked: bool = False, percent: bool = False,
          guide: Optional[tuple[float, str]] = None, value_labels: bool = False,
          category_tips: Sequence[str] = ()) -> str:
    """Bars per category (grouped side by side, or stacked), optional line series on
    top, an optional dashed guide line (value, label); one <svg> element as text."""
    bars = [s for s in series if not s.line]
    lines = [s for s in series if s.line]
    extra = [(guide[1], AXIS)] if guide else []
    legend, top = _legend(series, extra)
    top += 6 + (SMALL + 2 if value_labels else 0)
    x0, x1, y1 = LEFT, W - RIGHT, H - BOTTOM
    n = max(len(categories), 1)
    slot = (x1 - x0) / n

    def total(i: int) -> float:
        vals = [s.values[i] or 0 for s in bars]
        return sum(vals) if stacked else max(vals, default=0)

    ticks = ([0.0, 20.0, 40.0, 60.0, 80.0, 100.0] if percent else
             nice_ticks(max([total(i) for i in range(len(categories))] +
                            [v or 0 for s in lines for v in s.values] + [1])))
    ymax = ticks[-1]

    def y(v: float) -> float:
        return y1 - (y1 - top) * v / ymax

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" role="img" '
             f'aria-label="{escape(title)}" font-size="{FONT}" fill="{AXIS}" '
             f'class="chart"><title>{escape(title)}</title>', legend]
    for t in ticks:                                       # grid and y axis labels
        parts.append(f'<line x1="{x0}" y1="{y(t):.1f}" x2="{x1}" y2="{y(t):.1f}" '
                     f'stroke="{GRID}" stroke-width="{1 if t else 1.2}"/>'
                     f'<text x="{x0 - 5}" y="{y(t) + 4:.1f}" text-anchor="end">'
                     f'{_fmt(t)}</text>')
    if ylabel:
        mid = (top + y1) / 2
        parts.append(f'<text transform="translate(11 {mid:.1f}) rotate(-90)" '
                     f'text-anchor="middle">{escape(_clip(ylabel, y1 - top))}</text>')
    parts += _bars(categories, bars, slot, y, stacked, percent, value_labels)
    parts += _lines(categories, lines, slot, y)
    if guide:
        gy = y(guide[0])
        parts.append(f'<line x1="{x0}" y1="{gy:.1f}" x2="{x1}" y2="{gy:.1f}" stroke="{AXIS}" '
                     f'stroke-width="1" stroke-dasharray="4 3"/>')
    parts += _xlabels(categories, slot, category_tips)
    parts.append("</svg>")
    return "".join(parts)


def _tip(series: Series, i: int, category: str, value: Optional[float], pct: bool) -> str:
    if i < len(series.tips) and series.tips[i]:
        return series.tips[i]
    shown = "–" if value is None else _fmt(value) + ("%" if pct else "")
    return f"{category} · {series.name}: {shown}"


def _href(series: Series, i: int) -> Optional[str]:
    return series.hrefs[i] if i < len(series.hrefs) else None


def _bars(categories: Sequence[str], bars: Sequence[Series], slot: float, y: Scale,
          stacked: bool, pct: bool, value_labels: bool) -> list[str]:
    out: list[str] = []
    if not bars:
        return out
    width = slot * 0.6 if stacked else slot * 0.8 / len(bars)
    for i, category in enumerate(categories):
        left = LEFT + slot * i + (slot * 0.2 if stacked else slot * 0.1)
        base = 0.0
        for j, s in enumerate(bars):
            v = s.values[i] if i < len(s.values) else None
            bx = left if stacked else left + width * j
            tip = escape(_tip(s, i, category, v, pct))
            if v:
                top, bottom = y(base + v), y(base)
                shape = (f'<rect x="{bx:.1f}" y="{top:.1f}" width="{max(width - 1, 1):.1f}" '
                         f'height="{bottom - top:.1f}" fill="{s.color}"><title>{tip}</title>'
                         f'</rect>')
                out.append(_link(shape, _href(s, i)))
            if stacked:
                base += v or 0
            elif value_labels and width >= 13:
                label = "–" if v is None else f"{v:.0f}"
                out.append(f'<text x="{bx + width / 2:.1f}" y="{y(v or 0) - 3:.1f}" '
                           f'font-size="{SMALL}" text-anchor="middle">{label}'
                           f'<title>{tip}</title></text>')
    return out


def _lines(categories: Sequence[str], lines: Sequence[Series], slot: float,
           y: Scale) -> list[str]:
    out: list[str] = []
    for s in lines:
        points = [(LEFT + slot * (i + 0.5), y(v), i, v) for i, v in enumerate(s.values)
                  if v is not None and i < len(categories)]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _, _ in points)
            out.append(f'<polyline points="{path}" fill="none" stroke="{s.color}" '
                       f'stroke-width="2"/>')
        for px, py, i, v in points:
            dot = (f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.5" fill="{s.color}">'
                   f'<title>{escape(_tip(s, i, categories[i], v, False))}</title></circle>')
            out.append(_link(dot, _href(s, i)))
    return out


def _xlabels(categories: Sequence[str], slot: float, tips: Sequence[str]) -> list[str]:
    """Category labels under the axis. Short ones (dates) are thinned out to every k-th
    when they would overlap; long ones (group names) are all kept, clipped with '…' and
    whole in their tooltip."""
    widest = max((text_width(c) for c in categories), default=0)
    every = 1
    if widest + 6 > slot and widest <= 6 * FONT:
        every = math.ceil((widest + 6) / slot)
    out = []
    for i in range(0, len(categories), every):
        text = _clip(categories[i], slot * every - 4)
        tip = tips[i] if i < len(tips) and tips[i] else categories[i]
        out.append(f'<text x="{LEFT + slot * (i + 0.5):.1f}" y="{H - BOTTOM + FONT + 4}" '
                   f'text-anchor="middle">{escape(text)}<title>{escape(tip)}</title></text>')
    return out
