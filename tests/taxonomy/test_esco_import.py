"""ESCO CSV reading (tiny hand-made fixture + the real bundled v1.1.1 copy) and import."""

from __future__ import annotations

import gzip
import shutil
from collections import Counter
from pathlib import Path

import pytest

from graph.errors import BatchRejected
from graph.hierarchy import Hierarchy
from graph.model import Broader, NodeStatus, Person, PersonSkill, ReuseLevel, Skill
from graph.store import GraphStore, TaxonomyDump, UpsertPeople, UpsertPersonSkills
from loaders.esco import (
    ESCO_FILES,
    bundled_esco_dir,
    esco_tier_from_code,
    read_esco,
    read_esco_detailed,
)
from taxonomy.importer import import_taxonomy

TINY = Path(__file__).parent / "data" / "esco_tiny"
X = "http://x/skill/"
ISCED = "http://x/isced-f/"


def copy_tiny(tmp_path: Path) -> Path:
    out = tmp_path / "esco"
    shutil.copytree(TINY, out)
    return out


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def append(path: Path, line: str) -> None:
    with path.open("a", encoding="utf-8") as f:
        f.write(line + "\n")


def rejected(directory: Path) -> BatchRejected:
    with pytest.raises(BatchRejected) as info:
        read_esco(directory)
    return info.value


# --- the tiny fixture -------------------------------------------------------------------------


def test_tiny_fixture_reads_into_models() -> None:
    dump = read_esco(TINY)
    skills = {s.id: s for s in dump.skills}
    assert sorted(skills) == [X + "a", X + "b", X + "c"]
    a = skills[X + "a"]
    assert a.label == "give talks"
    assert a.aliases == ["public speaking", "speak in public"]
    assert a.description == "Talk to people."
    assert a.skill_type == "skill/competence"
    assert a.source == "esco"
    assert skills[X + "b"].aliases == []
    assert skills[X + "c"].aliases == ["report writing", "draft reports", "compose reports"]
    tiers = {c.code or c.id: c.tier for c in dump.clusters}
    assert tiers == {
        "S": 0,
        "S1": 1,
        "S1.4": 2,
        "K": 0,
        "K06": 1,
        "K061": 2,
        "K0613": 3,
        X + "X": 3,  # no code: one below its broader group S1.4 (tier 2)
    }
    assert all(c.source == "esco" for c in dump.clusters)
    assert len(dump.broader) == 10
    h = Hierarchy.from_dump(dump)
    assert h.parents(X + "b") == [ISCED + "0613", X + "S1.4"]  # multi-parent kept
    assert h.path_to_root(X + "a") == [X + "a", X + "S1.4", X + "S1", X + "S"]


@pytest.mark.parametrize(
    ("code", "tier"),
    [
        *[("S", 0), ("S1", 1), ("S1.4", 2), ("S1.4.0", 3), ("T4.4", 2), ("A1.12.2", 3), ("L1", 1)],
        *[("K", 0), ("K00", 1), ("K003", 2), ("K0031", 3), ("K0613", 3), ("", None), ("?", None)],
    ],
)
def test_tier_from_code(code: str, tier: int | None) -> None:
    assert esco_tier_from_code(code) == tier


def test_gzip_files_read_the_same(tmp_path: Path) -> None:
    out = tmp_path / "gz"
    out.mkdir()
    for name in ESCO_FILES:
        (out / f"{name}.gz").write_bytes(gzip.compress((TINY / name).read_bytes()))
    assert read_esco(out) == read_esco(TINY)


def test_missing_file(tmp_path: Path) -> None:
    d = copy_tiny(tmp_path)
    (d / "skillGroups_en.csv").unlink()
    err = rejected(d)
    assert err.problems[0].source == "skillGroups_en.csv"
    assert "missing file" in err.problems[0].reason


def test_missing_column_names_header_line(tmp_path: Path) -> None:
    d = copy_tiny(tmp_path)
    edit(d / "skills_en.csv", "preferredLabel", "label")
    err = rejected(d)
    assert [(p.source, p.field) for p in err.problems] == [("skills_en.csv:1", "preferredLabel")]
    assert "nothing written" in str(err)


def test_bad_value_names_physical_line_after_multiline_fields(tmp_path: Path) -> None:
    d = copy_tiny(tmp_path)
    # skill c starts on physical line 5 (skill a's quoted alt labels span lines 2-3).
    edit(d / "skills_en.csv", "skill/competence,write reports,", "skill/competence,,")
    err = rejected(d)
    assert [(p.source, p.field) for p in err.problems] == [("skills_en.csv:5", "label")]


def test_duplicate_id_names_both_lines(tmp_path: Path) -> None:
    d = copy_tiny(tmp_path)
    append(d / "skills_en.csv", "http://x/skill/b,knowledge,slides again,,")
    err = rejected(d)
    assert [p.source for p in err.problems] == ["skills_en.csv:8"]
    assert "skills_en.csv:4" in err.problems[0].reason


def test_skill_and_group_sharing_an_id_is_a_duplicate(tmp_path: Path) -> None:
    d = copy_tiny(tmp_path)
    append(d / "skillGroups_en.csv", "http://x/skill/a,talks group,S9")
    err = rejected(d)
    assert [p.source for p in err.problems] == ["skillGroups_en.csv:10"]


def test_broken_reference(tmp_path: Path) -> None:
    d = copy_tiny(tmp_path)
    append(d / "broaderRelationsSkillPillar_en.csv", "http://x/skill/a,http://x/skill/S9")
    append(d / "broaderRelationsSkillPillar_en.csv", "http://x/skill/zz,http://x/skill/S1")
    err = rejected(d)
    assert [(p.source, p.field) for p in err.problems] == [
        ("broaderRelationsSkillPillar_en.csv:12", "broaderUri"),
        ("broaderRelationsSkillPillar_en.csv:13", "conceptUri"),
    ]
    assert "unknown concept 'http://x/skill/S9'" in err.problems[0].reason


def test_a_skill_under_a_broader_skill_is_kept(tmp_path: Path) -> None:
    d = copy_tiny(tmp_path)
    append(d / "broaderRelationsSkillPillar_en.csv", "http://x/skill/a,http://x/skill/b")
    h = Hierarchy.from_dump(read_esco(d))
    assert h.parents(X + "a") == [X + "S1.4", X + "b"]
    assert h.kind(X + "b") == "skill"
    assert h.descendant_skills(X + "b") == {X + "a"}


def test_a_group_under_a_skill_is_refused(tmp_path: Path) -> None:
    d = copy_tiny(tmp_path)
    append(d / "broaderRelationsSkillPillar_en.csv", "http://x/skill/S1,http://x/skill/b")
    err = rejected(d)
    assert [(p.source, p.field) for p in err.problems] == [
        ("broaderRelationsSkillPillar_en.csv:12", "broaderUri")
    ]
    reason = err.problems[0].reason
    assert "found the skill 'http://x/skill/b'" in reason and "expected a skill group" in reason


def test_a_cycle_of_skills_is_refused(tmp_path: Path) -> None:
    d = copy_tiny(tmp_path)
    append(d / "broaderRelationsSkillPillar_en.csv", "http://x/skill/a,http://x/skill/c")
    append(d / "broaderRelationsSkillPillar_en.csv", "http://x/skill/c,http://x/skill/a")
    err = rejected(d)
    assert len(err.problems) == 1 and "cycle" in err.problems[0].reason
    assert err.problems[0].source in {
        "broaderRelationsSkillPillar_en.csv:12",
        "broaderRelationsSkillPillar_en.csv:13",
    }


def test_cycle_is_rejected_with_a_line(tmp_path: Path) -> None:
    d = copy_tiny(tmp_path)
    append(d / "broaderRelationsSkillPillar_en.csv", "http://x/skill/S,http://x/skill/S1.4")
    err = rejected(d)
    assert len(err.problems) == 1
    assert "cycle" in err.problems[0].reason
    # the cycle's first edge is named by the line it came from: one of lines 2, 3 or 12
    src = err.problems[0].source or ""
    assert src.rsplit(":", 1)[1] in {"2", "3", "12"}


def test_self_reference_is_dropped_not_stored(tmp_path: Path) -> None:
    d = copy_tiny(tmp_path)
    append(d / "broaderRelationsSkillPillar_en.csv", "http://x/skill/S1,http://x/skill/S1")
    result = read_esco_detailed(d)
    assert result.self_references == ["broaderRelationsSkillPillar_en.csv:12"]
    assert result.relation_rows == 11
    assert len(result.dump.broader) == 10


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    d = copy_tiny(tmp_path)
    raw = (d / "skills_en.csv").read_bytes().replace(b"Make slides.", b"Make sl\xefdes.")
    (d / "skills_en.csv").write_bytes(raw)
    err = rejected(d)
    assert err.problems[0].source == "skills_en.csv:4"
    assert "UTF-8" in err.problems[0].reason


def test_ragged_row(tmp_path: Path) -> None:
    d = copy_tiny(tmp_path)
    append(d / "skillGroups_en.csv", "http://x/skill/S2,too,many,fields")
    err = rejected(d)
    assert err.problems[0].source == "skillGroups_en.csv:10"
    assert "4 fields" in err.problems[0].reason


# --- the real bundled ESCO v1.1.1 -------------------------------------------------------------


@pytest.fixture(scope="module")
def esco() -> TaxonomyDump:
    return read_esco(bundled_esco_dir())


def test_bundled_copy_counts(esco: TaxonomyDump) -> None:
    assert bundled_esco_dir().is_dir()
    assert (bundled_esco_dir() / "README.md").read_text().count("ESCO, European Commission") >= 1
    assert len(esco.skills) == 13_412
    assert len(esco.clusters) == 571
    detailed = read_esco_detailed(bundled_esco_dir())
    assert detailed.relation_rows == 27_736
    # two groups list themselves as their own broader group in v1.1.1; dropped
    assert len(detailed.self_references) == 2
    assert len(esco.broader) == 27_734
    skill_ids = {s.id for s in esco.skills}
    assert sum(1 for e in esco.broader if e.parent_id in skill_ids) == 6_753
    assert Counter(s.reuse_level for s in esco.skills) == {
        ReuseLevel.transversal: 453,
        ReuseLevel.cross_sector: 3_611,
        ReuseLevel.sector_specific: 6_376,
        ReuseLevel.occupation_specific: 2_967,
        None: 5,
    }
    assert all(n.language == "en" for n in (*esco.skills, *esco.clusters))
    by_code = {c.code: c for c in esco.clusters}
    assert by_code["S"].tier == 0
    assert by_code["S1"].tier == 1
    assert by_code["S1.4"].tier == 2
    assert by_code["S1.4.0"].tier == 3
    assert by_code["K0613"].tier == 3
    h = Hierarchy.from_dump(esco)
    assert h.find_cycle() is None
    # every group is exactly one tier below each of its broader groups
    for c in esco.clusters:
        for p in h.parents(c.id):
            assert h.node(p).tier == c.tier - 1, (c.code, p)


def test_bundled_skill_with_several_parents(esco: TaxonomyDump) -> None:
    h = Hierarchy.from_dump(esco)
    staff = "http://data.europa.eu/esco/skill/0005c151-5b5a-4a66-8aac-60e734beb1ab"
    assert h.label(staff) == "manage musical staff"
    groups = [p for p in h.parents(staff) if h.kind(p) == "cluster"]
    assert [h.node(p).code for p in groups] == ["S4.5.0", "S4.8.1", "T4.4"]
    # ... and under two broader skills
    broader = [h.label(p) for p in h.parents(staff) if h.kind(p) == "skill"]
    assert sorted(broader) == ["lead others", "manage staff"]
    assert h.node(staff).reuse_level == ReuseLevel.sector_specific  # type: ignore[union-attr]
    assert "coordinate duties of musical staff" in h.node(staff).aliases
    assert sum(1 for s in esco.skills if len(h.parents(s.id)) > 1) > 1000


def test_full_esco_import_then_reimport_is_empty(
    embedded_store: GraphStore, esco: TaxonomyDump
) -> None:
    first = import_taxonomy(embedded_store, esco, actor="steward@x", source="esco")
    assert len(first.added) == 13_412 + 571
    assert len(first.edges_added) == 27_734
    assert first.change_id is not None
    assert embedded_store.count_skills() == 13_412
    assert len(embedded_store.list_clusters()) == 571
    change = embedded_store.get_taxonomy_change(first.change_id)
    assert change is not None and change.op == "import" and change.actor == "steward@x"

    again = import_taxonomy(embedded_store, esco, actor="steward@x", source="esco")
    assert again.is_noop
    assert again.change_id is None
    assert len(again.unchanged) == 13_983
    assert again.counts()["added"] == again.counts()["deprecated"] == 0


def test_modified_copy_gives_the_diff(embedded_store: GraphStore, esco: TaxonomyDump) -> None:
    import_taxonomy(embedded_store, esco, actor="a", source="esco")
    staff = "http://data.europa.eu/esco/skill/0005c151-5b5a-4a66-8aac-60e734beb1ab"
    s454 = "http://data.europa.eu/esco/skill/S4.5.0"
    gone = esco.skills[1].id
    embedded_store.apply(
        [
            UpsertPeople(rows=[Person(id="p1", name="Pat")]),
            UpsertPersonSkills(rows=[PersonSkill(person_id="p1", skill_id=gone, level=3)]),
        ]
    )
    skills = [s for s in esco.skills if s.id != gone]
    skills = [
        s.model_copy(update={"label": "lead music staff"}) if s.id == staff else s for s in skills
    ]
    skills.append(Skill(id="http://x/new", label="brand new skill", source="esco"))
    broader = [
        e for e in esco.broader if e.child_id != gone and (e.child_id, e.parent_id) != (staff, s454)
    ]
    broader.append(Broader(child_id="http://x/new", parent_id=s454))
    modified = TaxonomyDump(skills=skills, clusters=esco.clusters, broader=broader)

    dry = import_taxonomy(embedded_store, modified, actor="a", source="esco", dry_run=True)
    assert dry.change_id is None
    assert embedded_store.get_skill("http://x/new") is None  # dry run wrote nothing

    report = import_taxonomy(embedded_store, modified, actor="a", source="esco")
    assert report.added == ["http://x/new"]
    assert report.changed == [staff]
    assert report.deprecated == [gone]
    assert report.edges_added == [("http://x/new", s454)]
    assert report.edges_removed == [(staff, s454)]
    assert len(report.unchanged) == 13_983 - 2
    assert (dry.added, dry.changed, dry.deprecated) == (
        report.added,
        report.changed,
        report.deprecated,
    )
    old = embedded_store.get_skill(gone)
    assert old is not None and old.status == NodeStatus.deprecated  # never deleted
    assert [ps.skill_id for ps in embedded_store.person_skills("p1")] == [gone]  # still held
    assert embedded_store.get_skill(staff).label == "lead music staff"  # type: ignore[union-attr]
    assert s454 not in {c.id for c in embedded_store.parents(staff)}

    # the same modified copy again: nothing to do
    assert import_taxonomy(embedded_store, modified, actor="a", source="esco").is_noop
    # the original again: the skill comes back to life, label and edge restored
    back = import_taxonomy(embedded_store, esco, actor="a", source="esco")
    assert back.changed == sorted([gone, staff])
    assert back.deprecated == ["http://x/new"]
    assert embedded_store.get_skill(gone).status == NodeStatus.active  # type: ignore[union-attr]


def test_reimport_keeps_steward_edits_and_company_links(embedded_store: GraphStore) -> None:
    from graph.model import SkillCluster
    from taxonomy import editing

    dump = read_esco(TINY)
    import_taxonomy(embedded_store, dump, actor="a", source="esco")
    editing.rename(embedded_store, X + "a", "public speaking", actor="steward")
    editing.create_cluster(
        embedded_store, SkillCluster(id="acme-comm", label="Acme comms", tier=0), actor="steward"
    )
    editing.move(embedded_store, X + "b", [X + "S1.4", ISCED + "0613", "acme-comm"], actor="s")
    report = import_taxonomy(embedded_store, dump, actor="a", source="esco")
    assert report.kept == [X + "a"]  # b's move touched parents only: its record is unchanged
    assert report.is_noop
    assert embedded_store.get_skill(X + "a").label == "public speaking"  # type: ignore[union-attr]
    parents = [p.id for p in embedded_store.parents(X + "b")]
    assert "acme-comm" in parents  # a company cluster over an ESCO skill survives re-import
    assert embedded_store.get_cluster("acme-comm").status == NodeStatus.active  # type: ignore[union-attr]
