"""A round's Batch API output file, indexed by custom_id and read a line at a time.

A provider's output file for a round of a thousand companies is hundreds of megabytes; it is never
held whole. Opening it checks every line once (so a tampered or foreign line stops the collect before
anything is taken in, naming the line) and keeps only where each answer starts; `get` reads one
answer back when its company is collected.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

from naftiko_writer.errors import InputError
from naftiko_writer.llm.answer_shape import MAX_ANSWER_BYTES, MalformedAnswerError, parse_answer_json

MAX_RESULTS_BYTES = 4 * 2**30
"""The largest results file read (a provider's output for one input file of 200 MB is well under this)."""
_BOM = b"\xef\xbb\xbf"


class ResultsFile:
    """A Batch API output file: its answers by custom_id, read from disk when asked for.

    Use it as a context manager (it holds the file open). Raises InputError when the file is missing,
    not a regular file, too large, or holds a line that is not a Batch API output line.
    """

    def __init__(self, path: Path, folder: Path) -> None:
        self.path = path
        self._offsets: dict[str, tuple[int, int]] = {}
        self._stream = _open_results(path)
        try:
            self._index(folder)
        except BaseException:
            self._stream.close()
            raise

    def __enter__(self) -> ResultsFile:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stream.close()

    @property
    def ids(self) -> set[str]:
        """Every custom_id the file answers."""
        return set(self._offsets)

    def __contains__(self, key: str) -> bool:
        return key in self._offsets

    def get(self, key: str) -> dict[str, Any] | None:
        """The output line answering `key` (checked when the file was opened), or None."""
        where = self._offsets.get(key)
        if where is None:
            return None
        offset, length = where
        self._stream.seek(offset)
        entry: dict[str, Any] = parse_answer_json(self._stream.read(length).removeprefix(_BOM))
        return entry

    def _index(self, folder: Path) -> None:
        offset = 0
        for number, line in enumerate(_lines(self._stream), start=1):
            start, offset = offset, offset + len(line)
            body = line.removeprefix(_BOM) if number == 1 else line
            if not body.strip():
                continue
            try:
                entry = parse_answer_json(body)  # a line cut at MAX_ANSWER_BYTES + 2 is over the limit
                problem = _result_line_problem(entry)
            except MalformedAnswerError as exc:
                problem = str(exc)
            if problem is not None:
                raise InputError(
                    f"results line {number}: not a Batch API output line ({problem}); "
                    f"give the output file of the batch built in {folder}"
                )
            self._offsets[entry["custom_id"]] = (start, len(line))


def _open_results(path: Path) -> BinaryIO:
    if not path.exists():
        raise InputError(f"{path}: no such file; give the results the provider returned")
    if path.is_dir() or not path.is_file():
        raise InputError(f"{path}: is not a regular file (a pipe or a device?); give a data file")
    try:
        if path.stat().st_size > MAX_RESULTS_BYTES:
            raise InputError(f"{path}: is larger than the {MAX_RESULTS_BYTES:,}-byte limit; a data file is smaller")
        return path.open("rb")
    except PermissionError:
        raise InputError(f"{path}: permission denied; make the file and its folders readable") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def _lines(stream: BinaryIO) -> Iterator[bytes]:
    """The file's lines, newline kept; a line longer than any answer is cut (and then fails to parse)."""
    while line := stream.readline(MAX_ANSWER_BYTES + 2):
        yield line


def _result_line_problem(entry: Any) -> str | None:
    if not isinstance(entry, dict):
        return f"a JSON {type(entry).__name__}, not an object"
    if not isinstance(entry.get("custom_id"), str):
        return "no custom_id"
    response = entry.get("response")
    if response is not None and not isinstance(response, dict):
        return "a response that is not an object"
    if isinstance(response, dict) and response.get("body") is not None and not isinstance(response["body"], dict):
        return "a response body that is not an object"
    return None
