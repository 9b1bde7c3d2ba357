"""Taxonomy search gives the same answers on every store: the search runs over the taxonomy
the store hands back (`taxonomy.search` over `store.taxonomy()`), so what a store keeps of
the real ESCO extract (labels, aliases, codes, concept URIs) must come back alike."""

from __future__ import annotations

from graph.hierarchy import Hierarchy
from graph.store import GraphStore
from loaders.esco import bundled_esco_dir, import_esco, read_esco
from taxonomy.search import TaxonomySearch

QUERIES = [
    "suppliers negotiate",
    "negotiate with suppliers and distributors",
    "S1.1.1",
    "S1.1",
    "K0413",
    "http://data.europa.eu/esco/skill/S1.1.1",
    "NÉGOTIATE",
    "manage musical staff",
]


def _answers(search: TaxonomySearch) -> dict[str, tuple[int, list[tuple[str, str]]]]:
    out = {}
    for q in QUERIES:
        page = search.search(q, limit=25)
        out[q] = (page.total, [(h.node.id, h.matched) for h in page.hits])
    return out


def test_search_over_a_store_matches_the_files(store: GraphStore) -> None:
    import_esco(store, actor="test")
    from_store = TaxonomySearch(Hierarchy.from_dump(store.taxonomy()).nodes())
    from_files = TaxonomySearch(Hierarchy.from_dump(read_esco(bundled_esco_dir())).nodes())
    got = _answers(from_store)
    assert got == _answers(from_files)
    assert got["suppliers negotiate"][0] > 0 and got["S1.1.1"][1][0][1] == "code"
