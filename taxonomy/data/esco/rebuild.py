"""Rebuild the bundled ESCO copy (this folder) from ESCO CSV files in the official layout.

    python taxonomy/data/esco/rebuild.py SOURCE_DIR [OUT_DIR]

SOURCE_DIR holds skills_en.csv, skillGroups_en.csv and broaderRelationsSkillPillar_en.csv
(the project's shared extract `data/esco`, or an English ESCO download); OUT_DIR defaults to
this folder. Rows and values are copied unchanged, in the source's order; only the columns
mentorgraph reads are kept (`COLUMNS`), and each file is written gzip -9 with no timestamp,
so the same source always gives byte-identical files. Standard library only: it runs without
the project installed. `mentorgraph import esco` (no folder) reads the result.
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# file -> the columns kept, in this order (see README.md)
COLUMNS: dict[str, tuple[str, ...]] = {
    "skills_en.csv": (
        "conceptUri",
        "skillType",
        "reuseLevel",
        "preferredLabel",
        "altLabels",
        "description",
    ),
    "skillGroups_en.csv": ("conceptUri", "preferredLabel", "altLabels", "code", "description"),
    "broaderRelationsSkillPillar_en.csv": ("conceptUri", "broaderUri"),
}


def rebuild(source: Path, out: Path = HERE) -> dict[str, int]:
    """Write `<name>.gz` into `out` for each file of `COLUMNS` read from `source`; returns
    the data rows written per file. Raises SystemExit naming a missing file or column."""
    counts: dict[str, int] = {}
    for name, columns in COLUMNS.items():
        path = source / name
        if not path.is_file():
            raise SystemExit(f"{path}: missing file (expected {', '.join(COLUMNS)})")
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise SystemExit(
                    f"{path}:1: missing column(s) {', '.join(missing)}; "
                    f"found {', '.join(reader.fieldnames or [])}"
                )
            text = io.StringIO()
            writer = csv.writer(text, lineterminator="\n")
            writer.writerow(columns)
            rows = 0
            for row in reader:
                writer.writerow([row[c] for c in columns])
                rows += 1
        data = gzip.compress(text.getvalue().encode("utf-8"), compresslevel=9, mtime=0)
        (out / f"{name}.gz").write_bytes(data)
        counts[name] = rows
    return counts


def main(argv: list[str]) -> None:
    if len(argv) not in (2, 3):
        raise SystemExit(__doc__)
    out = Path(argv[2]) if len(argv) == 3 else HERE
    for name, rows in rebuild(Path(argv[1]), out).items():
        print(f"{out / name}.gz: {rows} rows")


if __name__ == "__main__":
    main(sys.argv)
