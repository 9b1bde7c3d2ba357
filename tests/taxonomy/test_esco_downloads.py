"""ESCO as users download it: every version's file names and columns, real files.

Real inputs (tests/taxonomy/data, see its README): the field case `esco-official-layout`
(a skill whose broader concept is a skill), a Spanish v1.0.x download (relations file without
the language suffix, 4 columns, groups by UUID), a v1.1 groups file without a `code` column
(group URIs by code, UUID and ISCED-F). Every bad input ends in one clear error naming file,
line, column, what was found and what was expected, and leaves the store as it was.
"""

from __future__ import annotations

import gzip
import shutil
from collections import Counter
from pathlib import Path

import pytest

from graph.errors import BatchRejected
from graph.hierarchy import Hierarchy
from graph.model import ReuseLevel
from graph.store import GraphStore
from loaders.esco import (
    esco_code_from_uri,
    esco_tier_from_code,
    import_esco,
    read_esco,
    read_esco_detailed,
)

DATA = Path(__file__).parent / "data"
FIELD_CASE = DATA / "field-cases" / "esco-official-layout"
OFFICIAL = DATA / "esco-official"
E = "http://data.europa.eu/esco/skill/"
HUNGARIAN = E + "ddd3596a-43f3-402e-960a-5f79362a8609"
WRITE_HUNGARIAN = E + "01f10952-cb59-4347-9aee-d4fbc51c870a"
LANGUAGES_GROUP = E + "00000000-test-4000-8000-00000000l001"
LANGUAGE_SKILLS = E + "e35a5936-091d-4e87-bafe-f264e55bd656"


def copy(src: Path, tmp_path: Path, name: str = "esco") -> Path:
    out = tmp_path / name
    shutil.copytree(src, out)
    for path in out.iterdir():
        path.chmod(0o644)
    return out


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def rejected(directory: Path, **kw: str) -> BatchRejected:
    with pytest.raises(BatchRejected) as info:
        read_esco(directory, **kw)
    return info.value


# --- the field case ---------------------------------------------------------------------------


def test_field_case_official_layout_imports_with_the_skill_under_its_broader_skill(
    store: GraphStore,
) -> None:
    report = import_esco(store, FIELD_CASE, actor="t")
    assert report.counts()["added"] == 4
    assert report.counts()["edges_added"] == 3
    assert [p.id for p in store.parents(WRITE_HUNGARIAN)] == [HUNGARIAN]
    assert store.parents(WRITE_HUNGARIAN)[0].kind == "skill"
    assert [c.id for c in store.children(HUNGARIAN)] == [WRITE_HUNGARIAN]
    assert [p.id for p in store.parents(HUNGARIAN)] == [LANGUAGES_GROUP]
    hungarian = store.get_skill(HUNGARIAN)
    assert hungarian is not None
    assert hungarian.reuse_level == ReuseLevel.transversal
    assert hungarian.skill_type == "knowledge"
    assert hungarian.aliases == ["Hungarian language", "Magyar"]
    assert hungarian.language == "en"
    tiers = {c.code: c.tier for c in store.list_clusters()}
    assert tiers == {"L": 0, "L1": 1}
    edges = {(e.child_id, e.parent_id) for e in store.taxonomy().broader}
    assert (WRITE_HUNGARIAN, HUNGARIAN) in edges
    # a second import of the same files changes nothing
    assert import_esco(store, FIELD_CASE, actor="t").is_noop


# --- file names and columns of every version -------------------------------------------------


def test_v1_0_download_in_spanish_reads_whole() -> None:
    """skills_es.csv + skillGroups_es.csv + broaderRelationsSkillPillar.csv (no suffix, 4
    columns): 13,485 skills, 17 groups by UUID, 6,835 skill -> skill relations."""
    got = read_esco_detailed(OFFICIAL, language="es")
    assert got.files == {
        "skills": "skills_es.csv.gz",
        "skillGroups": "skillGroups_es.csv",
        "broaderRelationsSkillPillar": "broaderRelationsSkillPillar.csv.gz",
    }
    dump = got.dump
    assert (len(dump.skills), len(dump.clusters)) == (13_485, 17)
    assert got.relation_rows == 7_161
    assert got.duplicate_relations == 155  # skill -> group rows listed again as "SkillGroup"
    assert len(dump.broader) == 7_006
    skills = {s.id for s in dump.skills}
    assert sum(1 for e in dump.broader if e.parent_id in skills) == 6_835
    assert all(n.language == "es" for n in (*dump.skills, *dump.clusters))
    assert all(c.code == "" for c in dump.clusters)  # groups by UUID carry no code
    h = Hierarchy.from_dump(dump)
    assert h.find_cycle() is None
    for c in dump.clusters:  # tiers follow the broader chain when there is no code
        ups = [h.node(p).tier for p in h.parents(c.id)]  # type: ignore[union-attr]
        assert c.tier == (1 + min(ups) if ups else 0)
    staff = E + "0005c151-5b5a-4a66-8aac-60e734beb1ab"
    assert h.label(staff) == "gestionar tareas en relación con los músicos"
    assert Counter(s.reuse_level for s in dump.skills)[ReuseLevel.transversal] == 453


def test_v1_1_groups_without_code_column_get_codes_and_tiers_from_their_uris(
    tmp_path: Path,
) -> None:
    d = tmp_path / "v11"
    d.mkdir()
    shutil.copy(OFFICIAL / "skillGroups_en.csv.gz", d)
    write(d / "skills_en.csv", "conceptType,conceptUri,skillType,reuseLevel,preferredLabel\n")
    write(d / "broaderRelationsSkillPillar_en.csv", "conceptUri,broaderUri\n")
    clusters = {c.id: c for c in read_esco(d).clusters}
    assert len(clusters) == 673
    by_code = {c.code: c for c in clusters.values()}
    assert (by_code["S"].tier, by_code["S1"].tier, by_code["S1.0"].tier) == (0, 1, 2)
    assert by_code["S1.0.0"].tier == 3
    isced = clusters["http://data.europa.eu/esco/isced-f/0413"]
    assert (isced.code, isced.tier) == ("K0413", 3)
    assert clusters["http://data.europa.eu/esco/isced-f/04"].tier == 1
    values = clusters[E + "25a26ff6-af18-40b0-b2e2-cb58471015eb"]
    assert (values.label, values.code, values.tier) == ("values", "", 0)  # UUID: no code
    kinds = Counter(
        "isced" if "isced-f" in i else "code" if clusters[i].code else "uuid" for i in clusters
    )
    assert kinds == {"code": 436, "isced": 220, "uuid": 17}


@pytest.mark.parametrize(
    ("uri", "code", "tier"),
    [
        (E + "S1.0", "S1.0", 2),
        (E + "K", "K", 0),
        (E + "T4.4", "T4.4", 2),
        ("http://data.europa.eu/esco/isced-f/0413", "K0413", 3),
        ("http://data.europa.eu/esco/isced-f/04", "K04", 1),
        (E + "25a26ff6-af18-40b0-b2e2-cb58471015eb", "", None),
        ("http://x/skill/X", "", None),
    ],
)
def test_code_from_uri(uri: str, code: str, tier: int | None) -> None:
    assert esco_code_from_uri(uri) == code
    assert esco_tier_from_code(code) == tier


def test_plain_isced_codes_give_tiers_too() -> None:
    assert [esco_tier_from_code(c) for c in ("04", "041", "0413")] == [1, 2, 3]


def test_columns_are_read_by_name_in_any_order_and_case(tmp_path: Path) -> None:
    d = tmp_path / "shuffled"
    d.mkdir()
    write(
        d / "skills_en.csv",
        "Description,extra column,PreferredLabel,conceptUri,reuse_level,Alt Labels\n"
        "Talk.,x,give talks,http://x/a,http://data.europa.eu/esco/skill-reuse-level/transversal,"
        '"speak\npresent"\n'
        "Slides.,y,design slides,http://x/b,,\n",
    )
    write(
        d / "skillGroups_en.csv",
        "code,preferredLabel,conceptUri,status\nS1,communicating,http://x/S1,released\n",
    )
    write(
        d / "broaderRelationsSkillPillar_en.csv",
        "broaderLabel,broaderUri,conceptLabel,conceptUri,conceptType,broaderType\n"
        "communicating,http://x/S1,give talks,http://x/a,SkillGroup,SkillGroup\n"
        "give talks,http://x/a,design slides,http://x/b,KnowledgeSkillCompetence,"
        "KnowledgeSkillCompetence\n",
    )
    dump = read_esco(d)
    skills = {s.id: s for s in dump.skills}
    assert skills["http://x/a"].aliases == ["speak", "present"]
    assert skills["http://x/a"].description == "Talk."
    assert skills["http://x/a"].reuse_level == ReuseLevel.transversal
    assert skills["http://x/b"].reuse_level is None
    assert dump.clusters[0].tier == 1
    edges = {(e.child_id, e.parent_id) for e in dump.broader}
    # conceptType is not trusted: the skills and groups files say what each concept is
    assert edges == {("http://x/a", "http://x/S1"), ("http://x/b", "http://x/a")}


def test_names_without_language_and_gzip_read_the_same(tmp_path: Path) -> None:
    d = copy(FIELD_CASE, tmp_path)
    for path in list(d.iterdir()):
        plain = path.name.replace("_en.csv", ".csv")
        (d / f"{plain}.gz").write_bytes(gzip.compress(path.read_bytes()))
        path.unlink()
    assert read_esco(d) == read_esco(FIELD_CASE)


def test_language_option_reads_that_languages_files(tmp_path: Path) -> None:
    d = copy(FIELD_CASE, tmp_path)
    for path in list(d.iterdir()):
        path.rename(d / path.name.replace("_en.csv", "_de.csv"))
    dump = read_esco(d, language="de")
    assert {s.label for s in dump.skills} == {"Hungarian", "write Hungarian"}
    assert all(n.language == "de" for n in (*dump.skills, *dump.clusters))
    err = rejected(d)  # English asked for, German given
    assert err.problems[0].source == "skills_en.csv"
    reason = err.problems[0].reason
    assert "missing file skills_en.csv (or skills.csv" in reason
    assert "found: broaderRelationsSkillPillar_de.csv, skillGroups_de.csv, skills_de.csv" in reason
    assert "--language de" in reason


# --- bad input: one clear error each ----------------------------------------------------------


def test_missing_column_names_file_line_and_the_columns_found(tmp_path: Path) -> None:
    d = copy(FIELD_CASE, tmp_path)
    path = d / "skills_en.csv"
    path.write_text(path.read_text().replace("preferredLabel", "label", 1))
    err = rejected(d)
    assert [(p.source, p.field) for p in err.problems] == [("skills_en.csv:1", "preferredLabel")]
    assert "found columns: conceptType, conceptUri, skillType, reuseLevel, label" in str(err)


def test_unknown_reuse_level_names_line_found_and_expected(tmp_path: Path) -> None:
    d = copy(FIELD_CASE, tmp_path)
    path = d / "skills_en.csv"
    path.write_text(path.read_text().replace("skill/competence,transversal", "skill/competence,x"))
    err = rejected(d)
    assert [(p.source, p.field) for p in err.problems] == [("skills_en.csv:4", "reuseLevel")]
    assert "found 'x'; expected one of transversal, cross-sector, sector-specific" in str(err)


def test_relation_to_an_unknown_concept_names_line_and_column(tmp_path: Path) -> None:
    d = copy(FIELD_CASE, tmp_path)
    with (d / "broaderRelationsSkillPillar_en.csv").open("a") as f:
        f.write(f"KnowledgeSkillCompetence,{HUNGARIAN},Hungarian,SkillGroup,{E}nope,nope\n")
    err = rejected(d)
    assert [(p.source, p.field) for p in err.problems] == [
        ("broaderRelationsSkillPillar_en.csv:5", "broaderUri")
    ]
    assert f"unknown concept '{E}nope'" in str(err)


def test_bad_language_code_is_refused() -> None:
    with pytest.raises(BatchRejected, match="found 'German'; expected an ESCO language code"):
        read_esco(FIELD_CASE, language="German")


def test_missing_folder(tmp_path: Path) -> None:
    err = rejected(tmp_path / "nowhere")
    assert "found no folder" in str(err)


def test_refused_import_leaves_the_store_as_it_was(store: GraphStore, tmp_path: Path) -> None:
    import_esco(store, FIELD_CASE, actor="t")
    before = (store.taxonomy(), store.data_version(), store.taxonomy_changes())
    d = copy(FIELD_CASE, tmp_path)
    path = d / "skills_en.csv"
    # a newer download with a renamed skill, but one broken relation: nothing is written
    path.write_text(path.read_text().replace("write Hungarian,", "write in Hungarian,"))
    with (d / "broaderRelationsSkillPillar_en.csv").open("a") as f:
        f.write(f"SkillGroup,{LANGUAGES_GROUP},languages,KnowledgeSkillCompetence,{HUNGARIAN},x\n")
    with pytest.raises(BatchRejected, match=r"broaderRelationsSkillPillar_en\.csv:5"):
        import_esco(store, d, actor="t")
    assert (store.taxonomy(), store.data_version(), store.taxonomy_changes()) == before


def test_newer_download_is_an_update_with_a_diff(store: GraphStore, tmp_path: Path) -> None:
    first = import_esco(store, FIELD_CASE, actor="t")
    d = copy(FIELD_CASE, tmp_path)
    skills = d / "skills_en.csv"
    text = skills.read_text().replace("Compose written texts in Hungarian.", "Write Hungarian.")
    skills.write_text(
        text + f"KnowledgeSkillCompetence,{E}new-skill,skill/competence,cross-sector,"
        "read Hungarian,,,released,,,,,Read it.\n"
    )
    relations = d / "broaderRelationsSkillPillar_en.csv"
    relations.write_text(
        relations.read_text() + f"KnowledgeSkillCompetence,{E}new-skill,read Hungarian,"
        f"KnowledgeSkillCompetence,{HUNGARIAN},Hungarian\n"
    )
    report = import_esco(store, d, actor="t")
    assert report.counts() == {
        "added": 1,
        "changed": 1,
        "unchanged": 3,
        "deprecated": 0,
        "kept": 0,
        "edges_added": 1,
        "edges_removed": 0,
    }
    assert report.added == [E + "new-skill"]
    assert report.changed == [WRITE_HUNGARIAN]
    assert report.change_id is not None and report.change_id != first.change_id
    assert sorted(c.id for c in store.children(HUNGARIAN)) == [
        WRITE_HUNGARIAN,
        E + "new-skill",
    ]
    # the older download again: the new skill is deprecated (never deleted), the text is back
    back = import_esco(store, FIELD_CASE, actor="t")
    assert back.deprecated == [E + "new-skill"] and back.changed == [WRITE_HUNGARIAN]
    assert store.get_skill(E + "new-skill") is not None


def test_two_columns_reading_as_one_are_refused(tmp_path: Path) -> None:
    d = copy(FIELD_CASE, tmp_path)
    path = d / "skillGroups_en.csv"
    path.write_text(path.read_text().replace(",code\n", ",Preferred Label\n", 1))
    err = rejected(d)
    assert [(p.source, p.field) for p in err.problems] == [
        ("skillGroups_en.csv:1", "preferredLabel")
    ]
    assert "found the columns 'preferredLabel', 'Preferred Label', which all read as" in str(err)


def test_language_code_in_capitals_reads_as_lower_case(tmp_path: Path) -> None:
    d = copy(FIELD_CASE, tmp_path)
    for path in list(d.iterdir()):
        path.rename(d / path.name.replace("_en.csv", "_de.csv"))
    assert {s.language for s in read_esco(d, language=" DE ").skills} == {"de"}
