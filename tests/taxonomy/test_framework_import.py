"""Company frameworks (CSV and JSON) over the tiny ESCO fixture, and their errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.errors import BatchRejected
from graph.model import NodeStatus
from graph.store import GraphStore, TaxonomyDump
from loaders.esco import read_esco
from loaders.framework import read_framework
from taxonomy.importer import import_taxonomy

DATA = Path(__file__).parent / "data"
X = "http://x/skill/"


@pytest.fixture
def esco() -> TaxonomyDump:
    return read_esco(DATA / "esco_tiny")


@pytest.mark.parametrize("name", ["framework.csv", "framework.json"])
def test_framework_reads_the_same_from_csv_and_json(name: str, esco: TaxonomyDump) -> None:
    dump = read_framework(DATA / name, existing=esco)
    clusters = {c.id: c for c in dump.clusters}
    skills = {s.id: s for s in dump.skills}
    assert sorted(clusters) == ["acme", "acme-speak"]
    assert clusters["acme"].tier == 0
    assert clusters["acme-speak"].tier == 1  # 1 + min(acme 0, S1 1)
    assert clusters["acme-speak"].description == "Talks, demos\nand all-hands"
    assert list(skills) == ["acme-demo"]  # the ESCO row is a link row, not a node
    assert skills["acme-demo"].aliases == ["demoing", "live demo"]
    assert all(n.source == "company" for n in [*dump.skills, *dump.clusters])
    assert sorted((e.child_id, e.parent_id) for e in dump.broader) == [
        ("acme-demo", "acme-speak"),
        ("acme-speak", "acme"),
        ("acme-speak", X + "S1"),
        (X + "a", "acme-speak"),
    ]


def test_framework_import_hangs_company_clusters_over_esco(
    embedded_store: GraphStore, esco: TaxonomyDump
) -> None:
    import_taxonomy(embedded_store, esco, actor="a", source="esco")
    dump = read_framework(DATA / "framework.csv", existing=embedded_store.taxonomy())
    report = import_taxonomy(
        embedded_store, dump, actor="a", source="company", keep_cross_source_edges=False
    )
    assert report.added == ["acme", "acme-demo", "acme-speak"]
    assert (X + "a", "acme-speak") in report.edges_added
    assert "acme-speak" in {p.id for p in embedded_store.parents(X + "a")}
    # ESCO re-import leaves the company link alone
    assert import_taxonomy(embedded_store, esco, actor="a", source="esco").is_noop
    assert "acme-speak" in {p.id for p in embedded_store.parents(X + "a")}
    # the framework without the demo skill and the S1 link: demo deprecated, link removed
    text = (DATA / "framework.csv").read_text().replace("acme;http://x/skill/S1", "acme")
    text = "\n".join(line for line in text.splitlines() if "acme-demo" not in line) + "\n"
    again = read_framework_text(text, embedded_store)
    report = import_taxonomy(
        embedded_store, again, actor="a", source="company", keep_cross_source_edges=False
    )
    assert report.deprecated == ["acme-demo"]
    assert report.edges_removed == [("acme-speak", X + "S1")]
    assert embedded_store.get_skill("acme-demo").status == NodeStatus.deprecated  # type: ignore[union-attr]


def read_framework_text(text: str, store: GraphStore) -> TaxonomyDump:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "framework.csv"
        p.write_text(text, encoding="utf-8")
        return read_framework(p, existing=store.taxonomy())


def write(tmp_path: Path, text: str, name: str = "fw.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


HEADER = "kind,id,label,tier,parents,aliases,description\n"


def errors(path: Path, esco: TaxonomyDump) -> list[tuple[str | None, str]]:
    with pytest.raises(BatchRejected) as info:
        read_framework(path, existing=esco)
    return [(p.source, p.field) for p in info.value.problems]


def test_framework_errors_name_file_and_line(tmp_path: Path, esco: TaxonomyDump) -> None:
    p = write(
        tmp_path,
        HEADER
        + 'cluster,c1,One,0,,,"multi\nline"\n'  # lines 2-3
        + "skill,s1,Skill,,c1;nope,,\n"  # line 4: unknown parent
        + "skill,s2,Skill two,,http://x/skill/b,,\n"  # line 5: parent is a skill
        + "widget,w,Widget,,,,\n"  # line 6: bad kind
        + "skill,c1,Again,,,,\n",  # line 7: duplicate id
    )
    assert errors(p, esco) == [
        ("fw.csv:6", "kind"),
        ("fw.csv:7", "id"),
        ("fw.csv:4", "parents"),
        ("fw.csv:5", "parents"),
    ]


def test_framework_missing_column_and_esco_clash(tmp_path: Path, esco: TaxonomyDump) -> None:
    assert errors(write(tmp_path, "kind,label\nskill,x\n"), esco) == [("fw.csv:1", "id")]
    clash = write(tmp_path, HEADER + "skill,http://x/skill/a,Renamed,,,,\n")
    assert errors(clash, esco) == [("fw.csv:2", "id")]


def test_framework_cycle_through_existing_nodes(tmp_path: Path, esco: TaxonomyDump) -> None:
    # company cluster under S1.4, and the ESCO group S1 linked under the company cluster
    p = write(
        tmp_path,
        HEADER + "cluster,c1,One,,http://x/skill/S1.4,,\ncluster,http://x/skill/S1,,,c1,,\n",
    )
    with pytest.raises(BatchRejected, match="cycle"):
        read_framework(p, existing=esco)


def test_framework_json_errors(tmp_path: Path, esco: TaxonomyDump) -> None:
    p = write(
        tmp_path,
        '{"nodes": [{"kind": "skill", "id": "s", "label": "S", "parents": ["zz"]}]}',
        "fw.json",
    )
    assert errors(p, esco) == [("fw.json#/nodes/0", "parents")]
    bad = write(tmp_path, '{"nodes": [\n  {"kind": "skill",,}\n]}', "bad.json")
    assert errors(bad, esco) == [("bad.json:2", "(json)")]
