"""Taxonomy search in memory: words in any order, aliases (every language), ESCO codes and
concept URIs, accent and case variants; exact hits first; the total beside the page.

One search over the taxonomy every store hands out (`graph.hierarchy.Hierarchy`, the nodes
of the recommender's snapshot), so the embedded and the Neo4j store answer alike without a
full-text index of their own. An index is a few folded strings per node (about 15 ms to
build for ESCO's 14,000 skills and groups; a query scans one string per node, then looks
closer at the nodes that contain every word).

Folding (`fold`): `graph.text.label_key` (Unicode form, typographic quotes and dashes, spaces,
case), then accents dropped (`canapés` = `canapes`). A query matches a name when every one of
its words (runs of letters and digits) occurs in the folded name, in any order
("suppliers negotiate" finds "negotiate with suppliers"); `S1.1.1`, `K0413` and a concept
URI match a node's code or id.

Ranks (lower first), then active before deprecated, codes in code order, shorter label,
label, id:

0. the id (a concept URI) or the code, exactly;
1. the label, exactly (folded);
2. an alias or another language's label, exactly;
3. a code below the query's (`S1.1` -> S1.1.1, S1.1.2, not S1.10; `K04` -> K0413);
4. the label starting with the query's words in order;
5. the label containing every word;
6. an alias containing every word.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from graph.hierarchy import Hierarchy
from graph.model import NodeStatus, Skill, SkillCluster
from graph.text import label_key

Node = Skill | SkillCluster
Matched = Literal["id", "code", "label", "alias"]

_WORD = re.compile(r"\w+")
_CODE = re.compile(r"^[a-z]?\d[\d.]*$")


def fold(text: str) -> str:
    """`label_key` without accents: `fold("Prépare  CANAPÉS") == "prepare canapes"`."""
    decomposed = unicodedata.normalize("NFKD", label_key(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The folded words of a text (letters and digits), in order."""
    return _WORD.findall(fold(text))


@dataclass(frozen=True)
class SearchHit:
    """One node found. `matched`: what matched (id, code, label, alias); `alias`: the
    alias or other-language label that matched (None unless `matched` is alias)."""

    node: Node
    matched: Matched
    alias: str | None
    rank: int


@dataclass(frozen=True)
class SearchPage:
    """`hits`: the page asked for, best first; `total`: how many nodes match in all."""

    hits: list[SearchHit]
    total: int


@dataclass(frozen=True)
class _Entry:
    node: Node
    id_cf: str
    code_cf: str
    label: str  # folded
    aliases: tuple[tuple[str, str], ...]  # (folded, as written)
    haystack: str  # the label and every alias, folded, one per line


class TaxonomySearch:
    """An index over taxonomy nodes (build once per taxonomy; `for_hierarchy` caches)."""

    def __init__(self, nodes: Iterable[Node]) -> None:
        entries = []
        for node in nodes:
            names = [*node.aliases, *(a for v in node.aliases_by_language.values() for a in v)]
            aliases = tuple((fold(a), a) for a in names)
            label = fold(node.label)
            entries.append(
                _Entry(
                    node=node,
                    id_cf=node.id.casefold(),
                    code_cf=getattr(node, "code", "").casefold(),
                    label=label,
                    aliases=aliases,
                    haystack="\n".join([label, *(a for a, _ in aliases)]),
                )
            )
        self._entries = entries

    def search(self, query: str, *, limit: int = 20, offset: int = 0) -> SearchPage:
        """The nodes matching `query` (see the module doc), ranked; `limit` of them from
        `offset`, with the total. An empty or word-less query matches nothing."""
        text = query.strip()
        folded = fold(text)
        wanted = _WORD.findall(folded)
        exact = text.casefold()
        hits: list[tuple[tuple[int, int, tuple[int, str], int, str, str], SearchHit]] = []
        for e in self._entries:
            hit = _match(e, exact, folded, wanted)
            if hit is not None:
                deprecated = int(e.node.status != NodeStatus.active)
                code = (len(e.code_cf), e.code_cf) if hit.matched == "code" else (0, "")
                key = (hit.rank, deprecated, code, len(e.label), e.label, e.node.id)
                hits.append((key, hit))
        hits.sort(key=lambda kh: kh[0])
        page = [h for _, h in hits[offset : offset + limit]] if limit > 0 else []
        return SearchPage(hits=page, total=len(hits))


def _match(e: _Entry, exact: str, folded: str, wanted: list[str]) -> SearchHit | None:
    if exact and exact == e.id_cf:
        return SearchHit(e.node, "id", None, 0)
    bare = e.code_cf[1:] if e.code_cf.startswith("k") else e.code_cf  # ISCED-F: 0413
    if e.code_cf and exact in (e.code_cf, bare):
        return SearchHit(e.node, "code", None, 0)
    if not wanted:
        return None
    if folded == e.label:
        return SearchHit(e.node, "label", None, 1)
    for a, written in e.aliases:
        if folded == a:
            return SearchHit(e.node, "alias", written, 2)
    if e.code_cf and _code_like(exact) and any(_code_under(c, exact) for c in (e.code_cf, bare)):
        return SearchHit(e.node, "code", None, 3)
    if not all(w in e.haystack for w in wanted):
        return None
    if e.label.startswith(" ".join(wanted)) or e.label.startswith(folded):
        return SearchHit(e.node, "label", None, 4)
    if all(w in e.label for w in wanted):
        return SearchHit(e.node, "label", None, 5)
    for a, written in e.aliases:
        if all(w in a for w in wanted):
            return SearchHit(e.node, "alias", written, 6)
    return None


def _code_like(text: str) -> bool:
    """Whether a (case-folded) query reads as the start of an ESCO code: a pillar letter and
    digits (`s1`, `s1.4`, `k04`), or ISCED-F digits."""
    return bool(_CODE.match(text))


def _code_under(code: str, prefix: str) -> bool:
    """Whether `code` is below the code `prefix` in ESCO's code hierarchy: dotted codes by
    whole parts (`s1.1` -> s1.1.1, not s1.10), ISCED-F fields by digits (`k04` -> k0413)."""
    if len(code) <= len(prefix) or not code.startswith(prefix):
        return False
    return code[len(prefix)] == "." or "." not in code


@lru_cache(maxsize=2)
def for_hierarchy(hierarchy: Hierarchy) -> TaxonomySearch:
    """The index of a taxonomy (a snapshot's `Hierarchy` never changes: a taxonomy edit
    makes a new one), kept for the last two."""
    return TaxonomySearch(hierarchy.nodes())
