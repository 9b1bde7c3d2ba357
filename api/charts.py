"""Server-side SVG charts for the dashboard: pure functions from analytics reports to markup.

No JavaScript chart library and no CDN: the browser only inserts these SVGs. Every chart

- is titled with the question it answers (the SVG's `<title>`, its accessible name, and the
  same words drawn at the top), with a `<desc>` saying how to read it;
- has labelled axes with units, a legend, and a tooltip (`<title>` on each mark) with the
  exact values and ids; numbers are formatted for people ("1,234", "42%", "3.9");
- shows names, not ids, and never draws text outside its box: labels are measured with the
  advance widths of DejaVu Sans (the widest of the usual sans-serif fonts, so narrower fonts
  fit too), wrapped or shortened with an ellipsis, the full text in the tooltip;
- scales with its container (`width="100%"`, a `viewBox`, at most its drawn width).

Every text that came from data is escaped, so a skill or person name cannot inject markup.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from itertools import pairwise

from graph.analytics import CoverageReport, FairnessReport, LoadReport, MatchHealth
from graph.analytics.gaps import ClusterGaps
from graph.analytics.program import ProgramHealth, Recognition
from graph.analytics.queries import SubGraph

FONT = "system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', Arial, sans-serif"
INK, MUTED, GRID, AXIS = "#1f2933", "#52606d", "#e4e7eb", "#9aa5b1"
# Okabe-Ito: distinguishable with the common colour-vision deficiencies
BLUE, ORANGE, GREEN, VERMILLION = "#0072B2", "#E69F00", "#009E73", "#D55E00"
SKY, PURPLE, GREY = "#56B4E9", "#CC79A7", "#9aa5b1"
KIND_COLOURS = {"person": BLUE, "skill": ORANGE, "cluster": GREEN, "goal": PURPLE}
KIND_NAMES = {"person": "person", "skill": "skill", "cluster": "skill group", "goal": "goals"}

# --- measuring text ---------------------------------------------------------------------------

# DejaVu Sans advance widths in em (Chromium's sans-serif on Debian; wider than Arial/Segoe).
_WIDTHS = {
    **dict.fromkeys("ijl", 0.278),
    **dict.fromkeys("frt", 0.41),
    **dict.fromkeys(" .,:;'!|", 0.318),
    **dict.fromkeys("I", 0.295),
    **dict.fromkeys("sczx", 0.55),
    **dict.fromkeys("mw", 0.92),
    **dict.fromkeys("MW", 1.0),
    **dict.fromkeys("0123456789", 0.636),
    **dict.fromkeys("%@&", 1.0),
    **dict.fromkeys("-()[]/", 0.39),
}


def text_width(text: str, size: float) -> float:
    """Width in px of `text` at font `size` px (DejaVu Sans; bold adds 10%)."""
    total = 0.0
    for ch in text:
        w = _WIDTHS.get(ch)
        if w is None:
            w = 0.72 if ch.isupper() else 0.64
        total += w
    return total * size


def fit(text: str, max_px: float, size: float) -> str:
    """`text`, shortened with an ellipsis to fit `max_px`."""
    if text_width(text, size) <= max_px:
        return text
    out = text
    while out and text_width(out + "…", size) > max_px:
        out = out[:-1]
    return out.rstrip() + "…" if out else ""


def wrap(text: str, max_px: float, size: float, lines: int = 2) -> list[str]:
    """Up to `lines` lines of at most `max_px` each, breaking at spaces; the last line is
    shortened with an ellipsis if the text does not fit."""
    words = text.split()
    out: list[str] = []
    current = ""
    for i, word in enumerate(words):
        trial = f"{current} {word}".strip()
        if text_width(trial, size) <= max_px or not current:
            current = trial
            continue
        out.append(current)
        current = word
        if len(out) == lines - 1:
            current = " ".join(words[i:])
            break
    out.append(current)
    return [fit(line, max_px, size) for line in out[:lines]]


# --- numbers for people -----------------------------------------------------------------------


def fmt_int(n: float) -> str:
    """1234 -> "1,234"."""
    return f"{round(n):,}"


def fmt_num(x: float, digits: int = 1) -> str:
    """26.9983 -> "27"; 3.25 -> "3.3"; 1234.5 -> "1,235" (no trailing ".0")."""
    if abs(x) >= 100:
        return fmt_int(x)
    text = f"{x:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def fmt_pct(x: float | None) -> str:
    """0.4237 -> "42%"; 0.004 -> "0.4%"; None -> "–"."""
    if x is None:
        return "–"
    pct = x * 100
    if 0 < abs(pct) < 1:
        return f"{pct:.1f}%"
    return f"{round(pct)}%"


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least `top` (about `count` of them)."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    n = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) for i in range(n + 1)]


# --- the drawing surface ----------------------------------------------------------------------


class Svg:
    """Collects marks; `render()` wraps them with the accessible name and description."""

    def __init__(self, width: float, title: str, desc: str, *, chart: str) -> None:
        self.width = width
        self.title = title
        self.desc = desc
        self.chart = chart
        self.parts: list[str] = []
        self.y = 0.0  # the next free line, for stacking title, legend, plot

    def add(self, markup: str) -> None:
        self.parts.append(markup)

    def text(
        self,
        x: float,
        y: float,
        text: str,
        *,
        size: float = 11,
        anchor: str = "start",
        weight: str = "normal",
        fill: str = INK,
        cls: str = "",
        tip: str | None = None,
    ) -> None:
        """One line of text; `tip` (the full text, ids) becomes its tooltip."""
        attrs = f'x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"'
        if weight != "normal":
            attrs += f' font-weight="{weight}"'
        if cls:
            attrs += f' class="{cls}"'
        inner = escape(text) + (f"<title>{escape(tip)}</title>" if tip else "")
        self.add(f"<text {attrs}>{inner}</text>")

    def heading(self, subtitle: str = "") -> None:
        """The question at the top (wrapped), and a muted line of how to read it."""
        for line in wrap(self.title, self.width - 16, 14, lines=2):
            self.y += 18
            self.text(8, self.y, line, size=14, weight="bold", cls="chart-title")
        if subtitle:
            for line in wrap(subtitle, self.width - 16, 11, lines=2):
                self.y += 15
                self.text(8, self.y, line, size=11, fill=MUTED)
        self.y += 8

    def legend(self, items: Sequence[tuple[str, str, str]]) -> None:
        """(label, colour, shape "box" | "line" | "dot" | "hatch"), flowing over lines."""
        x, self.y = 8.0, self.y + 14
        self.add('<g class="legend">')
        for label, colour, shape in items:
            w = 14 + 6 + text_width(label, 11) + 16
            if x + w > self.width - 8 and x > 8:
                x, self.y = 8.0, self.y + 18
            if shape == "line":
                self.add(
                    f'<line x1="{x:.1f}" y1="{self.y - 4:.1f}" x2="{x + 14:.1f}" '
                    f'y2="{self.y - 4:.1f}" stroke="{colour}" stroke-width="2.5"/>'
                )
            elif shape == "dot":
                self.add(f'<circle cx="{x + 7:.1f}" cy="{self.y - 4:.1f}" r="5" fill="{colour}"/>')
            elif shape == "hatch":
                self.add(
                    f'<rect x="{x:.1f}" y="{self.y - 10:.1f}" width="14" height="12" '
                    f'fill="url(#hatch)" stroke="{GREY}"/>'
                )
            else:
                self.add(
                    f'<rect x="{x:.1f}" y="{self.y - 10:.1f}" width="14" height="12" '
                    f'fill="{colour}"/>'
                )
            self.text(x + 20, self.y, label, size=11, cls="legend-label")
            x += w
        self.add("</g>")
        self.y += 10

    def render(self, height: float) -> str:
        h = math.ceil(height)
        defs = (
            '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
            'patternTransform="rotate(45)"><rect width="6" height="6" fill="#f5f7fa"/>'
            f'<line x1="0" y1="0" x2="0" y2="6" stroke="{GREY}" stroke-width="2"/></pattern></defs>'
        )
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.width:g} {h}" '
            f'width="100%" style="max-width:{self.width:g}px;height:auto" '
            f'role="img" aria-label="{escape(self.title)}" data-chart="{escape(self.chart)}" '
            f'font-family="{escape(FONT)}">'
            f"<title>{escape(self.title)}</title><desc>{escape(self.desc)}</desc>{defs}"
            f"{''.join(self.parts)}</svg>"
        )


def _empty(title: str, message: str, *, chart: str, width: float = 560) -> str:
    svg = Svg(width, title, message, chart=chart)
    svg.heading()
    svg.y += 10
    svg.text(8, svg.y, fit(message, width - 16, 12), size=12, fill=MUTED, cls="empty")
    return svg.render(svg.y + 14)


def _x_axis(
    svg: Svg,
    left: float,
    right: float,
    y: float,
    ticks: Sequence[float],
    scale: float,
    label: str,
    *,
    pct: bool = False,
    under: int | None = None,
) -> None:
    """Vertical grid lines (from `svg.y` down to `y`) with tick labels under a horizontal
    plot, and the axis label. `under`: where in `svg.parts` the plot's marks begin, so the
    grid lines go beneath them."""
    grid = []
    for t in ticks:
        x = left + t * scale
        grid.append(
            f'<line x1="{x:.1f}" y1="{svg.y:.1f}" x2="{x:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        svg.text(x, y + 14, fmt_pct(t) if pct else fmt_num(t), size=10, anchor="middle", fill=MUTED)
    at = len(svg.parts) if under is None else under
    svg.parts[at:at] = grid
    svg.add(f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{right:.1f}" y2="{y:.1f}" stroke="{AXIS}"/>')
    svg.text(
        (left + right) / 2, y + 30, label, size=11, anchor="middle", fill=MUTED, cls="axis-label"
    )


# --- program health ---------------------------------------------------------------------------


def program_funnel(health: ProgramHealth, *, width: float = 600) -> str:
    """Per program: proposed, matched and active as shares of enrolled mentees."""
    title = "How many enrolled mentees got a mentor, per program?"
    rows = [r for r in health.programs if r.enrolled]
    if not rows:
        return _empty(title, "No program has enrolled mentees yet", chart="programs")
    desc = (
        "For each program, three bars: the share of enrolled mentees who were proposed a "
        "mentor, who were matched (accepted, even if closed since) and who are in a pairing "
        "now. Hover a bar for the counts."
    )
    svg = Svg(width, title, desc, chart="programs")
    svg.heading("Share of each program's enrolled mentees; newest program first")
    series = [("proposed", SKY), ("matched", BLUE), ("in a pairing now", GREEN)]
    svg.legend([(name, colour, "box") for name, colour in series])
    label_w = 150
    left, right = 8 + label_w + 8, width - 60
    scale = right - left
    bar, gap = 12, 10
    top = svg.y
    y = top
    mark = len(svg.parts)
    for r in rows:
        lines = wrap(r.program, label_w, 12, lines=2)
        start = f"started {r.start:%d %b %Y}" if r.start else "no start date"
        svg.text(8, y + 14, lines[0], size=12, weight="bold", tip=r.program)
        if len(lines) > 1:
            svg.text(8, y + 28, lines[1], size=12, weight="bold", tip=r.program)
        svg.text(
            8, y + 14 + 14 * len(lines), f"{fmt_int(r.enrolled)} enrolled", size=10, fill=MUTED
        )
        svg.text(8, y + 28 + 14 * len(lines), start, size=10, fill=MUTED)
        values = [
            (r.proposed_rate or 0.0, r.proposed),
            (r.matched_rate or 0.0, r.matched),
            (r.active_rate or 0.0, r.active),
        ]
        for i, ((rate, count), (name, colour)) in enumerate(zip(values, series, strict=True)):
            by = y + 4 + i * (bar + 4)
            w = max(1.0, rate * scale)
            tip = f"{r.program}: {name} {fmt_int(count)} of {fmt_int(r.enrolled)} ({fmt_pct(rate)})"
            svg.add(
                f'<g class="bar" data-series="{escape(name)}" data-value="{count}">'
                f'<rect x="{left:.1f}" y="{by:.1f}" width="{w:.1f}" height="{bar}" '
                f'fill="{colour}"><title>{escape(tip)}</title></rect></g>'
            )
            svg.text(left + w + 4, by + bar - 2, fmt_pct(rate), size=10, tip=tip)
        block = max(3 * (bar + 4) + 4, 14 * len(lines) + 34)
        y += block + gap
    svg.y = top
    _x_axis(
        svg,
        left,
        right,
        y,
        [0, 0.25, 0.5, 0.75, 1.0],
        scale,
        "share of enrolled mentees",
        pct=True,
        under=mark,
    )
    return svg.render(y + 40)


def _month_label(month: str) -> str:
    names = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    year, m = month.split("-")
    return f"{names[int(m) - 1]} {year[2:]}"


@dataclass(frozen=True)
class _Month:
    month: str
    values: dict[str, float]
    rating: float | None


def _month_axis(
    svg: Svg,
    months: list[str],
    left: float,
    right: float,
    bottom: float,
    slot: float,
    every: int,
) -> None:
    """Month labels under a time chart (every `every`-th slot) and the axis title."""
    for i, month in enumerate(months):
        if i % every == 0:
            svg.text(
                left + (i + 0.5) * slot,
                bottom + 14,
                _month_label(month),
                size=10,
                anchor="middle",
                fill=MUTED,
            )
    svg.text(
        (left + right) / 2,
        bottom + 30,
        "month",
        size=11,
        anchor="middle",
        fill=MUTED,
        cls="axis-label",
    )


def _months_from(points: Iterable[tuple[str, dict[str, float], float | None]]) -> list[_Month]:
    """Every calendar month from the first to the last given (missing ones are zeros)."""
    given = {m: (v, r) for m, v, r in points}
    if not given:
        return []
    first, last = min(given), max(given)
    out = []
    y, m = int(first[:4]), int(first[5:])
    while f"{y:04d}-{m:02d}" <= last:
        key = f"{y:04d}-{m:02d}"
        values, rating = given.get(key, ({}, None))
        out.append(_Month(key, values, rating))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _monthly_bars(
    title: str,
    subtitle: str,
    desc: str,
    months: list[_Month],
    series: Sequence[tuple[str, str, str]],  # (key, label, colour)
    y_label: str,
    *,
    chart: str,
    width: float = 600,
) -> str:
    svg = Svg(width, title, desc, chart=chart)
    svg.heading(subtitle)
    svg.legend([(label, colour, "box") for _, label, colour in series])
    peak = max([m.values.get(k, 0.0) for m in months for k, _, _ in series] + [1.0])
    ticks = nice_ticks(peak, 4)
    left, right = 52.0, width - 10
    top = svg.y + 6
    plot_h = 170.0
    bottom = top + plot_h
    scale = plot_h / ticks[-1]
    for t in ticks:
        y = bottom - t * scale
        svg.add(f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="{GRID}"/>')
        svg.text(left - 6, y + 4, fmt_num(t), size=10, anchor="end", fill=MUTED)
    svg.add(f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="{AXIS}"/>')
    svg.text(12, top + plot_h / 2, y_label, size=11, anchor="middle", fill=MUTED, cls="axis-label")
    svg.parts[-1] = svg.parts[-1].replace(
        "<text ", f'<text transform="rotate(-90 12 {top + plot_h / 2:.1f})" ', 1
    )
    slot = (right - left) / max(1, len(months))
    bar = max(2.0, min(16.0, (slot - 6) / len(series)))
    every = max(1, math.ceil(len(months) * 44 / (right - left)))  # label spacing
    for i, m in enumerate(months):
        x0 = left + i * slot + (slot - bar * len(series)) / 2
        for j, (key, label, colour) in enumerate(series):
            v = m.values.get(key, 0.0)
            h = v * scale
            tip = f"{_month_label(m.month)}: {fmt_int(v)} {label}"
            svg.add(
                f'<g class="bar" data-series="{escape(key)}" data-value="{v:g}">'
                f'<rect x="{x0 + j * bar:.1f}" y="{bottom - h:.1f}" width="{bar - 1:.1f}" '
                f'height="{max(h, 0.5):.1f}" fill="{colour}"><title>{escape(tip)}</title>'
                "</rect></g>"
            )
    _month_axis(svg, [m.month for m in months], left, right, bottom, slot, every)
    return svg.render(bottom + 40)


def monthly_pairings(health: ProgramHealth, *, width: float = 600) -> str:
    title = "How many pairings were proposed, matched and closed each month?"
    months = _months_from(
        (m.month, {"proposed": m.proposed, "matched": m.matched, "closed": m.closed}, None)
        for m in health.timeline
    )
    if not months:
        return _empty(title, "No pairings yet", chart="monthly")
    desc = (
        "Grouped bars per calendar month (months without events show no bars): pairings "
        "proposed, accepted (matched) and closed that month. Hover for exact counts."
    )
    series = [
        ("proposed", "proposed", SKY),
        ("matched", "matched", BLUE),
        ("closed", "closed", GREY),
    ]
    return _monthly_bars(
        title,
        "All programs, by calendar month",
        desc,
        months,
        series,
        "pairings",
        chart="monthly",
        width=width,
    )


def checkin_ratings(health: ProgramHealth | MatchHealth, *, width: float = 600) -> str:
    """Check-ins per month (bars) over the average rating per month (a line on its own 1-5
    axis, below), so counts and ratings never share an axis."""
    title = "How often did pairs meet, and how did the sessions rate?"
    months = _months_from(
        (m.month, {"checkins": m.checkins}, m.avg_rating) for m in health.timeline
    )
    if not any(m.values.get("checkins") for m in months):
        return _empty(title, "No check-ins yet", chart="checkins")
    desc = (
        "Top: check-ins recorded per calendar month. Bottom: their average rating that month "
        "on the 1 (poor) to 5 (excellent) scale; no dot where nobody checked in."
    )
    svg = Svg(width, title, desc, chart="checkins")
    svg.heading("Top: check-ins per month. Bottom: average rating, 1 = poor, 5 = excellent")
    svg.legend([("check-ins", ORANGE, "box"), ("average rating", VERMILLION, "line")])
    left, right = 52.0, width - 10
    slot = (right - left) / len(months)
    every = max(1, math.ceil(len(months) * 44 / (right - left)))

    def y_label(text: str, mid: float) -> None:
        svg.text(12, mid, text, size=11, anchor="middle", fill=MUTED, cls="axis-label")
        svg.parts[-1] = svg.parts[-1].replace(
            "<text ", f'<text transform="rotate(-90 12 {mid:.1f})" ', 1
        )

    # top panel: counts
    top = svg.y + 6
    plot_h = 110.0
    bottom = top + plot_h
    peak = max(m.values.get("checkins", 0.0) for m in months)
    ticks = nice_ticks(max(peak, 1.0), 3)
    scale = plot_h / ticks[-1]
    for t in ticks:
        y = bottom - t * scale
        svg.add(f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="{GRID}"/>')
        svg.text(left - 6, y + 4, fmt_num(t), size=10, anchor="end", fill=MUTED)
    y_label("check-ins", top + plot_h / 2)
    bar = max(2.0, min(22.0, slot - 8))
    for i, m in enumerate(months):
        v = m.values.get("checkins", 0.0)
        h = v * scale
        x = left + i * slot + (slot - bar) / 2
        tip = f"{_month_label(m.month)}: {fmt_int(v)} check-ins"
        svg.add(
            f'<g class="bar" data-series="checkins" data-value="{v:g}"><rect x="{x:.1f}" '
            f'y="{bottom - h:.1f}" width="{bar:.1f}" height="{max(h, 0.5):.1f}" '
            f'fill="{ORANGE}"><title>{escape(tip)}</title></rect></g>'
        )
    svg.add(f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="{AXIS}"/>')

    # bottom panel: ratings on 1..5
    top2 = bottom + 16
    plot2 = 90.0
    bottom2 = top2 + plot2

    def ry(r: float) -> float:
        return bottom2 - (r - 1) / 4 * plot2

    for t in (1, 2, 3, 4, 5):
        svg.add(
            f'<line x1="{left}" y1="{ry(t):.1f}" x2="{right}" y2="{ry(t):.1f}" stroke="{GRID}"/>'
        )
        svg.text(left - 6, ry(t) + 4, str(t), size=10, anchor="end", fill=MUTED)
    y_label("rating", top2 + plot2 / 2)
    points = [(left + (i + 0.5) * slot, ry(m.rating), m) for i, m in enumerate(months) if m.rating]
    # a line only between neighbouring months that both have a rating
    for (x1, y1, a), (x2, y2, b) in pairwise(points):
        if months.index(b) - months.index(a) == 1:
            svg.add(
                f'<line class="series" data-series="avg_rating" x1="{x1:.1f}" y1="{y1:.1f}" '
                f'x2="{x2:.1f}" y2="{y2:.1f}" stroke="{VERMILLION}" stroke-width="2"/>'
            )
    for x, y, m in points:
        tip = (
            f"{_month_label(m.month)}: average rating {m.rating:.2f} of 5 "
            f"over {fmt_int(m.values.get('checkins', 0))} check-ins"
        )
        svg.add(
            f'<g class="point" data-series="avg_rating" data-value="{m.rating}">'
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{VERMILLION}">'
            f"<title>{escape(tip)}</title></circle></g>"
        )
    svg.add(f'<line x1="{left}" y1="{bottom2}" x2="{right}" y2="{bottom2}" stroke="{AXIS}"/>')
    _month_axis(svg, [m.month for m in months], left, right, bottom2, slot, every)
    return svg.render(bottom2 + 40)


def health_timeline(health: MatchHealth, *, width: float = 600) -> str:
    """The match-health report's timeline: pairings proposed and matched per month as bars
    (gap-free months); its ratings are in `checkin_ratings`."""
    title = "How many pairings were proposed and matched each month?"
    months = _months_from(
        (p.month, {"proposed": p.proposed, "matched": p.matched}, p.avg_rating)
        for p in health.timeline
    )
    if not months:
        return _empty(title, "No pairings or check-ins yet", chart="health")
    desc = "Grouped bars per calendar month: pairings proposed and pairings matched that month."
    series = [("proposed", "proposed", SKY), ("matched", "matched", BLUE)]
    return _monthly_bars(
        title,
        "All programs, by calendar month",
        desc,
        months,
        series,
        "pairings",
        chart="health",
        width=width,
    )


# --- coverage gaps ----------------------------------------------------------------------------


@dataclass(frozen=True)
class GapRow:
    node_id: str
    label: str
    demand: float
    supply: int
    goals: int | None = None
    confidence: float | None = None
    mentors: int | None = None


def gaps_chart(
    rows: Sequence[GapRow], *, tier: int | None = None, width: float = 600, chart: str = "gaps"
) -> str:
    """Demand against supply per cluster, largest gap first, with the mapping confidence."""
    title = "Where do goals outnumber the mentors who have room?"
    if not rows:
        return _empty(title, "No open goals or willing mentors yet", chart=chart)
    desc = (
        "Per skill group: demand is the number of open goals aimed at it, each weighted by "
        "how confident the goal mapping was (0-100%); supply is the willing mentors of its "
        "skills who still have a free place. Confidence is the mean mapping confidence of "
        "those goals. Hover a bar for exact numbers."
    )
    where = f"tier {tier} of the skill taxonomy" if tier is not None else "skill groups"
    svg = Svg(width, title, desc, chart=chart)
    svg.heading(f"Largest gaps first, {where}; demand = goals weighted by mapping confidence")
    svg.legend(
        [
            ("demand (weighted goals)", VERMILLION, "box"),
            ("supply (mentors with room)", BLUE, "box"),
        ]
    )
    label_w = 170.0
    conf_w = 74.0
    left, right = 8 + label_w + 10, width - conf_w - 10
    peak = max(max(r.demand, r.supply) for r in rows)
    ticks = nice_ticks(peak, 4)
    scale = (right - left - 36) / ticks[-1]
    svg.text(width - 8, svg.y + 4, "confidence", size=10, anchor="end", fill=MUTED)
    top = svg.y + 10
    y = top
    bar = 11
    mark = len(svg.parts)
    for r in rows:
        lines = wrap(r.label, label_w, 11, lines=2)
        tip_label = f"{r.label} ({r.node_id})"
        for k, line in enumerate(lines):
            svg.text(8, y + 12 + 13 * k, line, size=11, tip=tip_label, cls="row-label")
        goals = f"{fmt_int(r.goals)} goals, " if r.goals is not None else ""
        mentors = f" of {fmt_int(r.mentors)} willing" if r.mentors is not None else ""
        tip = (
            f"{r.label}: {goals}demand {fmt_num(r.demand)}, {fmt_int(r.supply)} mentors with "
            f"room{mentors}, gap {fmt_num(r.demand - r.supply)}"
            + (f", mapping confidence {fmt_pct(r.confidence)}" if r.confidence is not None else "")
        )
        for i, (value, colour, name) in enumerate(
            ((r.demand, VERMILLION, "demand"), (float(r.supply), BLUE, "supply"))
        ):
            by = y + 2 + i * (bar + 3)
            w = max(1.0, value * scale)
            svg.add(
                f'<g class="bar" data-series="{name}" data-value="{value:g}">'
                f'<rect x="{left:.1f}" y="{by:.1f}" width="{w:.1f}" height="{bar}" '
                f'fill="{colour}"><title>{escape(tip)}</title></rect></g>'
            )
            svg.text(left + w + 4, by + bar - 1, fmt_num(value), size=10, tip=tip)
        if r.confidence is not None:
            svg.text(width - 8, y + 16, fmt_pct(r.confidence), size=11, anchor="end", tip=tip)
        y += max(2 * (bar + 3) + 2, 13 * len(lines) + 4) + 10
    svg.y = top - 4
    _x_axis(svg, left, right, y, ticks, scale, "goals (weighted) or mentors", under=mark)
    return svg.render(y + 40)


def cluster_gaps_chart(report: ClusterGaps, *, width: float = 600) -> str:
    return gaps_chart(
        [
            GapRow(r.cluster_id, r.label, r.demand, r.supply, r.goals, r.mean_confidence, r.mentors)
            for r in report.rows
        ],
        tier=report.tier,
        width=width,
    )


def coverage_heatmap(report: CoverageReport, *, per_tier: int = 12) -> str:
    """The coverage report's gaps by cluster (the shallowest tier with eight or more
    clusters), drawn as `gaps_chart` (kept under its old name for the coverage.svg route)."""
    tiers = [t for t, rows in report.tiers.items() if rows]
    tier = next((t for t in tiers if len(report.tiers[t]) >= 8), tiers[-1] if tiers else None)
    rows = report.tiers.get(tier, []) if tier is not None else []
    return gaps_chart(
        [GapRow(r.node_id, r.label, r.demand, r.supply) for r in rows[:per_tier]],
        tier=tier,
        chart="coverage",
    )


# --- mentor load ------------------------------------------------------------------------------

LOAD_BUCKETS = (
    ("0%", "idle (0%)", GREY),
    ("1-49%", "1–49%", SKY),
    ("50-99%", "50–99%", BLUE),
    ("100%", "full (100%)", GREEN),
    (">100%", "over (>100%)", VERMILLION),
)


def load_histogram(report: LoadReport, *, width: float = 600) -> str:
    """Mentors by how much of their capacity (places or hours) is taken."""
    title = "How full are mentors' schedules?"
    if not report.mentors:
        return _empty(title, "No mentors yet", chart="load")
    desc = (
        "Mentors grouped by the share of their capacity in use: the larger of mentees over "
        "their maximum and hours per month over their maximum, counting proposed, accepted, "
        "active and stalled pairings. Hover a bar for the count."
    )
    svg = Svg(width, title, desc, chart="load")
    svg.heading(f"{fmt_int(len(report.mentors))} mentors by share of capacity in use")
    svg.legend([(label, colour, "box") for _, label, colour in LOAD_BUCKETS])
    counts = [report.histogram.get(key, 0) for key, _, _ in LOAD_BUCKETS]
    ticks = nice_ticks(max(max(counts), 1), 4)
    left, right = 52.0, width - 10
    top = svg.y + 10
    plot_h = 170.0
    bottom = top + plot_h
    scale = plot_h / ticks[-1]
    for t in ticks:
        y = bottom - t * scale
        svg.add(f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="{GRID}"/>')
        svg.text(left - 6, y + 4, fmt_num(t), size=10, anchor="end", fill=MUTED)
    mid = top + plot_h / 2
    svg.text(12, mid, "mentors", size=11, anchor="middle", fill=MUTED, cls="axis-label")
    svg.parts[-1] = svg.parts[-1].replace(
        "<text ", f'<text transform="rotate(-90 12 {mid:.1f})" ', 1
    )
    slot = (right - left) / len(LOAD_BUCKETS)
    bar = min(70.0, slot - 16)
    total = max(1, len(report.mentors))
    for i, ((key, label, colour), n) in enumerate(zip(LOAD_BUCKETS, counts, strict=True)):
        h = n * scale
        x = left + i * slot + (slot - bar) / 2
        tip = f"{label}: {fmt_int(n)} mentors ({fmt_pct(n / total)})"
        svg.add(
            f'<g class="bar" data-series="{escape(key)}" data-value="{n}"><rect x="{x:.1f}" '
            f'y="{bottom - h:.1f}" width="{bar:.1f}" height="{max(h, 0.5):.1f}" fill="{colour}">'
            f"<title>{escape(tip)}</title></rect></g>"
        )
        svg.text(x + bar / 2, bottom - h - 4, fmt_int(n), size=11, anchor="middle", tip=tip)
        svg.text(
            x + bar / 2, bottom + 14, fit(label, slot - 4, 10), size=10, anchor="middle", fill=MUTED
        )
    svg.add(f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="{AXIS}"/>')
    svg.text(
        (left + right) / 2,
        bottom + 30,
        "share of capacity in use (places or hours)",
        size=11,
        anchor="middle",
        fill=MUTED,
        cls="axis-label",
    )
    return svg.render(bottom + 40)


# --- fairness ---------------------------------------------------------------------------------


def fairness_chart(report: FairnessReport, *, min_group_size: int = 5, width: float = 600) -> str:
    """Share of each group's mentees who have a mentor; small groups are marked, not drawn."""
    attr = report.attribute.removeprefix("attributes.")
    title = f"Do mentees of every {attr} get a mentor at similar rates?"
    table = report.mentee_assignment
    if not table.groups:
        return _empty(title, f"No mentees with open goals to compare by {attr}", chart="fairness")
    desc = (
        f"For each {attr}: the share of its mentees with open goals who are in an accepted, "
        f"active or stalled pairing. Groups with fewer than {min_group_size} mentees read "
        f"'not enough data' and are left out of the comparison. The dashed line marks "
        f"{fmt_pct(report.threshold)} of the best-served group's rate (the four-fifths rule)."
    )
    svg = Svg(width, title, desc, chart="fairness")
    ratio = table.disparity_ratio
    verdict = (
        "not enough data to compare"
        if ratio is None
        else f"the lowest rate is {fmt_pct(ratio)} of the highest"
        + (f", under {fmt_pct(report.threshold)}: look closer" if table.flagged else "")
    )
    svg.heading(f"Share of mentees with a mentor, by {attr}; {verdict}")
    svg.legend(
        [
            ("share with a mentor", BLUE, "box"),
            (f"not enough data (< {min_group_size})", GREY, "hatch"),
            (f"{fmt_pct(report.threshold)} of the best rate", VERMILLION, "line"),
        ]
    )
    label_w = 150.0
    left, right = 8 + label_w + 10, width - 96
    scale = right - left
    counted = [g.rate for g in table.groups if g.members >= min_group_size]
    line_at = max(counted) * report.threshold if len(counted) >= 2 else None
    top = svg.y + 6
    y = top
    bar = 14
    mark = len(svg.parts)
    for g in table.groups:
        svg.text(8, y + bar - 2, fit(g.group, label_w, 11), size=11, tip=g.group, cls="row-label")
        small = g.members < min_group_size
        if small:
            tip = f"{g.group}: {g.members} mentees; not enough data to compare"
            svg.add(
                f'<g class="bar small" data-value="none"><rect x="{left:.1f}" y="{y:.1f}" '
                f'width="{scale:.1f}" height="{bar}" fill="url(#hatch)" stroke="{GREY}">'
                f"<title>{escape(tip)}</title></rect></g>"
            )
            svg.text(left + 6, y + bar - 3, f"not enough data ({g.members})", size=10, fill=INK)
        else:
            tip = f"{g.group}: {fmt_pct(g.rate)} of {fmt_int(g.members)} mentees have a mentor"
            w = max(1.0, g.rate * scale)
            svg.add(
                f'<g class="bar" data-value="{g.rate}"><rect x="{left:.1f}" y="{y:.1f}" '
                f'width="{w:.1f}" height="{bar}" fill="{BLUE}"><title>{escape(tip)}</title>'
                "</rect></g>"
            )
            svg.text(
                left + w + 4,
                y + bar - 3,
                f"{fmt_pct(g.rate)} of {fmt_int(g.members)}",
                size=10,
                tip=tip,
            )
        y += bar + 8
    if line_at is not None:
        x = left + line_at * scale
        svg.add(
            f'<line class="threshold" x1="{x:.1f}" y1="{top - 4:.1f}" x2="{x:.1f}" y2="{y:.1f}" '
            f'stroke="{VERMILLION}" stroke-dasharray="4 3" stroke-width="1.5">'
            f"<title>{escape(fmt_pct(line_at))}: {escape(fmt_pct(report.threshold))} of the "
            "best-served group</title></line>"
        )
    svg.y = top - 4
    _x_axis(
        svg,
        left,
        right,
        y,
        [0, 0.25, 0.5, 0.75, 1.0],
        scale,
        "share of mentees with a mentor",
        pct=True,
        under=mark,
    )
    return svg.render(y + 40)


# --- recognition ------------------------------------------------------------------------------


def recognition_chart(report: Recognition, *, top: int = 10, width: float = 600) -> str:
    title = "Which mentors gave the most time, and what came of it?"
    rows = sorted(report.mentors, key=lambda r: (-r.hours_given, r.mentor_id))[:top]
    if not rows:
        return _empty(title, "No mentoring has started yet", chart="recognition")
    desc = (
        "Mentors with the most hours given (hours per month of each pairing times the months "
        "it ran), with the mentees they supported and the goals reached. Hover for details."
    )
    svg = Svg(width, title, desc, chart="recognition")
    svg.heading(f"Top {len(rows)} by hours given; {fmt_int(report.total_hours)} hours in all")
    legend = [("hours given", GREEN, "box")]
    if any(r.grew_from_mentee for r in rows):
        legend.append(("grew from mentee to mentor", PURPLE, "box"))
    svg.legend(legend)
    label_w = 140.0
    left, right = 8 + label_w + 10, width - 150
    ticks = nice_ticks(max(r.hours_given for r in rows), 4)
    scale = (right - left) / ticks[-1]
    top_y = svg.y + 6
    y = top_y
    bar = 14
    mark = len(svg.parts)
    for r in rows:
        svg.text(
            8,
            y + bar - 2,
            fit(r.name, label_w, 11),
            size=11,
            tip=f"{r.name} ({r.mentor_id})",
            cls="row-label",
        )
        colour = PURPLE if r.grew_from_mentee else GREEN
        w = max(1.0, r.hours_given * scale)
        rating = f", average rating {r.avg_rating:.1f}" if r.avg_rating is not None else ""
        tip = (
            f"{r.name} ({r.department}): {fmt_num(r.hours_given)} hours, "
            f"{fmt_int(r.mentees_supported)} mentees, {fmt_int(r.sessions)} sessions, "
            f"{fmt_int(r.goals_reached)} goals reached{rating}"
        )
        svg.add(
            f'<g class="bar" data-value="{r.hours_given}"><rect x="{left:.1f}" y="{y:.1f}" '
            f'width="{w:.1f}" height="{bar}" fill="{colour}"><title>{escape(tip)}</title>'
            "</rect></g>"
        )
        svg.text(
            left + w + 4,
            y + bar - 3,
            f"{fmt_num(r.hours_given)} h · {r.mentees_supported} mentees · {r.goals_reached} goals",
            size=10,
            tip=tip,
        )
        y += bar + 8
    svg.y = top_y - 4
    _x_axis(svg, left, right, y, ticks, scale, "hours given", under=mark)
    return svg.render(y + 40)


# --- network ----------------------------------------------------------------------------------


def network_view(
    sub: SubGraph, *, width: float = 600, center_label: str | None = None, max_rows: int = 10
) -> str:
    """What surrounds a skill, skill group or person: broader groups on the left, the node,
    and on the right, under small headings, the narrower nodes, the people who hold it (with
    their level), a person's skills and mentoring partners, and how many goals aim at it (their
    text stays private). Long lists end in "+N more"; hover a node for its id."""
    nodes = {n.id: n for n in sub.nodes}
    center = nodes.get(sub.center)
    name = center_label or (center.label if center else sub.center)
    title = f"Who and what is around “{name}”?"
    if center is None:
        return _empty(title, "Nothing around this node", chart="network")
    desc = (
        "The chosen node in the middle; the broader skill groups it sits under to its left; "
        "to its right the narrower skills or groups under it, the people who hold it, or a "
        "person's skills and mentoring partners, and the number of open goals aimed at it. "
        "Hover a node for its id."
    )
    svg = Svg(width, title, desc, chart="network")
    svg.heading(f"{KIND_NAMES.get(center.kind, center.kind)} · id {center.id}")
    kinds = sorted({n.kind for n in sub.nodes}, key=list(KIND_COLOURS).index)
    svg.legend([(KIND_NAMES.get(k, k), KIND_COLOURS.get(k, GREY), "dot") for k in kinds])

    parents = [e.target for e in sub.edges if e.kind == "BROADER" and e.source == sub.center]
    groups: dict[str, list[str]] = {}
    levels: dict[str, float] = {}
    for e in sub.edges:
        if e.kind == "BROADER" and e.target == sub.center:
            groups.setdefault("narrower", []).append(e.source)
        elif e.kind == "HAS_SKILL" and e.target == sub.center:
            groups.setdefault("holders", []).append(e.source)
            levels[e.source] = e.weight or 0
        elif e.kind == "HAS_SKILL" and e.source == sub.center:
            groups.setdefault("skills", []).append(e.target)
            levels[e.target] = e.weight or 0
        elif e.kind == "MENTORS":
            other = e.target if e.source == sub.center else e.source
            groups.setdefault("partners", []).append(other)
    goals = sum(1 for e in sub.edges if e.kind == "TARGETS" and e.target == sub.center)
    headings = {
        "narrower": "narrower skills and groups",
        "holders": "people who hold it (level 1–5)",
        "skills": "skills (level 1–5)",
        "partners": "mentoring partners",
    }
    rows: list[tuple[str, str, str, str]] = []  # (kind of row, id, label, node kind)
    for key in ("narrower", "holders", "skills", "partners"):
        ids = list(dict.fromkeys(groups.get(key, [])))
        if not ids:
            continue
        rows.append(("heading", "", f"{headings[key]} · {fmt_int(len(ids))}", ""))
        for nid in ids[:max_rows]:
            n = nodes[nid]
            label = n.label + (f" ({int(levels[nid])})" if nid in levels else "")
            rows.append(("node", nid, label, n.kind))
        if len(ids) > max_rows:
            rows.append(("more", "", f"+{fmt_int(len(ids) - max_rows)} more", ""))
    if goals:
        rows.append(("heading", "", "goals", ""))
        rows.append(("node", "", f"{goals} open goal{'s' * (goals != 1)} aimed here", "goal"))

    row_h = 20.0
    top = svg.y + 8
    under = len(svg.parts)  # edges and dots go beneath every text drawn from here on
    left_w = min(170.0, width * 0.28)
    cx = 8 + left_w + 30
    rx = cx + 60
    shown_parents = parents[:max_rows]
    cy = top + (len(shown_parents) + (1.5 if shown_parents else 0.5)) * row_h
    edges: list[str] = []
    marks: list[str] = []

    def dot(x: float, y: float, nid: str, label: str, kind: str, r: float = 5.5) -> None:
        colour = KIND_COLOURS.get(kind, GREY)
        tip = f"{KIND_NAMES.get(kind, kind)}: {label}" + (f" (id {nid})" if nid else "")
        marks.append(
            f'<g class="node" data-kind="{escape(kind)}" data-id="{escape(nid)}">'
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{colour}">'
            f"<title>{escape(tip)}</title></circle></g>"
        )

    def edge(x1: float, y1: float, x2: float, y2: float) -> None:
        edges.append(
            f'<line class="edge" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
            f'stroke="#cbd2d9" stroke-width="1.5"/>'
        )

    if shown_parents:
        svg.text(8, top + 10, "broader groups", size=10, fill=MUTED, weight="bold")
    for i, pid in enumerate(shown_parents):
        y = top + (i + 1.5) * row_h
        n = nodes[pid]
        edge(14, y, cx, cy)
        dot(14, y, pid, n.label, n.kind)
        svg.text(
            24,
            y + 4,
            fit(n.label, left_w - 18, 11),
            size=11,
            tip=f"{n.label} (id {pid})",
            cls="node-label",
        )
    for i, (what, nid, label, kind) in enumerate(rows):
        y = top + (i + 0.5) * row_h
        if what == "heading":
            svg.text(rx - 8, y + 8, fit(label, width - rx, 10), size=10, fill=MUTED, weight="bold")
            continue
        if what == "more":
            svg.text(rx + 10, y + 4, label, size=11, fill=MUTED)
            continue
        edge(cx, cy, rx, y)
        dot(rx, y, nid, label, kind)
        tip = f"{KIND_NAMES.get(kind, kind)}: {label}" + (f" (id {nid})" if nid else "")
        svg.text(
            rx + 10, y + 4, fit(label, width - rx - 18, 11), size=11, tip=tip, cls="node-label"
        )
    marks.append(
        f'<g class="node center" data-kind="{escape(center.kind)}" data-id="{escape(center.id)}">'
        f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="10" fill="{KIND_COLOURS.get(center.kind, GREY)}" '
        f'stroke="{INK}" stroke-width="1.5"><title>{escape(center.label)} (id {escape(center.id)})'
        "</title></circle></g>"
    )
    # the centre's name to its left, right-aligned, below the broader groups
    lines = wrap(center.label, cx - 8 - 16, 12, lines=3)
    first = cy + 4 - 7.5 * (len(lines) - 1)
    for k, line in enumerate(lines):
        svg.text(
            cx - 16,
            first + 15 * k,
            line,
            size=12,
            anchor="end",
            weight="bold",
            tip=center.id,
            cls="node-label",
        )
    svg.parts[under:under] = edges + marks
    bottom = max(top + len(rows) * row_h, first + 15 * (len(lines) - 1) + 6) + 14
    return svg.render(bottom)
