"""Taxonomy search (taxonomy.search) over the real bundled ESCO v1.1.1 extract: words in any
order, aliases, codes and concept URIs, accent/case variants, exact label hits first, the
total beside the page."""

from __future__ import annotations

import pytest

from graph.hierarchy import Hierarchy
from graph.model import Skill, SkillCluster
from loaders.esco import bundled_esco_dir, read_esco
from taxonomy.search import TaxonomySearch, fold

SUPPLIERS = "http://data.europa.eu/esco/skill/0637466c-4f91-4faa-99f6-1594d9d72d32"
ARRANGEMENTS = "http://data.europa.eu/esco/skill/c842be42-81b3-40f2-904c-ea8790ac88bd"
S111 = "http://data.europa.eu/esco/skill/S1.1.1"
K0413 = "http://data.europa.eu/esco/isced-f/0413"


@pytest.fixture(scope="module")
def esco() -> TaxonomySearch:
    return TaxonomySearch(Hierarchy.from_dump(read_esco(bundled_esco_dir())).nodes())


def ids(search: TaxonomySearch, q: str, limit: int = 20) -> list[str]:
    return [h.node.id for h in search.search(q, limit=limit).hits]


def test_words_in_any_order(esco: TaxonomySearch) -> None:
    forward = set(ids(esco, "negotiate with suppliers", limit=100))
    backward = set(ids(esco, "suppliers negotiate", limit=100))
    # "negotiate with suppliers for visual material" (label), "negotiate supplier
    # arrangements" (its alias "negotiate with suppliers and distributors")
    assert SUPPLIERS in backward and ARRANGEMENTS in backward
    assert forward <= backward
    assert esco.search("suppliers negotiate").total == len(backward)


def test_codes_and_uris(esco: TaxonomySearch) -> None:
    first = esco.search("S1.1.1").hits[0]
    assert (first.node.id, first.matched) == (S111, "code")
    assert ids(esco, "s1.1.1")[0] == S111  # case
    assert ids(esco, "K0413")[0] == K0413
    assert ids(esco, "0413")[0] == K0413  # ISCED-F field without the pillar letter
    assert ids(esco, SUPPLIERS) == [SUPPLIERS]  # the concept URI
    prefix = esco.search("S1.1")
    assert prefix.hits[0].node.id.endswith("/S1.1")  # the exact code before its children
    assert S111 in {h.node.id for h in prefix.hits} and prefix.total >= 4


def test_aliases_accents_and_case(esco: TaxonomySearch) -> None:
    alias = esco.search("negotiate with suppliers and distributors").hits[0]
    assert (alias.node.id, alias.matched, alias.rank) == (ARRANGEMENTS, "alias", 2)
    assert alias.alias == "negotiate with suppliers and distributors"
    assert ids(esco, "NÉGOTIATE WITH SÜPPLIERS") == ids(esco, "negotiate with suppliers")


def test_exact_label_hits_rank_first() -> None:
    nodes = [
        Skill(id="s-b", label="Python for data science"),
        Skill(id="s-c", label="advanced python", aliases=["Pythonic code"]),
        Skill(id="s-a", label="Python"),
        SkillCluster(id="c-x", label="programming", tier=0, aliases=["python"]),
        Skill(id="s-d", label="snake handling", aliases=["python care"]),
    ]
    search = TaxonomySearch(nodes)
    page = search.search("python", limit=2)
    assert [h.node.id for h in page.hits] == ["s-a", "c-x"]  # label, then alias, exactly
    assert page.total == 5  # the total, not the page size
    assert [h.node.id for h in search.search("python", offset=2).hits] == ["s-b", "s-c", "s-d"]
    assert search.search("python", offset=9).hits == [] and search.search("?!").total == 0


def test_fold_keeps_words_and_drops_accents() -> None:
    assert fold("Prépare  CANAPÉS") == "prepare canapes"
    assert fold("mentor\u2019s guide") == "mentor's guide"
