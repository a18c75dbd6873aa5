"""The template engine's cohort sentences: a company's standing among its peers, said as the data allows. Pure.

Applied after a section's own template (drafting/template_engine.py) when the section was given cohort
facts (`draft COMPANY --edition E`): one sentence on the dimension paragraph, the layer introduction,
the executive summary and the strategic assessment. Each uses a standing's own phrase, which names the
group and the edition and says "joint" of a tie; "highest" only where the standing allows a superlative
(first alone in a group of at least ten).
"""

from __future__ import annotations

from naftiko_writer.drafting.template.words import number
from naftiko_writer.report.cohort import Standing
from naftiko_writer.report.sections import (
    ChangeBrief,
    DimensionNarrative,
    EditionChanges,
    EditionChangesInput,
    ExecutiveSummary,
    Input,
    LayerIntroduction,
    Output,
    SectionKind,
    StrategicAssessment,
)

PARAGRAPH_LIMIT = 1200
"""The schemas' paragraph bound: a cohort sentence that would pass it is left out."""


def _place(standing: Standing) -> str:
    if standing.superlative:
        return f"the highest of the {standing.group_size} {standing.group} in {standing.edition}"
    return standing.phrase


def cohort_sentence(standings: list[Standing], lead: str) -> str:
    """`lead` ('That score is') with the standing in the industry, its median, and in the edition when given."""
    first = standings[0]
    sentence = f"{lead} {_place(first)}"
    if first.group_size > 1:
        sentence += f", against an industry median of {number(first.median)}"
    if len(standings) > 1 and standings[1].subject == first.subject:
        sentence += f", and {_place(standings[1])}"
    return sentence + "."


def _appended(text: str, sentence: str) -> str:
    joined = f"{text} {sentence}"
    return joined if len(joined) <= PARAGRAPH_LIMIT else text


def with_cohort(output: Output, data: Input) -> Output:
    """`output` with its cohort sentence, when `data` holds cohort facts and the section says them."""
    claims = data.cohort
    if claims is None or not claims.standings:
        return output
    standings = claims.standings
    if isinstance(output, DimensionNarrative):
        sentence = cohort_sentence(standings, "Among its peers, that score is")
        return output.model_copy(update={"paragraph": _appended(output.paragraph, sentence)})
    if isinstance(output, LayerIntroduction):
        sentence = cohort_sentence(standings, "On the layer's mean score, the company is")
        return output.model_copy(update={"summary": _appended(output.summary, sentence)})
    top = [s for s in standings if s.subject == standings[0].subject]
    lead = f"Among its peers, its {standings[0].subject} score is"
    if isinstance(output, ExecutiveSummary):
        paragraphs = [*output.paragraphs[:-1], _appended(output.paragraphs[-1], cohort_sentence(top, lead))]
        return output.model_copy(update={"paragraphs": paragraphs})
    if isinstance(output, StrategicAssessment):
        return output.model_copy(update={"overview": _appended(output.overview, cohort_sentence(top, lead))})
    return output


def _places(move: int) -> str:
    return f"{abs(move)} place{'s' if abs(move) != 1 else ''}"


def _move_sentence(brief: ChangeBrief) -> str:
    direction = "rose" if brief.delta > 0 else "fell"
    parts = [f"{brief.dimension} {direction} from {brief.before} to {brief.after}"]
    causes = []
    if brief.from_signals:
        causes.append(f"{brief.from_signals:+d} from its own signals")
    if brief.from_taxonomy:
        causes.append(f"{brief.from_taxonomy:+d} from the taxonomy's change")
    if causes:
        parts.append(f" ({' and '.join(causes)})")
    if brief.added:
        parts.append(f", with {', '.join(brief.added[:3])} new")
    if brief.removed:
        parts.append(f"{' and' if brief.added else ', with'} {', '.join(brief.removed[:3])} gone")
    return "".join(parts)


def edition_changes(data: EditionChangesInput) -> EditionChanges:
    """What changed since the previous edition: the first, new, unchanged, or the biggest moves with causes."""
    if data.previous_edition is None:
        return EditionChanges(
            paragraphs=[f"{data.edition} is the first edition holding {data.company}: there is nothing to compare yet."]
        )
    if data.status == "new":
        return EditionChanges(
            paragraphs=[f"{data.company} is new in {data.edition}: {data.previous_edition} did not hold it."]
        )
    if not data.moves:
        return EditionChanges(
            paragraphs=[
                f"Nothing moved for {data.company} between {data.previous_edition} and {data.edition}: the same "
                "scores, from the same signals."
            ]
        )
    opening = (
        f"Since {data.previous_edition}, {data.company}'s data gained {data.signals_added} signals and lost "
        f"{data.signals_removed}."
    )
    moves = "; ".join(_move_sentence(brief) for brief in data.moves[:4])
    paragraphs = [opening, f"The biggest moves in {data.edition}: {moves}."]
    ranks = [
        f"{brief.dimension} {'gained' if (brief.own_move or 0) + (brief.peers_move or 0) > 0 else 'lost'} "
        f"{_places((brief.own_move or 0) + (brief.peers_move or 0))} of rank, {brief.own_move:+d} from its own change "
        f"and {brief.peers_move:+d} from its peers'"
        for brief in data.moves[:3]
        if brief.own_move is not None and brief.peers_move is not None and (brief.own_move or brief.peers_move)
    ]
    if ranks:
        paragraphs.append("; ".join(ranks) + ".")
    return EditionChanges(paragraphs=[_fit(p) for p in paragraphs])


def _fit(text: str) -> str:
    return text if len(text) <= PARAGRAPH_LIMIT else text[: PARAGRAPH_LIMIT - 1].rsplit(";", 1)[0] + "."


CHANGES_BUILDERS = {SectionKind.EDITION_CHANGES: edition_changes}
"""The template engine's writer of the changes section (drafting/template_engine.py dispatches to it)."""
