"""Data shared by bench_mapping.py and train_rerank.py: ESCO (with its Spanish and French labels
when the official files are at hand), held-out aliases, our goal set and its metrics, and our
hand-labelled sample of job-ad skill phrases (`load_phrases`).

Held-out splits never overlap: the benchmark holds out a seeded share of every skill's
English aliases (`hold_out(dump, 0.2, seed=0)`); training holds out a further share of
what is left (`hold_out(bench_index, 0.1, seed=TRAIN_SEED)`) and of the other languages'
labels, and trains only on those and on the *dev* split of our goals. The goal *test* split
is never used for training or tuning.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from graph.store import TaxonomyDump
from loaders.csvutil import read_csv
from loaders.esco import bundled_esco_dir, read_esco

ROOT = Path(__file__).resolve().parent.parent
GOALS_FILE = ROOT / "tests" / "mapping" / "data" / "goals.csv"
PHRASES_FILE = ROOT / "tests" / "mapping" / "data" / "phrases.csv"
BENCH_SHARE, BENCH_SEED = 0.2, 0
TRAIN_SHARE, TRAIN_SEED = 0.1, 11
LANGUAGES = ("es", "fr")


def shared_dir(name: str) -> Path | None:
    """../shared/data/<name> (beside the checkout or one level up), if present."""
    for base in (ROOT.parent, ROOT.parent.parent):
        d = base / "shared" / "data" / name
        if d.is_dir():
            return d
    return None


def official_dir() -> Path | None:
    """The shared copy of official ESCO download files (skills_es.csv ...), if present."""
    for base in (ROOT.parent, ROOT.parent.parent):
        d = base / "shared" / "data" / "esco-official"
        if (d / "skills_es.csv").is_file():
            return d
    return None


def foreign_labels(directory: Path, lang: str) -> dict[str, list[str]]:
    """conceptUri -> [preferredLabel, *altLabels] of skills_<lang>.csv."""
    out: dict[str, list[str]] = {}
    for row in read_csv(directory / f"skills_{lang}.csv", required=("conceptUri",)):
        labels = [row.get("preferredLabel").strip()]
        labels += [a.strip() for a in row.get("altLabels").split("\n") if a.strip()]
        out[row.get("conceptUri")] = [x for x in dict.fromkeys(labels) if x]
    return out


def reuse_levels() -> dict[str, str]:
    """conceptUri -> ESCO reuse level from the shared extract (the bundled copy of this
    checkout may not carry the column yet); {} when it is not at hand."""
    where = shared_dir("esco")
    if where is None or not (where / "skills_en.csv").is_file():
        return {}
    rows = read_csv(where / "skills_en.csv", required=("conceptUri",))
    return {r.get("conceptUri"): r.get("reuseLevel").strip() for r in rows if r.get("reuseLevel")}


def esco_dump(with_languages: bool = True) -> tuple[TaxonomyDump, list[str]]:
    """The bundled ESCO, with each skill's reuse level (when the model has none) and the
    languages added as tagged aliases (`aliases_by_language`, the field the ESCO loader
    fills with `import esco --language`)."""
    dump = read_esco(bundled_esco_dir())
    levels = reuse_levels()
    if levels:
        dump = TaxonomyDump(
            skills=[
                s
                if getattr(s, "reuse_level", None) or s.id not in levels
                else s.model_copy(update={"reuse_level": levels[s.id]})
                for s in dump.skills
            ],
            clusters=dump.clusters,
            broader=dump.broader,
        )
    where = official_dir() if with_languages else None
    if where is None:
        return dump, []
    labels = {lang: foreign_labels(where, lang) for lang in LANGUAGES}
    skills = []
    for s in dump.skills:
        extra = {lang: labels[lang][s.id] for lang in LANGUAGES if s.id in labels[lang]}
        skills.append(s.model_copy(update={"aliases_by_language": extra}) if extra else s)
    return TaxonomyDump(skills=skills, clusters=dump.clusters, broader=dump.broader), list(
        LANGUAGES
    )


def hold_out(
    dump: TaxonomyDump, share: float, seed: int
) -> tuple[TaxonomyDump, list[tuple[str, str]]]:
    """Remove a seeded share of skill aliases; return the reduced dump and (alias, skill id)."""
    rng = random.Random(seed)
    held: list[tuple[str, str]] = []
    skills = []
    for skill in dump.skills:
        keep = []
        for alias in skill.aliases:
            if rng.random() < share:
                held.append((alias, skill.id))
            else:
                keep.append(alias)
        skills.append(skill.model_copy(update={"aliases": keep}))
    return TaxonomyDump(skills=skills, clusters=dump.clusters, broader=dump.broader), held


def hold_out_foreign(
    dump: TaxonomyDump, share: float, seed: int
) -> tuple[TaxonomyDump, list[tuple[str, str, str]]]:
    """Remove a seeded share of the other languages' labels: (label, language, skill id)."""
    rng = random.Random(seed)
    held: list[tuple[str, str, str]] = []
    skills = []
    for skill in dump.skills:
        by_lang: dict[str, list[str]] = getattr(skill, "aliases_by_language", None) or {}
        if not by_lang:
            skills.append(skill)
            continue
        kept: dict[str, list[str]] = {}
        for lang, labels in by_lang.items():
            kept[lang] = []
            for label in labels:
                if rng.random() < share:
                    held.append((label, lang, skill.id))
                else:
                    kept[lang].append(label)
        skills.append(skill.model_copy(update={"aliases_by_language": kept}))
    return TaxonomyDump(skills=skills, clusters=dump.clusters, broader=dump.broader), held


@dataclass(frozen=True)
class GoalCase:
    split: str  # "dev" or "test"
    style: str  # plain, first_person, very_short, typo, two_skills, vague, non_english, german
    language: str
    goal: str
    parts: list[set[str]]  # accepted node ids per skill the goal names; [] for vague/german


def load_goals(dump: TaxonomyDump, path: Path = GOALS_FILE) -> list[GoalCase]:
    """Our goal set; accepted labels resolved to ids (KeyError naming an unknown label)."""
    # a label both a skill and a group carry ("statistics") means the skill
    by_label = {n.label: n.id for n in (*dump.clusters, *dump.skills)}
    out = []
    with open(path, encoding="utf-8", newline="") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            parts = []
            for part in row["accepted"].split(";"):
                labels = [x.strip() for x in part.split("|") if x.strip()]
                missing = [x for x in labels if x not in by_label]
                if missing:
                    raise KeyError(f"{path.name}:{line}: unknown ESCO labels {missing}")
                if labels:
                    parts.append({by_label[x] for x in labels})
            out.append(GoalCase(row["split"], row["style"], row["language"], row["goal"], parts))
    return out


@dataclass(frozen=True)
class PhraseCase:
    phrase: str  # as a job ad writes it: "confident telephone manner", "IPAF licence"
    kind: str  # soft, attribute, tool, domain, qualification, licence
    accepted: set[str]  # node ids any of which counts as the phrase's meaning


def load_phrases(dump: TaxonomyDump, path: Path = PHRASES_FILE) -> list[PhraseCase]:
    """Our hand-labelled job-ad phrases (tests/mapping/data/README.md), accepted labels
    (` | `-separated ESCO preferred labels) resolved to node ids. A label a skill carries means
    that skill; a label only groups carry means every group carrying it (ESCO repeats some
    group labels at two levels: "negotiating" is S1.1 and S1.1.0).

    ValueError naming file:line for a missing column or a row without labels; KeyError naming
    file:line and the labels the dump does not have."""
    skills: dict[str, set[str]] = {}
    groups: dict[str, set[str]] = {}
    for skill in dump.skills:
        skills.setdefault(skill.label, set()).add(skill.id)
    for group in dump.clusters:
        groups.setdefault(group.label, set()).add(group.id)
    out = []
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        lacking = {"phrase", "kind", "accepted"} - set(reader.fieldnames or [])
        if lacking:
            raise ValueError(
                f"{path.name}:1: missing columns {sorted(lacking)}; "
                "expected the header phrase,kind,accepted"
            )
        for row in reader:
            where = f"{path.name}:{reader.line_num}"
            labels = [x.strip() for x in (row["accepted"] or "").split("|") if x.strip()]
            if not labels:
                raise ValueError(f"{where}: no accepted labels; expected 1-5 ESCO labels")
            missing = [x for x in labels if x not in skills and x not in groups]
            if missing:
                raise KeyError(f"{where}: unknown ESCO labels {missing}")
            ids: set[str] = set()
            for label in labels:
                ids |= skills.get(label) or groups[label]
            out.append(PhraseCase(row["phrase"], row["kind"], ids))
    return out


def part_ranks(case: GoalCase, targets: list[list[str]]) -> list[int]:
    """Per accepted part: the best rank (1-based) of an accepted id in any target's list."""
    ranks = []
    for accepted in case.parts:
        best = 10_000
        for ids in targets:
            for r, node_id in enumerate(ids, start=1):
                if node_id in accepted:
                    best = min(best, r)
                    break
        ranks.append(best)
    return ranks


def hit(case: GoalCase, targets: list[list[str]], k: int) -> bool:
    """Every skill the goal names is in the top k of some target."""
    return all(r <= k for r in part_ranks(case, targets))


def summary(values: list[bool]) -> float:
    return float(np.mean(values)) if values else float("nan")


def as_jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): as_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [as_jsonable(v) for v in obj]
    if isinstance(obj, float | np.floating):
        return round(float(obj), 4)
    return obj
