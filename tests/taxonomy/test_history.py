"""taxonomy.history: changes in words, diffs row by row, imports summed up, on changes the
editing functions and the importer really record (tiny ESCO, the embedded store)."""

from __future__ import annotations

from pathlib import Path

from graph.model import Person, PersonSkill, Skill
from graph.store import GraphStore, UpsertPeople, UpsertPersonSkills
from loaders.esco import read_esco
from taxonomy import editing
from taxonomy import history as H
from taxonomy.importer import import_taxonomy

TINY = Path(__file__).parent / "data" / "esco_tiny"


def _imported(store: GraphStore) -> None:
    import_taxonomy(store, read_esco(TINY), actor="t", source="esco")


def test_an_import_in_words_and_rows(embedded_store: GraphStore) -> None:
    _imported(embedded_store)
    (change,) = embedded_store.taxonomy_changes(limit=5)
    assert H.is_bulk(change)
    counts = H.import_counts(change)
    assert counts["added"] == 11 and counts["changed"] == 0
    assert H.summary(change) == f"import of esco: 11 added, {counts['edges_added']} edges added"
    rows = H.diff_rows(change)
    assert len(rows) == counts["added"] + counts["edges_added"]
    mine = H.diff_rows(change, node_id="http://x/skill/S1.4")
    assert {(r.what, r.after) for r in mine} >= {
        ("added", None),
        ("edge added", "http://x/skill/S1"),
    }
    # an edge shows up for its parent too
    assert any(r.what == "edge added" for r in H.diff_rows(change, node_id="http://x/skill/S1"))
    assert H.affected(change) == {"people": 0, "goals": 0}


def test_edits_in_words_and_rows(embedded_store: GraphStore) -> None:
    _imported(embedded_store)
    a, c = "http://x/skill/a", "http://x/skill/c"
    embedded_store.apply(
        [
            UpsertPeople([Person(id="p", name="P"), Person(id="q", name="Q")]),
            UpsertPersonSkills(
                [
                    PersonSkill(person_id="p", skill_id=a, level=3),
                    PersonSkill(person_id="q", skill_id=c, level=2),
                ]
            ),
        ]
    )
    rename = editing.rename(embedded_store, a, "give presentations", actor="s")
    assert H.summary(rename) == "renamed “give talks” -> “give presentations”"
    rows = {(r.what, r.field, str(r.before), str(r.after)) for r in H.diff_rows(rename)}
    assert ("field", "label", "give talks", "give presentations") in rows
    assert ("alias added", "", "None", "give talks") in rows
    assert H.affected(rename) == {"people": 0, "goals": 0}  # people keep their skill

    move = editing.move(embedded_store, c, ["http://x/skill/S1.4"], actor="s")
    moved = {(r.what, r.before, r.after) for r in H.diff_rows(move)}
    assert ("parent added", None, "http://x/skill/S1.4") in moved
    assert any(w == "parent removed" for w, _, _ in moved)

    merge = editing.merge(embedded_store, c, a, actor="s", reason="same")
    assert H.summary(merge) == "merged “write reports” into “give presentations”"
    assert H.affected(merge) == {"people": 1, "goals": 0}  # q's skill moves to a
    rows = H.diff_rows(merge)
    assert [(r.before, r.after) for r in rows if r.node_id == c and r.what == "holders moved"] == [
        (1, 0)
    ]
    assert {r.after for r in rows if r.what == "alias added"} >= {"write reports", "draft reports"}

    new = [Skill(id="n1", label="one"), Skill(id="n2", label="two")]
    split = editing.split(embedded_store, a, new, actor="s")
    assert H.summary(split) == "split “give presentations” into “one”, “two”"
    assert {r.node_id for r in H.diff_rows(split) if r.what == "added"} == {"n1", "n2"}
    assert H.diff_rows(split, node_id="n1") and not H.diff_rows(split, node_id="nope")
