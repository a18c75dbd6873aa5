"""An inline SVG chart of dimension scores by layer, drawn by the tool itself. Pure.

One small panel per layer in a two-column grid, one horizontal bar per
dimension, coloured by tier. Every label is XML-escaped; the SVG carries a
<title> and an aria-label so it reads sensibly without the picture.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

PANEL_WIDTH = 360
LABEL_WIDTH = 170
BAR_WIDTH = 150
ROW = 18
PANEL_HEADER = 26
GAP = 14
COLUMNS = 2
TIER_COLOURS = {"mature": "#0f5e6e", "developing": "#3a9bb0", "early": "#9fd3df", "none": "#d9d9d9"}


@dataclass(frozen=True)
class ChartLayer:
    """One layer's panel: its title and its dimensions' scores."""

    title: str
    scores: list[tuple[str, int]]


def tier_of(score: int, tiers: list[tuple[str, int]]) -> str:
    """The tier a score falls in, from (name, minimum score) pairs."""
    for name, minimum in sorted(tiers, key=lambda tier: -tier[1]):
        if score >= minimum:
            return name
    return "none"


def render_score_chart(layers: list[ChartLayer], tiers: list[tuple[str, int]], scale: int = 100) -> str:
    """The SVG (as text) for these layers; bars are drawn against `scale`."""
    top = max([scale, *(score for layer in layers for _, score in layer.scores)])
    heights = [PANEL_HEADER + ROW * max(1, len(layer.scores)) + GAP for layer in layers]
    rows = [heights[i : i + COLUMNS] for i in range(0, len(heights), COLUMNS)]
    width = COLUMNS * PANEL_WIDTH + (COLUMNS - 1) * GAP
    height = sum(max(row) for row in rows) + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'role="img" aria-label="Dimension scores by layer" font-family="system-ui, sans-serif" font-size="11">',
        "<title>Dimension scores by layer</title>",
    ]
    y = 0
    for row_index, row in enumerate(rows):
        for column in range(len(row)):
            layer = layers[row_index * COLUMNS + column]
            parts.append(_panel(layer, column * (PANEL_WIDTH + GAP), y, top, tiers))
        y += max(row)
    legend_x = 0
    for name, colour in TIER_COLOURS.items():
        parts.append(f'<rect x="{legend_x}" y="{y + 8}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{legend_x + 14}" y="{y + 17}" fill="#333">{escape(name)}</text>')
        legend_x += 90
    parts.append("</svg>")
    return "\n".join(parts)


def _panel(layer: ChartLayer, x: int, y: int, top: int, tiers: list[tuple[str, int]]) -> str:
    parts = [
        f'<g transform="translate({x},{y})">',
        f'<text x="0" y="16" font-weight="600" font-size="12" fill="#111">{escape(layer.title)}</text>',
    ]
    for index, (name, score) in enumerate(layer.scores):
        row_y = PANEL_HEADER + index * ROW
        bar = min(BAR_WIDTH, max(0, round(BAR_WIDTH * score / top))) if top > 0 else 0  # an edited -3: no bar
        colour = TIER_COLOURS.get(tier_of(score, tiers), TIER_COLOURS["none"])
        label = name if len(name) <= 28 else name[:27] + "…"
        parts += [
            f'<text x="0" y="{row_y + 12}" fill="#333">{escape(label)}</text>',
            f'<rect x="{LABEL_WIDTH}" y="{row_y + 3}" width="{BAR_WIDTH}" height="11" fill="#f1f1f1"/>',
            f'<rect x="{LABEL_WIDTH}" y="{row_y + 3}" width="{bar}" height="11" fill="{colour}">'
            f"<title>{escape(name)}: {score}</title></rect>",
            f'<text x="{LABEL_WIDTH + BAR_WIDTH + 6}" y="{row_y + 12}" fill="#111">{score}</text>',
        ]
    parts.append("</g>")
    return "\n".join(parts)
