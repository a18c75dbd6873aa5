"""A batch round at the provider: submitted (one provider batch per request file) and its output fetched.

The provider's ids are kept beside the round (`round-N.batch-id`, a line per file, saved as each batch
starts, so a submit stopped half-way submits only the rest when run again). A finished round's output
files are streamed to `round-N.results.jsonl` in the batch folder (never held in memory) and collected
from there, so a collect that stops can be run again without fetching anything twice.
"""

from __future__ import annotations

import os
from pathlib import Path

from naftiko_writer.drafting.batch.rounds import round_files
from naftiko_writer.drafting.batch.state import load_state
from naftiko_writer.errors import ConfigError, InputError
from naftiko_writer.files import write_text_atomically
from naftiko_writer.llm.protocol import require_api_key


def submit_round(folder: Path, base_url: str, api_key: str | None) -> tuple[list[Path], list[str]]:
    """Upload the batch's latest round and start it at the provider, one provider batch per request file."""
    state = load_state(folder)
    key = require_api_key(api_key, base_url, "submitting a batch calls", collect_from_file(folder))
    from naftiko_writer.llm.client import submit_batch  # the SDK loads only when a batch is sent

    paths = round_files(folder, state.round)
    ids = submitted_batch_ids(folder)[: len(paths)]
    for path in paths[len(ids) :]:
        ids.append(submit_batch(base_url, key, path))
        write_text_atomically(_ids_path(folder, state.round), "".join(f"{batch_id}\n" for batch_id in ids))
    return paths, ids


def submitted_batch_ids(folder: Path) -> list[str]:
    """The provider's ids of the batch's latest round (one per request file submitted so far)."""
    id_path = _ids_path(folder, load_state(folder).round)
    if not id_path.exists():
        return []
    try:
        return [line.strip() for line in id_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{id_path}: cannot read the batch ids ({exc}); submit the round again") from exc


def submitted_batch_id(folder: Path) -> str | None:
    """The provider's id of the batch's latest round (its first file's), once it was submitted."""
    ids = submitted_batch_ids(folder)
    return ids[0] if ids else None


def results_path(folder: Path, round_number: int) -> Path:
    """Where a round's output, fetched from the provider, is kept."""
    return folder / f"round-{round_number}.results.jsonl"


def fetch_round_results(folder: Path, base_url: str, api_key: str | None) -> tuple[str, Path | None]:
    """The submitted round's status at the provider, and the file of its output once every batch has finished.

    A split round is one round: it is fetched when all of its provider batches are completed, their output
    files written one after the other into `round-N.results.jsonl`; until then the status is the first
    unfinished batch's. A round fetched before is not fetched again.
    """
    ids = submitted_batch_ids(folder)
    if not ids:
        raise ConfigError(f"{folder}: give --results FILE, or submit the round and set OPENAI_API_KEY")
    round_number = load_state(folder).round
    if len(ids) < len(round_files(folder, round_number)):
        raise ConfigError(f"{folder}: only {len(ids)} of the round's files were submitted; run `batch submit` again")
    target = results_path(folder, round_number)
    if target.is_file():
        return "completed", target
    key = require_api_key(api_key, base_url, "fetching a batch calls", collect_from_file(folder))
    from naftiko_writer.llm.client import fetch_batch_results  # the SDK loads only when a batch is fetched

    temporary = target.with_name(f".{target.name}.tmp")
    try:
        with temporary.open("wb") as out:
            for batch_id in ids:
                status, written = fetch_batch_results(base_url, key, batch_id, out)
                if not written:
                    return status, None
                out.write(b"\n")  # one output file's last line never runs into the next one's first
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return "completed", target


def collect_from_file(folder: Path) -> str:
    """What to do without a key: collect the results another way."""
    return f"collect an output file you have with `batch collect {folder} --results FILE`"


def _ids_path(folder: Path, round_number: int) -> Path:
    return folder / f"round-{round_number}.batch-id"
