"""`batch status`: where a batch stands, read from its folder (the state, each company's file, the round files).

Nothing is written and the provider is not asked: what the folder says about the round (built, submitted,
collected), how many sections each company has in, how many wait for a repair, and what to run next.
Companies are read one at a time, as every step reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from naftiko_writer.drafting.batch.provider import submitted_batch_ids
from naftiko_writer.drafting.batch.rounds import round_files
from naftiko_writer.drafting.batch.state import CompanyFiles, load_state
from naftiko_writer.report.model import SectionSource


@dataclass(frozen=True)
class BatchStatus:
    """What a batch folder holds now."""

    model: str
    edition: str | None
    companies: int
    round: int
    collected: int
    requests: int
    """Requests in the latest round's files."""
    files: int
    submitted: int
    """Of those files, how many were started at the provider."""
    sections: int
    """Sections collected so far, over every company."""
    fallbacks: int
    retrying: int
    """Sections whose answer failed and that the next round asks again."""

    @property
    def done(self) -> bool:
        """Every round is collected: the drafts were written."""
        return self.round > 0 and self.collected >= self.round

    def next_step(self, folder: Path) -> str:
        """The command to run next."""
        if self.done:
            return "nothing: every round is collected and the drafts were written"
        if self.submitted < self.files:
            return f"naftiko-writer batch submit {folder}   (or collect an output file with --results FILE)"
        return f"naftiko-writer batch collect {folder}   (exit status 5 while the provider is still working)"


def batch_status(folder: Path) -> BatchStatus:
    """Read where the batch in `folder` stands (an InputError if it holds none)."""
    state = load_state(folder)
    files = CompanyFiles.of(folder, state)
    sections = fallbacks = retrying = 0
    for member in state.companies:
        entry = files.read(member)
        sections += len(entry.sections)
        fallbacks += sum(1 for result in entry.sections.values() if result.source is SectionSource.FALLBACK)
        retrying += len(entry.retrying)
    paths = [path for path in round_files(folder, state.round) if path.is_file()]
    requests = 0
    for path in paths:
        with path.open("rb") as stream:
            requests += sum(1 for line in stream if line.strip())
    return BatchStatus(
        model=state.model,
        edition=state.edition,
        companies=len(state.companies),
        round=state.round,
        collected=state.collected,
        requests=requests,
        files=len(paths),
        submitted=min(len(submitted_batch_ids(folder)), len(paths)),
        sections=sections,
        fallbacks=fallbacks,
        retrying=retrying,
    )
