"""A draft (as the analyst left it) -> a standalone HTML page to share. Pure.

The page is built from the Markdown draft, not from the model's answers, so
every analyst edit is published. Markers and override comments are removed;
raw HTML in the text is never passed through (markdown-it runs with HTML
off; the parser is draft_format's, so `check` reads what this page shows).
A chart of the dimension scores by layer, drawn from the draft's own
headings, follows the executive summary, and the provenance closes the page.
"""

from __future__ import annotations

from html import escape, unescape
from pathlib import Path

from naftiko_writer.document.chart import ChartLayer, render_score_chart
from naftiko_writer.document.draft_files import read_draft_text, truncation, write_output
from naftiko_writer.document.draft_format import (
    DraftDocument,
    dimension_heading,
    headings,
    layer_heading,
    markdown,
    parse_draft,
)
from naftiko_writer.document.industry_format import is_industry_draft
from naftiko_writer.document.markers import strip_comments
from naftiko_writer.errors import DraftError, InputError
from naftiko_writer.report.plan import EXECUTIVE_SUMMARY
from naftiko_writer.scoring.taxonomy import load_taxonomy

STYLE = """
:root { color-scheme: light; }
body { font: 16px/1.6 Georgia, 'Times New Roman', serif; color: #1d1d1f; background: #fff; margin: 0; }
main { max-width: 52rem; margin: 0 auto; padding: 2.5rem 1.5rem 4rem; }
h1, h2, h3, figcaption, table, footer, .meta { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; }
h1 { font-size: 2rem; line-height: 1.2; margin: 0 0 .25rem; }
h2 { font-size: 1.45rem; margin: 2.5rem 0 .5rem; padding-bottom: .3rem; border-bottom: 2px solid #0f5e6e; }
h3 { font-size: 1.1rem; margin: 1.8rem 0 .4rem; color: #0f5e6e; }
p { margin: .6rem 0; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; margin: 1rem 0; }
th, td { border: 1px solid #d5d5d5; padding: .45rem .6rem; text-align: left; vertical-align: top; }
th { background: #eef6f8; }
blockquote { margin: 1rem 0; padding: .5rem 1rem; background: #fff6e0; border-left: 4px solid #e0a800; }
figure { margin: 2rem 0; }
figure svg { max-width: 100%; height: auto; }
figcaption { font-size: .85rem; color: #555; }
footer { margin-top: 3rem; padding-top: 1rem; border-top: 1px solid #ddd; font-size: .8rem; color: #555; }
footer dl { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; }
footer dt { font-weight: 600; }
@media print { main { padding: 0; } h2 { break-after: avoid; } figure, table { break-inside: avoid; } }
"""


def export_html(draft_path: Path, target: Path, taxonomy_dir: Path) -> None:
    """`export`: publish the draft file as an HTML page at `target` (never over the draft, never a truncated one)."""
    if target.resolve() == draft_path.resolve():
        raise InputError(f"{target}: would overwrite the draft; give --out a path ending in .html")
    text = read_draft_text(draft_path)
    if is_industry_draft(text):
        from naftiko_writer.document.industry_html import export_industry_html

        export_industry_html(draft_path, text, target)
        return
    tiers = [(tier.name, tier.min_score) for tier in load_taxonomy(taxonomy_dir).scoring.tiers]
    document = parse_draft(text, str(draft_path))
    cut = truncation(document)
    if cut is not None:
        raise DraftError(
            f"{draft_path}: looks truncated ({cut}); nothing was published. Restore the rest (from a .bak copy, "
            "or by drafting again) and export again"
        )
    write_output(target, render_html(document, tiers))


def chart_layers(document: DraftDocument) -> list[ChartLayer]:
    """Layers and their dimension scores, as the draft's headings state them."""
    layers: list[ChartLayer] = []
    for block in document.blocks:
        title = layer_heading(block)
        if title is not None:
            layers.append(ChartLayer(title, []))
            continue
        dimension = dimension_heading(block)
        if dimension is not None and layers:
            layers[-1].scores.append(dimension)
    return layers


def render_html(document: DraftDocument, tiers: list[tuple[str, int]]) -> str:
    """The shareable HTML page of a draft."""
    title = next(
        (text for block in document.blocks for level, text in headings(block.body) if level == 1),
        "Technology Investment Impact Report",
    )
    body: list[str] = []
    if document.preamble:
        body.append(markdown().render(strip_comments(document.preamble)))
    chart_placed = False
    for block in document.blocks:
        body.append(f'<section id="{escape(block.id)}">{markdown().render(strip_comments(block.body))}</section>')
        if block.id == EXECUTIVE_SUMMARY and not chart_placed:
            body.append(_figure(document, tiers))
            chart_placed = True
    if not chart_placed:
        body.insert(1 if body else 0, _figure(document, tiers))
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(unescape(title))}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + "\n"
        + _footer(document)
        + "\n</main>\n</body>\n</html>\n"
    )


def _figure(document: DraftDocument, tiers: list[tuple[str, int]]) -> str:
    return (
        f'<figure id="score-chart">{render_score_chart(chart_layers(document), tiers)}'
        "<figcaption>Dimension scores by layer (0–100), coloured by tier. Dimensions shared by two layers "
        "appear in both.</figcaption></figure>"
    )


def _footer(document: DraftDocument) -> str:
    provenance = document.provenance
    rows = {
        "Company": provenance.company,
        "Drafted": provenance.created,
        "Signals digest": provenance.signals_digest[:16],
        "Taxonomy": provenance.taxonomy_version,
        "Engine": provenance.engine + (f" ({provenance.model})" if provenance.model else ""),
        "Recordings": ", ".join(provenance.recording_sources) or "none",
        "naftiko-writer": provenance.tool_version,
    }
    items = "".join(f"<dt>{escape(key)}</dt><dd>{escape(value)}</dd>" for key, value in rows.items())
    return f"<footer><p>Provenance of this draft</p><dl>{items}</dl></footer>"
