"""Server-side SVG charts for the dashboard: pure functions from analytics reports to markup.

No JavaScript chart library and no CDN: the browser only inserts these SVGs. Every text that
came from data is escaped, so a skill or person name cannot inject markup.
"""

from __future__ import annotations

from html import escape

import networkx as nx

from graph.analytics import CoverageReport, LoadReport, MatchHealth
from graph.analytics.queries import SubGraph

FONT = 'font-family="system-ui, sans-serif" font-size="11"'
PALETTE = {"person": "#4c78a8", "skill": "#f58518", "cluster": "#54a24b", "goal": "#b279a2"}


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}" '
        f'data-chart="{escape(title)}">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def _empty(title: str, message: str) -> str:
    return _svg(480, 60, [f'<text x="10" y="35" {FONT}>{escape(message)}</text>'], title)


def _gap_colour(demand: float, supply: int) -> str:
    """White when covered, through orange to deep red as demand outruns supply."""
    if demand <= 0:
        return "#e8f1fa"
    pressure = min(1.0, max(0.0, (demand - supply) / max(demand, 1.0)))
    r, g, b = 255, int(235 - 190 * pressure), int(215 - 190 * pressure)
    return f"#{r:02x}{g:02x}{b:02x}"


def coverage_heatmap(report: CoverageReport, *, per_tier: int = 12) -> str:
    title = "Coverage by cluster tier"
    tiers = [(t, rows[:per_tier]) for t, rows in report.tiers.items() if rows]
    if not tiers:
        return _empty(title, "No goals or mentors yet")
    cell, left, top = 56, 70, 24
    width = left + cell * max(len(rows) for _, rows in tiers) + 10
    height = top + cell * len(tiers) + 10
    body = [f'<text x="4" y="16" {FONT} font-weight="bold">{escape(title)}</text>']
    for i, (tier, rows) in enumerate(tiers):
        y = top + i * cell
        body.append(f'<text x="4" y="{y + cell // 2 + 4}" {FONT}>tier {tier}</text>')
        for j, row in enumerate(rows):
            x = left + j * cell
            tip = f"{row.label}: demand {row.demand:g}, mentors {row.supply}, gap {row.gap:g}"
            body.append(
                f'<g class="cell"><rect x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" '
                f'fill="{_gap_colour(row.demand, row.supply)}" stroke="#999" stroke-width="0.5">'
                f"<title>{escape(tip)}</title></rect>"
                f'<text x="{x + 3}" y="{y + 14}" {FONT} font-size="9">'
                f"{escape(row.label[:10])}</text>"
                f'<text x="{x + 3}" y="{y + 40}" {FONT} font-size="9">'
                f"{row.demand:.1f}/{row.supply}</text></g>"
            )
    return _svg(width, height, body, title)


def bar_chart(title: str, counts: dict[str, int | float], *, colour: str = "#4c78a8") -> str:
    if not counts:
        return _empty(title, "No data yet")
    bar, gap, top, bottom, height = 60, 14, 40, 30, 236
    width = 20 + len(counts) * (bar + gap)
    peak = max(counts.values()) or 1
    plot = height - top - bottom
    body = [f'<text x="4" y="16" {FONT} font-weight="bold">{escape(title)}</text>']
    for i, (label, value) in enumerate(counts.items()):
        h = plot * value / peak
        x = 14 + i * (bar + gap)
        y = top + plot - h
        body.append(
            f'<g class="bar"><rect x="{x}" y="{y:.1f}" width="{bar}" height="{h:.1f}" '
            f'fill="{colour}"><title>{escape(label)}: {value:g}</title></rect>'
            f'<text x="{x + bar / 2}" y="{y - 3:.1f}" {FONT} text-anchor="middle">{value:g}</text>'
            f'<text x="{x + bar / 2}" y="{height - 12}" {FONT} text-anchor="middle">'
            f"{escape(label)}</text></g>"
        )
    return _svg(width, height, body, title)


def load_histogram(report: LoadReport) -> str:
    return bar_chart("Mentor load (utilisation)", dict(report.histogram))


def health_timeline(health: MatchHealth) -> str:
    title = "Match health over time"
    points = health.timeline
    if not points:
        return _empty(title, "No pairings or check-ins yet")
    width, height, left, top, bottom = max(480, 60 * len(points) + 60), 240, 40, 30, 40
    plot_w, plot_h = width - left - 20, height - top - bottom
    peak = max(max(p.proposed, p.matched, p.checkins) for p in points) or 1
    step = plot_w / max(1, len(points) - 1)

    def line(values: list[float], scale: float, colour: str, name: str) -> str:
        coords = " ".join(
            f"{left + i * step:.1f},{top + plot_h - plot_h * v / scale:.1f}"
            for i, v in enumerate(values)
        )
        return (
            f'<polyline class="series" data-series="{name}" points="{coords}" fill="none" '
            f'stroke="{colour}" stroke-width="2"/>'
        )

    body = [
        f'<text x="4" y="16" {FONT} font-weight="bold">{escape(title)}</text>',
        line([p.proposed for p in points], peak, "#4c78a8", "proposed"),
        line([p.matched for p in points], peak, "#54a24b", "matched"),
        line([p.checkins for p in points], peak, "#f58518", "checkins"),
        line([p.avg_rating or 0 for p in points], 5, "#e45756", "avg_rating"),
    ]
    for i, p in enumerate(points):
        body.append(
            f'<text x="{left + i * step:.1f}" y="{height - 22}" {FONT} text-anchor="middle">'
            f"{escape(p.month)}</text>"
        )
    legend = [
        ("proposed", "#4c78a8"),
        ("matched", "#54a24b"),
        ("check-ins", "#f58518"),
        ("avg rating (of 5)", "#e45756"),
    ]
    for i, (name, colour) in enumerate(legend):
        x = 10 + i * 115
        body.append(
            f'<rect x="{x}" y="{height - 12}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14}" y="{height - 3}" {FONT}>{escape(name)}</text>'
        )
    return _svg(width, height, body, title)


def network_view(sub: SubGraph, *, size: int = 520) -> str:
    title = f"Network around {sub.center}"
    if not sub.nodes:
        return _empty(title, "Nothing around this node")
    g = nx.Graph()
    g.add_nodes_from(n.id for n in sub.nodes)
    g.add_edges_from((e.source, e.target) for e in sub.edges)
    pos = nx.spring_layout(g, seed=7, center=(0, 0)) if len(g) > 1 else {sub.nodes[0].id: (0, 0)}
    margin = 40

    def xy(node_id: str) -> tuple[float, float]:
        x, y = pos[node_id]
        half = size / 2 - margin
        return size / 2 + float(x) * half, size / 2 + float(y) * half

    body = [f'<text x="4" y="16" {FONT} font-weight="bold">{escape(title)}</text>']
    for e in sub.edges:
        (x1, y1), (x2, y2) = xy(e.source), xy(e.target)
        body.append(
            f'<line class="edge" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
            f'stroke="#bbb"><title>{escape(e.kind)}</title></line>'
        )
    for n in sub.nodes:
        x, y = xy(n.id)
        r = 10 if n.id == sub.center else 6
        body.append(
            f'<g class="node" data-kind="{escape(n.kind)}"><circle cx="{x:.1f}" cy="{y:.1f}" '
            f'r="{r}" fill="{PALETTE.get(n.kind, "#999")}"><title>{escape(n.kind)}: '
            f"{escape(n.label)}</title></circle>"
            f'<text x="{x + 8:.1f}" y="{y + 4:.1f}" {FONT} font-size="9">'
            f"{escape(n.label[:24])}</text></g>"
        )
    return _svg(size, size, body, title)
