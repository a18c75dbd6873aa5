"""An industry draft (as the analyst left it) -> a standalone HTML page with a chart of the industry's dimensions.

As for a company draft (document/html.py): the page is built from the Markdown, so every edit is published;
markers are removed and raw HTML is never passed through. The chart draws the industry totals of the
dimensions table the draft holds (its data block, as the reader sees it), the highest first.
"""

from __future__ import annotations

from html import escape, unescape
from pathlib import Path

from naftiko_writer.document.draft_files import write_output
from naftiko_writer.document.draft_format import headings, markdown, table_rows
from naftiko_writer.document.html import STYLE
from naftiko_writer.document.industry_format import TABLE, written_blocks
from naftiko_writer.document.markers import strip_comments
from naftiko_writer.errors import DraftError, InputError

CHART_DIMENSIONS = 15
BAR_WIDTH = 420
LABEL_WIDTH = 230
ROW = 20


def industry_blocks(text: str) -> list[tuple[str, str]]:
    """The (id, body) of each marked block of an industry draft, in order."""
    return [(block.id, block.body) for block in written_blocks(text)]


def dimension_totals(body: str) -> list[tuple[str, int]]:
    """(dimension, industry total) from the dimensions table as written."""
    totals = []
    for row in table_rows(body):  # the header row is not among them
        if len(row) >= 2:
            figure = row[1].replace(",", "")
            if figure.isdigit():
                totals.append((unescape(row[0]), int(figure)))
    return totals


def render_totals_chart(totals: list[tuple[str, int]]) -> str:
    """A horizontal bar per dimension, drawn against the largest total."""
    shown = sorted(totals, key=lambda item: -item[1])[:CHART_DIMENSIONS]
    top = max([1, *(total for _, total in shown)])
    height = ROW * len(shown) + 10
    width = LABEL_WIDTH + BAR_WIDTH + 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'role="img" aria-label="Industry totals by dimension" font-family="system-ui, sans-serif" font-size="11">',
        "<title>Industry totals by dimension</title>",
    ]
    for index, (name, total) in enumerate(shown):
        y = index * ROW + 4
        bar = max(0, round(BAR_WIDTH * total / top))
        parts.append(f'<text x="{LABEL_WIDTH - 6}" y="{y + 12}" text-anchor="end" fill="#333">{escape(name)}</text>')
        parts.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{bar}" height="{ROW - 6}" fill="#0f5e6e"/>')
        parts.append(f'<text x="{LABEL_WIDTH + bar + 4}" y="{y + 12}" fill="#333">{total:,}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def render_industry_html(text: str) -> str:
    """The shareable HTML page of an industry draft's Markdown."""
    blocks = industry_blocks(text)
    title = next((heading for _, body in blocks for level, heading in headings(body) if level == 1), "Industry Report")
    body: list[str] = []
    for block_id, block_body in blocks:
        body.append(f'<section id="{escape(block_id)}">{markdown().render(strip_comments(block_body))}</section>')
        if block_id == TABLE:
            totals = dimension_totals(block_body)
            if totals:
                body.append(
                    f'<figure id="industry-chart">{render_totals_chart(totals)}<figcaption>The industry totals '
                    f"of the {min(len(totals), CHART_DIMENSIONS)} highest dimensions (sums of the companies' "
                    "scores).</figcaption></figure>"
                )
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(unescape(title))}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + "\n</main>\n</body>\n</html>\n"
    )


def export_industry_html(draft_path: Path, text: str, target: Path) -> None:
    """Publish an industry draft (already read as `text`) as an HTML page at `target`, never over the draft."""
    if target.resolve() == draft_path.resolve():
        raise InputError(f"{target}: would overwrite the draft; give --out a path ending in .html")
    if not industry_blocks(text):
        raise DraftError(f"{draft_path}: holds no marked sections; nothing was published")
    write_output(target, render_industry_html(text))
