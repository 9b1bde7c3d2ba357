"""Taxonomy search gives the same answers on every store: the search runs over the taxonomy
the store hands back (`taxonomy.search` over `store.taxonomy()`), so what a store keeps of
real ESCO nodes (labels, aliases, codes, concept URIs) must come back alike. A slice of the
bundled ESCO v1.1.1 extract (every group, and the skills the queries are about) keeps the
write quick on a Bolt server."""

from __future__ import annotations

import pytest

from graph.hierarchy import Hierarchy
from graph.store import AddBroader, GraphStore, TaxonomyDump, UpsertClusters, UpsertSkills
from loaders.esco import bundled_esco_dir, read_esco
from taxonomy.search import TaxonomySearch, fold

QUERIES = [
    "suppliers negotiate",
    "negotiate with suppliers and distributors",
    "S1.1.1",
    "S1.1",
    "K0413",
    "0413",
    "http://data.europa.eu/esco/skill/S1.1.1",
    "NÉGOTIATE",
    "manage musical staff",
    "staff music",
]
TOPICS = ("supplier", "negotiat", "music", "staff")


@pytest.fixture(scope="module")
def esco_slice() -> TaxonomyDump:
    dump = read_esco(bundled_esco_dir())
    skills = [
        s for s in dump.skills if any(t in fold(" ".join([s.label, *s.aliases])) for t in TOPICS)
    ]
    kept = {s.id for s in skills} | {c.id for c in dump.clusters}
    broader = [b for b in dump.broader if b.child_id in kept and b.parent_id in kept]
    return TaxonomyDump(skills=skills, clusters=dump.clusters, broader=broader)


def _answers(search: TaxonomySearch) -> dict[str, tuple[int, list[tuple[str, str]]]]:
    out = {}
    for q in QUERIES:
        page = search.search(q, limit=25)
        out[q] = (page.total, [(h.node.id, h.matched) for h in page.hits])
    return out


def test_search_over_a_store_matches_the_files(store: GraphStore, esco_slice: TaxonomyDump) -> None:
    store.apply(
        [
            UpsertClusters(esco_slice.clusters),
            UpsertSkills(esco_slice.skills),
            AddBroader(esco_slice.broader),
        ]
    )
    from_store = TaxonomySearch(Hierarchy.from_dump(store.taxonomy()).nodes())
    from_files = TaxonomySearch(Hierarchy.from_dump(esco_slice).nodes())
    got = _answers(from_store)
    assert got == _answers(from_files)
    assert 100 < len(esco_slice.skills) < 2000
    assert got["suppliers negotiate"][0] > 2 and got["S1.1.1"][1][0][1] == "code"
    assert got["0413"][1][0] == ("http://data.europa.eu/esco/isced-f/0413", "code")
