"""A batch's round files: the request lines of one round, split within the provider's limits per file.

Round N's requests are `round-N.jsonl`, or `round-N.1.jsonl`, `round-N.2.jsonl`, ... when one file
would hold more requests or bytes than the provider takes in one batch. Each line is one Batch API
request, its `custom_id` naming the company, the section and the round. Files are written a line at a
time and renamed into place whole, and read back a line at a time, so no round is ever held in memory.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from naftiko_writer.errors import InputError

ENDPOINT = "/v1/chat/completions"


def custom_id(slug: str, section_id: str, round_number: int) -> str:
    """The Batch API id of one section's request in one round (so results of another round never match)."""
    return f"{slug}|{section_id}|r{round_number}"


def request_line(key: str, body: dict[str, Any]) -> str:
    """One Batch API request line: the chat completion `body` under the id `key`."""
    return json.dumps({"custom_id": key, "method": "POST", "url": ENDPOINT, "body": body}, ensure_ascii=False)


def split_round(lines: list[str], max_requests: int, max_bytes: int) -> list[list[str]]:
    """A round's request lines in files within the provider's limits, in order.

    Each file holds at most `max_requests` lines and `max_bytes` bytes (newlines counted); a line larger
    than `max_bytes` on its own is an error. (`RoundWriter` applies the same rule while writing.)
    """
    parts: list[list[str]] = [[]]
    size = 0
    for line in lines:
        length = _length(line, max_bytes)
        if parts[-1] and (len(parts[-1]) >= max_requests or size + length > max_bytes):
            parts.append([])
            size = 0
        parts[-1].append(line)
        size += length
    return parts


def _length(line: str, max_bytes: int) -> int:
    length = len(line.encode()) + 1
    if length > max_bytes:
        raise InputError(
            f"one request is {length:,} bytes, over the {max_bytes:,} bytes a batch file may hold; "
            "raise --max-bytes-per-file"
        )
    return length


def round_path(folder: Path, round_number: int, part: int, parts: int) -> Path:
    """`round-N.jsonl` for a round in one file; `round-N.K.jsonl` for part K of a split round."""
    return folder / (f"round-{round_number}.jsonl" if parts == 1 else f"round-{round_number}.{part}.jsonl")


def round_files(folder: Path, round_number: int) -> list[Path]:
    """A round's request files, in part order (one, unless the round was split)."""
    single = folder / f"round-{round_number}.jsonl"
    if single.exists():
        return [single]
    parts = []
    for path in folder.glob(f"round-{round_number}.*.jsonl"):
        number = path.name.removeprefix(f"round-{round_number}.").removesuffix(".jsonl")
        if number.isdigit():
            parts.append((int(number), path))
    return [path for _, path in sorted(parts)] or [single]


def requested_ids(folder: Path, round_number: int) -> set[str]:
    """The custom_ids of a round's requests, read a line at a time from its files."""
    ids: set[str] = set()
    for path in round_files(folder, round_number):
        try:
            with path.open(encoding="utf-8") as stream:
                ids.update(json.loads(line)["custom_id"] for line in _lines(stream))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
            raise InputError(
                f"{path}: cannot read the round's requests ({type(exc).__name__}); rebuild the batch"
            ) from exc
    return ids


def _lines(stream: TextIO) -> Iterator[str]:
    return (line for line in stream if line.strip())


class RoundWriter:
    """A round's request files written line by line, split by the same rule as `split_round`.

    Parts are written to temporaries and renamed into place by `finish` (`round-N.jsonl`, or
    `round-N.K.jsonl` when the round needs several files), so a crash leaves no half round.
    """

    def __init__(self, folder: Path, round_number: int, max_requests: int, max_bytes: int) -> None:
        self.folder, self.round_number = folder, round_number
        self.max_requests, self.max_bytes = max_requests, max_bytes
        self.count = 0
        self._parts: list[tuple[Path, int, int]] = []  # temporary, lines, bytes
        self._stream: TextIO | None = None

    def add(self, line: str) -> None:
        """Append one request line, starting a new file when the current one is full."""
        length = _length(line, self.max_bytes)
        stream = self._stream
        if stream is None or self._parts[-1][1] >= self.max_requests or self._parts[-1][2] + length > self.max_bytes:
            stream = self._open_part()
        stream.write(line + "\n")
        temporary, lines, size = self._parts[-1]
        self._parts[-1] = (temporary, lines + 1, size + length)
        self.count += 1

    def _open_part(self) -> TextIO:
        self._close_part()
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.folder / f".round-{self.round_number}.{len(self._parts) + 1}.jsonl.tmp"
        self._stream = temporary.open("w", encoding="utf-8")
        self._parts.append((temporary, 0, 0))
        return self._stream

    def _close_part(self) -> None:
        """Sync and close the part being written, if any."""
        if self._stream is not None:
            self._stream.flush()
            os.fsync(self._stream.fileno())
            self._stream.close()
            self._stream = None

    def finish(self) -> list[Path]:
        """Sync and rename every part into place; the round's files, in order."""
        self._close_part()
        paths = [
            round_path(self.folder, self.round_number, n, len(self._parts)) for n in range(1, len(self._parts) + 1)
        ]
        for (temporary, _, _), path in zip(self._parts, paths, strict=True):
            os.replace(temporary, path)
        return paths

    def discard(self) -> None:
        """Remove what was written (no request, or an error)."""
        if self._stream is not None:
            self._stream.close()
            self._stream = None
        for temporary, _, _ in self._parts:
            temporary.unlink(missing_ok=True)
