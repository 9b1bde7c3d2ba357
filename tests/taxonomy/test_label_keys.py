"""Labels are compared after Unicode normalisation (`graph.text.label_key`) in every taxonomy
lookup: the stores' find_by_label and search_taxonomy, aliases, steward edits, imports.

Field case `skill-label-typography`: skill names typed with `'` for ESCO's `’`, `-` for `‐`,
a plain space for a no-break space and decomposed accents resolve to the ESCO skills they
name (the people importer resolves labels through `store.find_by_label`). Stores written
before label keys migrate when opened.
"""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import pytest

from graph.errors import Conflict
from graph.model import Broader, Skill, SkillCluster
from graph.store import (
    AddBroader,
    GraphStore,
    TaxonomyDump,
    UpsertClusters,
    UpsertSkills,
    UpsertTaxonomyChanges,
)
from graph.stores.embedded import EmbeddedStore
from graph.stores.embedded_schema import SCHEMA_VERSION
from graph.stores.neo4j_store import Neo4jStore
from loaders.esco import bundled_esco_dir, read_esco
from taxonomy import editing
from taxonomy.importer import import_taxonomy
from tests.conftest import make_neo4j_store

DATA = Path(__file__).parent / "data"
TYPED = DATA / "field-cases" / "skill-label-typography" / "skills-typed.csv"
E = "http://data.europa.eu/esco/skill/"

# What each typed name of the field case is in ESCO (label or alias), and whose it is.
EXPECTED = {
    "perform customers' needs analysis": "perform customers’ needs analysis",
    "arrange pick-up": "arrange pick‐up",
    "use GPS": "handle geospatial technologies",  # alias "use\xa0GPS"
    "learning problems": "learning difficulties",  # alias "learning\xa0problems"
    "prepare canape\u0301s": "prepare canapés",
}


def typed_names() -> list[str]:
    """The skill names of the field case's one row ("name:level; ..."), as typed."""
    with TYPED.open(encoding="utf-8", newline="") as fh:
        row = next(csv.DictReader(fh))
    return [part.rsplit(":", 1)[0].strip() for part in row["skills"].split(";")]


@pytest.fixture(scope="module")
def esco_slice() -> TaxonomyDump:
    """The real ESCO skills the field case names (from the bundled copy), without edges."""
    dump = read_esco(bundled_esco_dir())
    wanted = set(EXPECTED.values())
    return TaxonomyDump(skills=[s for s in dump.skills if s.label in wanted])


def test_field_case_names_are_what_the_file_says() -> None:
    assert typed_names() == list(EXPECTED)


def test_typed_names_resolve_on_both_stores(store: GraphStore, esco_slice: TaxonomyDump) -> None:
    assert len(esco_slice.skills) == len(EXPECTED)
    store.apply([UpsertSkills(esco_slice.skills)])
    by_label = {s.label: s.id for s in esco_slice.skills}
    for typed, esco_label in EXPECTED.items():
        assert [n.id for n in store.find_by_label(typed)] == [by_label[esco_label]], typed
        hits = [n.id for n in store.search_taxonomy(typed)]
        assert hits == [by_label[esco_label]], typed
    # and the ESCO spelling itself, in other case and spacing
    assert [n.label for n in store.find_by_label("  PERFORM customers’  needs analysis ")] == [
        "perform customers’ needs analysis"
    ]
    assert [n.label for n in store.search_taxonomy("pick-up")] == ["arrange pick‐up"]


def test_find_by_label_on_the_whole_bundled_taxonomy(embedded_store: GraphStore) -> None:
    import_taxonomy(embedded_store, read_esco(bundled_esco_dir()), actor="t", source="esco")
    for typed, esco_label in EXPECTED.items():
        assert [n.label for n in embedded_store.find_by_label(typed)] == [esco_label], typed


def test_aliases_repeating_the_label_or_each_other_are_dropped() -> None:
    s = Skill(
        id="s",
        label="prepare canapés",
        aliases=["Prepare canape\u0301s", "make canapés", "MAKE  canapés", "make\xa0canapes"],
    )
    assert s.aliases == ["make canapés", "make\xa0canapes"]  # é and e differ: not one word
    q = Skill(id="q", label="perform customers’ needs analysis", aliases=["x", "X", "x\u200b"])
    assert q.aliases == ["x"]


def test_steward_alias_edits_compare_label_keys(embedded_store: GraphStore) -> None:
    store = embedded_store
    editing.create_skill(
        store, Skill(id="s1", label="perform customers’ needs analysis"), actor="st"
    )
    with pytest.raises(Conflict):
        editing.add_alias(store, "s1", "Perform customers' needs analysis", actor="st")
    editing.add_alias(store, "s1", "analyse what clients need", actor="st")
    with pytest.raises(Conflict):
        editing.add_alias(store, "s1", "analyse  what clients need", actor="st")
    editing.remove_alias(store, "s1", "ANALYSE what clients need", actor="st")
    node = store.get_skill("s1")
    assert node is not None and node.aliases == []
    # renaming to another spelling of the same label keeps no alias of the old one
    editing.rename(store, "s1", "perform customers' needs analysis", actor="st")
    node = store.get_skill("s1")
    assert node is not None
    assert (node.label, node.aliases) == ("perform customers' needs analysis", [])


def test_import_merges_aliases_by_label_key(embedded_store: GraphStore) -> None:
    first = TaxonomyDump(skills=[Skill(id="a", label="arrange pick‐up", aliases=["book pick‐up"])])
    import_taxonomy(embedded_store, first, actor="t", source="esco")
    again = TaxonomyDump(skills=[Skill(id="a", label="arrange pick‐up", aliases=["book pick-up"])])
    report = import_taxonomy(embedded_store, again, actor="t", source="esco")
    assert report.changed == ["a"]  # the source's newer spelling, not a second alias
    node = embedded_store.get_skill("a")
    assert node is not None and node.aliases == ["book pick-up"]
    assert import_taxonomy(embedded_store, again, actor="t", source="esco").is_noop


# --- stores written before label keys ---------------------------------------------------------


def test_embedded_store_of_schema_1_is_migrated_on_open(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    store = EmbeddedStore(path)
    store.apply(
        [
            UpsertClusters([SkillCluster(id="c", label="Catering", tier=0)]),
            UpsertSkills([Skill(id="s", label="prepare canapés", aliases=["use\xa0GPS"])]),
            AddBroader([Broader(child_id="s", parent_id="c")]),
        ]
    )
    store.close()
    # what a schema-1 file held: casefold() names, version 1
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = 1 WHERE key = 'schema_version'")
        conn.execute("UPDATE node_names SET name_cf = 'use\xa0gps' WHERE name_cf = 'use gps'")
        names = {r[0] for r in conn.execute("SELECT name_cf FROM node_names")}
    assert "use\xa0gps" in names
    old = EmbeddedStore(path)
    try:
        assert [n.id for n in old.find_by_label("use GPS")] == ["s"]
        assert [n.id for n in old.find_by_label("prepare canape\u0301s")] == ["s"]
        with sqlite3.connect(path) as conn:
            version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'")
            assert version.fetchone()[0] == SCHEMA_VERSION == 2
            names = {r[0] for r in conn.execute("SELECT name_cf FROM node_names")}
        assert names == {"catering", "prepare canapés", "use gps"}
    finally:
        old.close()
    # opening again does not migrate again
    again = EmbeddedStore(path)
    try:
        assert [n.id for n in again.find_by_label("USE GPS")] == ["s"]
    finally:
        again.close()


@pytest.mark.neo4j
def test_neo4j_store_with_casefold_keys_is_migrated_by_init_schema(bolt_driver: object) -> None:
    store = make_neo4j_store(bolt_driver)
    assert isinstance(store, Neo4jStore)
    try:
        store.apply([UpsertSkills([Skill(id="s", label="use\xa0GPS", aliases=["Cafe\u0301s"])])])

        def make_old(tx: object) -> None:
            tx.run(  # type: ignore[attr-defined]
                "MATCH (n:TaxonomyNode {id: 's'}) "
                "SET n.label_key = 'use\xa0gps', n.search_keys = ['use\xa0gps', 'cafe\u0301s']"
            ).consume()
            tx.run("MATCH (m:Meta {id: 'meta'}) REMOVE m.label_key_version").consume()  # type: ignore[attr-defined]

        store._write_tx(make_old)
        assert store.find_by_label("use GPS") == []  # the old keys miss the typed spelling
        store.init_schema()
        assert [n.id for n in store.find_by_label("use GPS")] == ["s"]
        assert [n.id for n in store.search_taxonomy("cafés")] == ["s"]
        rows = store._rows("MATCH (n:TaxonomyNode {id: 's'}) RETURN n.search_keys AS k")
        assert rows[0]["k"] == ["use gps", "cafés"]
    finally:
        store.close()


def test_a_steward_edit_recorded_before_the_new_node_fields_still_reverts(
    embedded_store: GraphStore,
) -> None:
    """History written before nodes had `language`, `aliases_by_language`, `reuse_level`."""
    store = embedded_store
    editing.create_skill(store, Skill(id="s1", label="arrange pick‐up"), actor="st")
    change = editing.rename(store, "s1", "arrange collection", actor="st")
    old_fields = ("language", "aliases_by_language", "reuse_level")
    old = change.model_copy(
        update={
            side: {
                "nodes": {
                    k: {f: v for f, v in rec.items() if f not in old_fields}
                    for k, rec in getattr(change, side)["nodes"].items()
                }
            }
            for side in ("before", "after")
        }
    )
    store.apply([UpsertTaxonomyChanges([old])])
    editing.revert(store, change.id, actor="st")
    node = store.get_skill("s1")
    assert node is not None and node.label == "arrange pick‐up"
