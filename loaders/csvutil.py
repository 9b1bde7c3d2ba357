"""Shared CSV reading for every loader: UTF-8 check, required columns, file:line sources.

Files may be plain (`x.csv`) or gzip-compressed (`x.csv.gz`). Every row remembers the
physical line it starts on (a quoted field spanning several lines counts all of them), so
errors read "skills_en.csv:1042: preferredLabel: ...". Problems are collected, not raised one
by one: the caller raises one `BatchRejected` naming all of them and writes nothing.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from graph.errors import BatchRejected, RowProblem
from graph.settings import get_settings

FILE_FIELD = "(file)"


@dataclass(frozen=True)
class CsvRow:
    """One data record: its values by column name, the line it starts on, and "file:line"."""

    index: int  # 0-based among data records
    line: int  # 1-based physical line where the record starts
    source: str
    values: dict[str, str]

    def get(self, column: str, default: str = "") -> str:
        value = self.values.get(column)
        return default if value is None else value


def find_file(directory: Path, name: str) -> Path:
    """`directory/name` or `directory/name.gz`, whichever exists (plain wins)."""
    for candidate in (directory / name, directory / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    raise BatchRejected(
        problems=[
            RowProblem(
                row=0,
                field=FILE_FIELD,
                reason=f"missing file {name} (or {name}.gz) in {directory}",
                source=name,
            )
        ],
        what=f"{directory.name or directory} import",
    )


def display_name(path: Path) -> str:
    return path.name


def read_bounded(path: Path) -> bytes:
    """The file's bytes (gzip-decompressed when it ends in .gz), refused past
    `max_import_bytes` (settings) before it is read whole, decompressed size included."""

    limit = get_settings().max_import_bytes
    too_big = f"larger than the import limit of {limit} bytes (MENTORGRAPH_MAX_IMPORT_BYTES)"
    if path.stat().st_size > limit:
        raise _rejected(path, 0, FILE_FIELD, too_big)
    if path.suffix != ".gz":
        return path.read_bytes()
    try:
        with gzip.open(path, "rb") as fh:
            raw = fh.read(limit + 1)
    except (OSError, EOFError) as exc:
        raise _rejected(path, 0, FILE_FIELD, f"not a readable gzip file: {exc}") from None
    if len(raw) > limit:
        raise _rejected(path, 0, FILE_FIELD, too_big)
    return raw


def read_text(path: Path) -> str:
    """The whole file as text: gzip-decompressed when it ends in .gz, strictly UTF-8 (a BOM is
    dropped), at most `max_import_bytes`. Undecodable bytes raise BatchRejected naming the
    line."""
    raw = read_bounded(path)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise _rejected(
            path,
            line,
            "(encoding)",
            f"not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "save the file as UTF-8",
        ) from None


def read_csv(
    path: Path,
    *,
    required: Sequence[str] = (),
    text: str | None = None,
    delimiter: str = ",",
) -> list[CsvRow]:
    """Parse a CSV file with a header row into `CsvRow`s.

    Rejects (BatchRejected, nothing returned) a file that is not UTF-8, lacks a required
    column, or has records with more or fewer fields than the header. Blank lines are skipped.
    Values are stripped of surrounding whitespace; header names too.
    """
    name = display_name(path)
    body = read_text(path) if text is None else text
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=delimiter, strict=True)
    problems: list[RowProblem] = []
    rows: list[CsvRow] = []
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise _rejected(path, 1, FILE_FIELD, "empty file: expected a header row") from None
    except csv.Error as exc:
        raise _rejected(path, 1, "(csv)", f"unreadable header: {exc}") from None
    missing = [c for c in required if c not in header]
    if missing:
        raise BatchRejected(
            problems=[
                RowProblem(row=0, field=c, reason="missing required column", source=f"{name}:1")
                for c in missing
            ],
            what=f"{name}",
        )
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    if dupes:
        raise _rejected(path, 1, dupes[0], "column appears more than once in the header")
    previous_end = reader.line_num
    index = 0
    while True:
        start = previous_end + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(
                RowProblem(row=index, field="(csv)", reason=str(exc), source=f"{name}:{start}")
            )
            break  # the reader cannot resynchronise after a broken quote
        previous_end = reader.line_num
        if not record or (len(record) == 1 and not record[0].strip()):
            continue
        source = f"{name}:{start}"
        if len(record) != len(header):
            problems.append(
                RowProblem(
                    row=index,
                    field="(row)",
                    reason=f"has {len(record)} fields, the header has {len(header)}",
                    source=source,
                )
            )
        else:
            values = {h: v.strip() for h, v in zip(header, record, strict=True) if h}
            rows.append(CsvRow(index=index, line=start, source=source, values=values))
        index += 1
    if problems:
        raise BatchRejected(problems=problems, what=name)
    return rows


def split_list(value: str, separator: str) -> list[str]:
    """Split a multi-valued cell, dropping blanks and surrounding whitespace."""
    return [part.strip() for part in value.split(separator) if part.strip()]


def reject_if(problems: Iterable[RowProblem], what: str) -> None:
    problems = list(problems)
    if problems:
        raise BatchRejected(problems=problems, what=what)


def _rejected(path: Path, line: int, field: str, reason: str) -> BatchRejected:
    name = display_name(path)
    source = f"{name}:{line}" if line else name
    return BatchRejected(
        problems=[RowProblem(row=0, field=field, reason=reason, source=source)], what=name
    )
