"""Shared CSV reading for every loader: encoding, delimiter, header names, file:line sources.

Files may be plain (`x.csv`) or gzip-compressed (`x.csv.gz`), at most `max_bytes` long (the
caller passes its `Settings.max_import_bytes`; nothing here reads settings). Every row
remembers the physical line it starts on (a quoted field spanning several lines counts all of
them), so errors read "skills_en.csv:1042: preferredLabel: ...". Problems are collected, not
raised one by one: the caller raises one `BatchRejected` naming all of them and writes nothing.

What is accepted, as spreadsheet programs and HR systems write CSV (RFC 4180 plus practice):

- UTF-8 with or without a BOM; UTF-16 with a BOM (Excel's "Unicode text") is decoded too.
  Anything else (Windows-1252 from Excel's plain "CSV", UTF-16 without a BOM) is refused,
  naming the line and column of the first undecodable byte of each row.
- The delimiter is given (`CsvDialect.delimiter`) or detected from the header row among
  `, ; tab |`: the one that splits the header into the most columns, ties broken by how many
  of the first rows split into as many fields; a tie that remains is an error naming what was
  found.
- With `known` column names, header names match ignoring case, spaces, `_` and `-`
  ("Manager ID" is `manager_id`), and `CsvDialect.columns` maps the file's own names onto
  known ones ("Employee ID" -> `id`; an empty target ignores the column).
- A row with fewer fields than the header has empty trailing fields; extra trailing fields
  are dropped when empty and an error otherwise.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import gzip
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from graph.errors import BatchRejected, RowProblem
from graph.settings import Settings

FILE_FIELD = "(file)"
ENCODING_FIELD = "(encoding)"
HEADER_FIELD = "(header)"
# The default of Settings.max_import_bytes: callers with a Settings pass theirs.
DEFAULT_MAX_IMPORT_BYTES: int = Settings.model_fields["max_import_bytes"].default
DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")
DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
_SAMPLE_ROWS = 50
_HEADER_KEY_DROP = re.compile(r"[\s_\-]+")


def header_key(name: str) -> str:
    """How header names are compared: NFKC, case-folded, without spaces, `_` and `-`.
    `header_key("Employee Id") == header_key("employee_id") == "employeeid"`."""
    return _HEADER_KEY_DROP.sub("", unicodedata.normalize("NFKC", name).casefold())


def delimiter_name(delimiter: str) -> str:
    return "tab" if delimiter == "\t" else repr(delimiter)


@dataclass(frozen=True)
class CsvDialect:
    """How a CSV file is written, when it is not plain comma-separated with our header names.

    delimiter: one character, or None to detect it from the header among `, ; tab |`.
    columns: the file's header name -> the loader's column name, matched like header names
    (ignoring case, spaces, `_`, `-`); an empty target means "ignore this column".
    """

    delimiter: str | None = None
    columns: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, delimiter: str | None = None, columns: str | None = None) -> CsvDialect:
        """From command-line text: `delimiter` is one character or tab/comma/semicolon/pipe
        (or `\\t`); `columns` is `"Employee ID=id,Full Name=name,Hire Date="` (an item may be
        quoted to hold a comma: `"Last, First"=name`). Raises ValueError on bad syntax."""
        return cls(delimiter=parse_delimiter(delimiter), columns=parse_column_map(columns))


def parse_delimiter(text: str | None) -> str | None:
    """None/"" -> None (detect); a name or one character -> the character; else ValueError."""
    if text is None or text == "":
        return None
    value = DELIMITER_NAMES.get(text.casefold(), text)
    if len(value) != 1 or value in '"\r\n':
        raise ValueError(
            f"delimiter {text!r} is not one character (expected ',', ';', tab, '|' or another "
            "single character other than a quote or line break)"
        )
    return value


def parse_column_map(text: str | Mapping[str, str] | None) -> dict[str, str]:
    """`"A=x,B=y,C="` (or a mapping) -> {"A": "x", "B": "y", "C": ""}; ValueError on an item
    without `=`, an empty source name or a source given twice."""
    if text is None:
        return {}
    if isinstance(text, Mapping):
        items = [(str(k), str(v)) for k, v in text.items()]
    else:
        items = []
        for part in next(csv.reader([text], skipinitialspace=True), []):
            if not part.strip():
                continue
            source, sep, target = part.rpartition("=")
            if not sep:
                raise ValueError(f"column map item {part!r} is not 'file column=our column'")
            items.append((source, target))
    out: dict[str, str] = {}
    seen: dict[str, str] = {}
    for source, target in items:
        source, target = source.strip(), target.strip()
        if not source:
            raise ValueError(f"column map item '={target}' names no file column")
        key = header_key(source)
        if key in seen:
            raise ValueError(f"column map names {source!r} twice (also as {seen[key]!r})")
        seen[key] = source
        out[source] = target
    return out


@dataclass(frozen=True)
class CsvRow:
    """One data record: its values by column name, the line it starts on, and "file:line".

    `cells` are the record's fields exactly as read (unstripped, in file order, padded to the
    header's length): two rows with equal cells are byte-identical records."""

    index: int  # 0-based among data records
    line: int  # 1-based physical line where the record starts
    source: str
    values: dict[str, str]
    cells: tuple[str, ...] = ()

    def get(self, column: str, default: str = "") -> str:
        value = self.values.get(column)
        return default if value is None else value


@dataclass(frozen=True)
class CsvTable:
    """A read CSV file: the header as written, the column each header cell became (None:
    ignored), the delimiter used, and the rows."""

    header: list[str]
    columns: list[str | None]
    delimiter: str
    rows: list[CsvRow]


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


def read_bounded(path: Path, *, max_bytes: int = DEFAULT_MAX_IMPORT_BYTES) -> bytes:
    """The file's bytes (gzip-decompressed when it ends in .gz), refused past `max_bytes`
    before it is read whole, decompressed size included. BatchRejected naming the file."""

    too_big = f"larger than the import limit of {max_bytes} bytes (MENTORGRAPH_MAX_IMPORT_BYTES)"
    if path.stat().st_size > max_bytes:
        raise _rejected(path, 0, FILE_FIELD, too_big)
    if path.suffix != ".gz":
        return path.read_bytes()
    try:
        with gzip.open(path, "rb") as fh:
            raw = fh.read(max_bytes + 1)
    except (OSError, EOFError) as exc:
        raise _rejected(path, 0, FILE_FIELD, f"not a readable gzip file: {exc}") from None
    if len(raw) > max_bytes:
        raise _rejected(path, 0, FILE_FIELD, too_big)
    return raw


def read_text(path: Path, *, max_bytes: int = DEFAULT_MAX_IMPORT_BYTES) -> str:
    """The whole file as text (see `read_bounded` for .gz and the size bound): UTF-8 (a BOM
    is dropped) or UTF-16/32 with a BOM. Undecodable bytes raise BatchRejected naming the line
    and what was found."""
    raw = read_bounded(path, max_bytes=max_bytes)
    text, bad = _decode(raw)
    if bad is not None:
        raise _rejected(path, bad.line, ENCODING_FIELD, bad.reason)
    return text


@dataclass(frozen=True)
class _BadBytes:
    line: int  # of the first undecodable byte
    reason: str
    cp1252: bool = False  # the whole file decodes as Windows-1252


_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)
_EXPECTED = "expected UTF-8 (in Excel: save as 'CSV UTF-8')"


def _decode(raw: bytes) -> tuple[str, _BadBytes | None]:
    """(text, None); or, for bytes that are not UTF-8, (the text with each undecodable byte
    as a lone surrogate, the first problem); or ("", the problem) when nothing is readable."""
    for bom, codec, label in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(codec), None
            except UnicodeDecodeError as exc:
                return "", _BadBytes(
                    1, f"found a {label} byte-order mark but invalid {label} at byte {exc.start}"
                )
    nul = raw.find(b"\x00")
    if nul >= 0:
        line = raw[:nul].count(b"\n") + 1
        return "", _BadBytes(
            line,
            f"found NUL bytes (first at line {line}): the file looks like UTF-16 without a "
            f"byte-order mark, or is not text; {_EXPECTED}",
        )
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        try:
            raw.decode("cp1252")
            cp1252 = True
        except UnicodeDecodeError:
            cp1252 = False
        text = raw.decode("utf-8-sig", errors="surrogateescape")
        return text, _BadBytes(line, _not_utf8(raw[exc.start], cp1252), cp1252)


def _not_utf8(byte: int, cp1252: bool) -> str:
    """ "not UTF-8: found byte 0xfc ('ü' in Windows-1252 ...); expected UTF-8 ..."."""
    found = f"found byte 0x{byte:02x}"
    if not cp1252:
        return f"not UTF-8: {found}; {_EXPECTED}"
    char = bytes([byte]).decode("cp1252")
    return (
        f"not UTF-8: {found} ({char!r} in Windows-1252: the file looks like Windows-1252, "
        f"as Excel's plain 'CSV' writes it); {_EXPECTED}"
    )


def read_csv(
    path: Path,
    *,
    required: Sequence[str] = (),
    text: str | None = None,
    delimiter: str | None = None,
    max_bytes: int = DEFAULT_MAX_IMPORT_BYTES,
) -> list[CsvRow]:
    """The rows of `read_table` (header names as written, no column map)."""
    dialect = CsvDialect(delimiter=delimiter)
    return read_table(path, required=required, text=text, dialect=dialect, max_bytes=max_bytes).rows


def read_table(
    path: Path,
    *,
    required: Sequence[str] = (),
    known: Sequence[str] | None = None,
    text: str | None = None,
    dialect: CsvDialect | None = None,
    max_bytes: int = DEFAULT_MAX_IMPORT_BYTES,
) -> CsvTable:
    """Parse a CSV file with a header row.

    required: columns that must be present. known: when given, the only columns accepted;
    header names are matched to them ignoring case/spaces/`_`/`-`, the dialect's column map
    applies, and any other header name is an error (with a "did you mean"). text: the file's
    text when the caller has read it already (then no encoding check happens here).

    Rejects (BatchRejected, nothing returned) a file that is not UTF-8, lacks a required
    column, names a column twice or has a record with more non-empty fields than the header.
    Blank lines are skipped. Values and header names are stripped of surrounding whitespace.
    """
    dialect = dialect or CsvDialect()
    name = display_name(path)
    bad: _BadBytes | None = None
    if text is None:
        body, bad = _decode(read_bounded(path, max_bytes=max_bytes))
        if bad is not None and not body:
            raise _rejected(path, bad.line, ENCODING_FIELD, bad.reason)
    else:
        body = text
    delimiter = dialect.delimiter or _detect_delimiter(path, body)
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise _rejected(path, 1, FILE_FIELD, "empty file: expected a header row") from None
    except csv.Error as exc:
        raise _rejected(path, 1, "(csv)", f"unreadable header: {exc}") from None
    if bad is not None and any(_has_bad_bytes(h) for h in header):
        raise _rejected(path, 1, HEADER_FIELD, bad.reason)
    columns = _columns(path, header, delimiter, required, known, dialect)
    problems: list[RowProblem] = []
    rows: list[CsvRow] = []
    width = len(header)
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
        if len(record) > width and any(v.strip() for v in record[width:]):
            extra = ", ".join(repr(v) for v in record[width:] if v.strip())
            problems.append(
                RowProblem(
                    row=index,
                    field="(row)",
                    reason=f"has {len(record)} fields split on {delimiter_name(delimiter)}, "
                    f"the header has {width} (extra values {extra[:200]})",
                    source=source,
                )
            )
            index += 1
            continue
        cells = tuple(record[:width]) + ("",) * (width - len(record))
        if bad is not None:
            at = next((i for i, v in enumerate(cells) if _has_bad_bytes(v)), None)
            if at is not None:
                line = start + sum(v.count("\n") for v in cells[:at])
                line += cells[at][: _first_bad(cells[at])].count("\n")
                column = columns[at] or header[at] or f"(column {at + 1})"
                reason = _not_utf8(_bad_byte(cells[at]), bad.cp1252)
                problems.append(
                    RowProblem(row=index, field=column, reason=reason, source=f"{name}:{line}")
                )
                index += 1
                continue
        values = {c: v.strip() for c, v in zip(columns, cells, strict=True) if c}
        rows.append(CsvRow(index=index, line=start, source=source, values=values, cells=cells))
        index += 1
    if problems:
        raise BatchRejected(problems=problems, what=name)
    return CsvTable(header=header, columns=columns, delimiter=delimiter, rows=rows)


def _has_bad_bytes(value: str) -> bool:
    return _first_bad(value) >= 0


def _first_bad(value: str) -> int:
    for i, ch in enumerate(value):
        if "\udc80" <= ch <= "\udcff":
            return i
    return -1


def _bad_byte(value: str) -> int:
    return ord(value[_first_bad(value)]) - 0xDC00


def _detect_delimiter(path: Path, body: str) -> str:
    """The delimiter among `DELIMITERS` that splits the header into the most columns (ties:
    the one whose first rows most often split into as many fields); ',' for a one-column
    header. A tie that remains raises BatchRejected naming the delimiters found."""
    sample = body[:65536]
    scores: dict[str, tuple[int, int]] = {}
    for d in DELIMITERS:
        if d not in sample:
            continue
        try:
            records = []
            for rec in csv.reader(io.StringIO(sample, newline=""), delimiter=d):
                if rec and any(v.strip() for v in rec):
                    records.append(rec)
                if len(records) > _SAMPLE_ROWS:
                    break
        except csv.Error:
            continue
        if not records or len(records[0]) < 2:
            continue
        width = len(records[0])
        consistent = sum(1 for r in records[1:] if len(r) == width)
        scores[d] = (width, consistent)
    if not scores:
        return ","
    best = max(scores.values())
    winners = [d for d, s in scores.items() if s == best]
    if len(winners) == 1:
        return winners[0]
    found = " and ".join(delimiter_name(d) for d in winners)
    raise _rejected(
        path,
        1,
        HEADER_FIELD,
        f"cannot tell the delimiter: found {found} delimiters, each splitting the header into "
        f"{best[0]} columns; expected one of them only: name the delimiter",
    )


def _columns(
    path: Path,
    header: list[str],
    delimiter: str,
    required: Sequence[str],
    known: Sequence[str] | None,
    dialect: CsvDialect,
) -> list[str | None]:
    """The column each header cell becomes (None: ignored), or BatchRejected naming every
    problem of the header (unknown names, missing required columns, a column given twice,
    a column map naming a column the header lacks or a target that is not a column)."""
    name = display_name(path)
    problems: list[RowProblem] = []

    def problem(field_name: str, reason: str) -> None:
        problems.append(RowProblem(row=0, field=field_name, reason=reason, source=f"{name}:1"))

    known_by_key = {header_key(k): k for k in known} if known is not None else {}
    # the column map: file header key -> (the name the map gives, our column or None)
    mapping: dict[str, tuple[str, str | None]] = {}
    for src, target in dialect.columns.items():
        column: str | None = target or None
        if target and known is not None:
            column = known_by_key.get(header_key(target))
            if column is None:
                problem(
                    src,
                    f"column map target {target!r} is not a column: expected one of "
                    f"{', '.join(known)}, or nothing to ignore {src!r}",
                )
        mapping[header_key(src)] = (src, column)
    header_keys = {header_key(h) for h in header if h}
    for key, (src, _column) in mapping.items():
        if key not in header_keys:
            problem(
                src,
                f"the column map names {src!r}, which is not in the header "
                f"(found {_found(header, delimiter)})",
            )

    columns: list[str | None] = []
    for h in header:
        key = header_key(h)
        if not h:
            columns.append(None)
        elif key in mapping:
            columns.append(mapping[key][1])
        elif known is None:
            columns.append(h)
        elif key in known_by_key:
            columns.append(known_by_key[key])
        else:
            columns.append(None)
            close = difflib.get_close_matches(key, list(known_by_key), n=1, cutoff=0.75)
            hint = f"did you mean {known_by_key[close[0]]!r}? " if close else ""
            problem(
                h,
                f"unknown column {h!r}: {hint}expected one of {', '.join(known)} "
                f"(or map it with the column map '{h}=<column>', or ignore it with '{h}=')",
            )

    given: dict[str, list[str]] = {}
    for h, c in zip(header, columns, strict=True):
        if c:
            given.setdefault(c, []).append(h)
    for c, names in given.items():
        if len(names) > 1:
            found = ", ".join(repr(n) for n in names)
            problem(c, f"column {c!r} appears more than once in the header (found {found})")
    for c in required:
        if c not in given:
            problem(
                c,
                f"missing required column {c!r} (found {_found(header, delimiter)})"
                f"{_delimiter_hint(header, delimiter)}",
            )
    if problems:
        raise BatchRejected(problems=problems, what=name)
    return columns


def _found(header: Sequence[str], delimiter: str) -> str:
    names = [h for h in header if h]
    if not names:
        return "an empty header"
    shown = ", ".join(repr(h) for h in names[:12])
    more = f" and {len(names) - 12} more" if len(names) > 12 else ""
    return f"{shown}{more} split on {delimiter_name(delimiter)}"


def _delimiter_hint(header: Sequence[str], delimiter: str) -> str:
    """'; found ';' delimiters, expected ','' when another delimiter would split a header
    that reads as one column."""
    if len([h for h in header if h]) != 1:
        return ""
    cell = next(h for h in header if h)
    others = [d for d in DELIMITERS if d != delimiter and d in cell]
    if not others:
        return ""
    found = " and ".join(delimiter_name(d) for d in others)
    return f"; found {found} delimiters, expected {delimiter_name(delimiter)}: name the delimiter"


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
