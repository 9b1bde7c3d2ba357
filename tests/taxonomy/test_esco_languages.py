"""ESCO in other languages: `--language` reads that language's files; a second language onto
an existing taxonomy adds its labels as aliases tagged with the language, never new nodes.

Real files: the Spanish and French skills and groups of an ESCO v1.0.x download (same
conceptUris as the bundled English v1.1.1 copy), and the field case `esco-official-layout`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from api.cli import main
from graph.errors import BatchRejected
from graph.model import Skill
from graph.settings import Settings
from graph.store import GraphStore
from graph.stores import open_store
from loaders.esco import bundled_esco_dir, import_esco, read_labels
from taxonomy import editing
from taxonomy.importer import ImportReport, TranslationReport

DATA = Path(__file__).parent / "data"
FIELD_CASE = DATA / "field-cases" / "esco-official-layout"
OFFICIAL = DATA / "esco-official"
E = "http://data.europa.eu/esco/skill/"
HUNGARIAN = E + "ddd3596a-43f3-402e-960a-5f79362a8609"
WRITE_HUNGARIAN = E + "01f10952-cb59-4347-9aee-d4fbc51c870a"
MUSICAL_STAFF = E + "0005c151-5b5a-4a66-8aac-60e734beb1ab"


def spanish_for_field_case(tmp_path: Path) -> Path:
    """The two rows of the real skills_es.csv for the field case's skills, plus one concept
    the field case does not have (the real "manage musical staff" row)."""
    labels = read_labels(OFFICIAL, "es").labels
    d = tmp_path / "es"
    d.mkdir()
    rows = ["conceptType,conceptUri,skillType,reuseLevel,preferredLabel,altLabels,description"]
    for concept in (HUNGARIAN, WRITE_HUNGARIAN, MUSICAL_STAFF):
        alt = "\n".join(labels[concept][1:])
        rows.append(f'KnowledgeSkillCompetence,{concept},,,{labels[concept][0]},"{alt}",')
    (d / "skills_es.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return d


def test_real_spanish_and_french_labels_onto_the_bundled_english_taxonomy(
    embedded_store: GraphStore,
) -> None:
    store = embedded_store
    first = import_esco(store, None, actor="t")
    assert isinstance(first, ImportReport) and len(first.added) == 13_412 + 571
    version = store.data_version()

    dry = import_esco(store, OFFICIAL, language="es", actor="t", dry_run=True)
    assert isinstance(dry, TranslationReport) and dry.change_id is None
    assert store.data_version() == version  # a dry run writes nothing

    es = import_esco(store, OFFICIAL, language="es", actor="t")
    assert isinstance(es, TranslationReport)
    # 13,485 skills + 17 groups in the file: 13,407 of the skills are in the English extract,
    # and 5 of the v1.0.x groups, which v1.1.1 made skills ("digital data processing"); the
    # other 78 skills and 12 groups (by UUID; the extract's are by code) are listed, never
    # created
    assert es.counts() == {"labelled": 13_412, "unchanged": 0, "not_in_taxonomy": 90}
    assert store.count_skills() == 13_412 and len(store.list_clusters()) == 571
    staff = store.get_skill(MUSICAL_STAFF)
    assert staff is not None
    assert staff.label == "manage musical staff" and staff.language == "en"
    assert staff.aliases_by_language == {"es": ["gestionar tareas en relación con los músicos"]}
    assert [n.id for n in store.find_by_label("Gestionar tareas en relación con los músicos")] == [
        MUSICAL_STAFF
    ]
    change = store.get_taxonomy_change(es.change_id or "")
    assert change is not None and change.op == "import" and change.after["translation"] == "es"

    fr = import_esco(store, OFFICIAL, language="fr", actor="t")
    assert fr.counts()["labelled"] == 13_412
    staff = store.get_skill(MUSICAL_STAFF)
    assert staff is not None
    assert staff.aliases_by_language["fr"] == ["gérer le personnel musical"]
    assert "es" in staff.aliases_by_language
    hits = [n.id for n in store.search_taxonomy("personnel musical", limit=50)]
    assert MUSICAL_STAFF in hits

    # the same files again: nothing to do; the English copy again: the labels stay
    assert import_esco(store, OFFICIAL, language="es", actor="t").is_noop
    assert import_esco(store, None, actor="t").is_noop
    again = store.get_skill(MUSICAL_STAFF)
    assert again is not None and set(again.aliases_by_language) == {"es", "fr"}


def test_labels_of_a_second_language_on_both_stores(store: GraphStore, tmp_path: Path) -> None:
    import_esco(store, FIELD_CASE, actor="t")
    es_dir = spanish_for_field_case(tmp_path)
    before = store.taxonomy()
    report = import_esco(store, es_dir, language="es", actor="t")
    assert isinstance(report, TranslationReport)
    assert report.changed == sorted([HUNGARIAN, WRITE_HUNGARIAN])
    assert report.missing == [MUSICAL_STAFF]  # not in this taxonomy: not created
    after = store.taxonomy()
    assert len(after.skills) == len(before.skills) == 2
    assert after.broader == before.broader
    hungarian = store.get_skill(HUNGARIAN)
    assert hungarian is not None
    assert hungarian.label == "Hungarian"
    assert hungarian.aliases == ["Hungarian language", "Magyar"]
    assert hungarian.aliases_by_language == {"es": ["húngaro"]}
    assert [n.id for n in store.find_by_label("HÚNGARO")] == [HUNGARIAN]
    assert [n.id for n in store.find_by_label("escribir en hu\u0301ngaro")] == [WRITE_HUNGARIAN]
    assert [n.id for n in store.search_taxonomy("en húngaro")] == [WRITE_HUNGARIAN]
    # the English download again keeps the Spanish labels
    assert import_esco(store, FIELD_CASE, actor="t").is_noop
    kept = store.get_skill(WRITE_HUNGARIAN)
    assert kept is not None and kept.aliases_by_language == {"es": ["escribir en húngaro"]}


def test_a_translation_does_not_hide_a_steward_edit_from_the_next_import(
    embedded_store: GraphStore, tmp_path: Path
) -> None:
    store = embedded_store
    import_esco(store, FIELD_CASE, actor="t")
    editing.rename(store, HUNGARIAN, "Hungarian (language)", actor="steward")
    import_esco(store, spanish_for_field_case(tmp_path), language="es", actor="t")
    report = import_esco(store, FIELD_CASE, actor="t")
    assert isinstance(report, ImportReport)
    assert report.kept == [HUNGARIAN]
    node = store.get_skill(HUNGARIAN)
    assert node is not None and node.label == "Hungarian (language)"
    assert node.aliases_by_language == {"es": ["húngaro"]}


def test_first_import_in_another_language_is_a_whole_taxonomy(embedded_store: GraphStore) -> None:
    report = import_esco(embedded_store, OFFICIAL, language="es", actor="t")
    assert isinstance(report, ImportReport)
    assert len(report.added) == 13_485 + 17
    staff = embedded_store.get_skill(MUSICAL_STAFF)
    assert staff is not None
    assert (staff.label, staff.language) == ("gestionar tareas en relación con los músicos", "es")
    parents = embedded_store.parents(MUSICAL_STAFF)
    # v1.0.x: under its broader skills ("lead others", "manage staff") only
    assert sorted(p.label for p in parents) == [
        "dirigir a otras personas",
        "gestionar los recursos humanos",
    ]
    assert {p.kind for p in parents} == {"skill"}


def test_bundled_copy_is_english_only(store: GraphStore) -> None:
    with pytest.raises(BatchRejected, match="bundled ESCO copy is English"):
        import_esco(store, None, language="de", actor="t")
    assert store.count_skills() == 0


def test_a_language_with_no_files_names_what_the_folder_has(store: GraphStore) -> None:
    import_esco(store, FIELD_CASE, actor="t")
    with pytest.raises(BatchRejected) as info:
        import_esco(store, OFFICIAL, language="de", actor="t")
    reason = info.value.problems[0].reason
    assert "missing file skills_de.csv" in reason and "skills_es.csv.gz" in reason


def test_read_labels_refuses_repeated_ids_and_empty_labels(tmp_path: Path) -> None:
    d = tmp_path / "it"
    d.mkdir()
    (d / "skills_it.csv").write_text(
        f"conceptUri,preferredLabel\n{HUNGARIAN},ungherese\n{HUNGARIAN},ungherese 2\n"
        f"{WRITE_HUNGARIAN},\n",
        encoding="utf-8",
    )
    with pytest.raises(BatchRejected) as info:
        read_labels(d, "it")
    assert [(p.source, p.field) for p in info.value.problems] == [
        ("skills_it.csv:3", "conceptUri"),
        ("skills_it.csv:4", "preferredLabel"),
    ]
    assert "first at skills_it.csv:2" in info.value.problems[0].reason


def test_language_tag_lives_on_the_node_and_is_validated() -> None:
    s = Skill(
        id="x",
        label="Hungarian",
        aliases_by_language={"es": ["húngaro", "Hu\u0301ngaro", "lengua húngara"], "fr": []},
    )
    assert s.aliases_by_language == {"es": ["húngaro", "lengua húngara"]}
    with pytest.raises(ValueError, match="own language"):
        Skill(id="x", label="Hungarian", aliases_by_language={"en": ["Magyar"]})
    with pytest.raises(ValueError):
        Skill(id="x", label="Hungarian", aliases_by_language={"Spanish": ["húngaro"]})


# --- the command line ---------------------------------------------------------------------------


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MENTORGRAPH_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MENTORGRAPH_STORE", "embedded")
    monkeypatch.delenv("MENTORGRAPH_EMBEDDED_PATH", raising=False)
    monkeypatch.setenv("MENTORGRAPH_EMBEDDING_MODEL", "fake")
    return tmp_path


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(list(args))
    captured = capsys.readouterr()
    return int(done.value.code or 0), captured.out, captured.err


def test_cli_import_esco_with_language(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = shutil.copytree(FIELD_CASE, tmp_path / "download")
    code, _, err = run_main(capsys, "import", "esco", str(folder))
    assert code == 0 and "added 4" in err
    es = spanish_for_field_case(tmp_path)
    code, _, err = run_main(capsys, "import", "esco", str(es), "--language", "es")
    assert code == 0 and "labelled 2" in err and "not_in_taxonomy 1" in err
    code, _, err = run_main(capsys, "import", "esco", "--language", "xx-!")
    assert code == 1 and "expected an ESCO language code" in err
    store = open_store(Settings())
    try:
        node = store.get_skill(HUNGARIAN)
        assert node is not None and node.aliases_by_language == {"es": ["húngaro"]}
    finally:
        store.close()
    assert bundled_esco_dir().is_dir()
