"""Batch drafting: the sections of many companies as OpenAI Batch API request files, and back to drafts.

A batch lives in a folder: `state.json` (the companies, the model, the rounds), `collected-N/` (a file
a company: what round N's collect left of it), and one `round-N.jsonl` of requests per round (split
into `round-N.K.jsonl` within the provider's limits). `steps` builds and collects, `state` owns the
state and the companies' files, `rounds` the request files, `results` the output files read by
custom_id, `provider` submits and fetches rounds, and `status` says where a batch stands. No step
holds the whole batch in memory.
"""

from naftiko_writer.drafting.batch.provider import (
    fetch_round_results,
    submit_round,
    submitted_batch_id,
    submitted_batch_ids,
)
from naftiko_writer.drafting.batch.rounds import custom_id, round_files, split_round
from naftiko_writer.drafting.batch.state import BatchState, load_state
from naftiko_writer.drafting.batch.steps import BatchProgress, Phase, build_batch, collect_batch

__all__ = [
    "BatchProgress",
    "BatchState",
    "Phase",
    "build_batch",
    "collect_batch",
    "custom_id",
    "fetch_round_results",
    "load_state",
    "round_files",
    "split_round",
    "submit_round",
    "submitted_batch_id",
    "submitted_batch_ids",
]
