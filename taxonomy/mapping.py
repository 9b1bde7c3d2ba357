"""Free-text goal -> taxonomy nodes, by sentence embeddings plus a light lexical boost.

Every active node is represented by several vectors:
- its *names*: the preferred label, each alias, and phrases a steward taught (`teach`);
- its description (one vector, when it has one).

For a query q (unit vector) and a node n:

    name(n)  = max over n's names i of  cos_i + LEX * lex_i * (1 - cos_i)
    score(n) = (1 - DESC) * name(n) + DESC * cos(q, description(n))

`lex_i` is the tf-idf cosine between the query's word stems and name i's (pulls a name that
shares rare words with the query towards 1 without ever passing it); a node without a
description uses name(n) - MISSING_GAP for the description term. Clusters are scored the
same way from their own label/aliases/description and weighed by `cluster_factor`, so a goal
that names a whole area ("leadership") can land on the cluster.

When no skill reaches `threshold` the mapper falls back up the hierarchy: each cluster gets

    fallback(c) = (own(c) + support(c)) / 2,
    support(c)  = sum_s score(s) * DECAY ** (dist(s, c) - 1) / sum_s score(s)

over the top `support_top` skills s below c (dist = steps up from s to c); the result is
the best clusters, with `fell_back=True` and a reason naming the best skill it refused.

Search is one dense float32 matrix-vector product over all name vectors (rows of a node are
contiguous, so the per-node max is one `np.maximum.reduceat`), one over description vectors,
and a sparse column slice for the lexical part: a few milliseconds over all of ESCO. The
products run on ONE BLAS thread (`single_blas_thread`): a matrix-vector product is bound by
memory, and waking BLAS worker threads (which on a 2-core box compete with torch's threads
from the query embedding just before) cost 2-4x more than the arithmetic they share.

For a big taxonomy `map` searches in two stages: every node is first scored as above but
from vectors projected onto the top `prune_dims` (64) principal directions of the name
vectors (a sixth of the memory to read; each projected cosine raised by half its
Cauchy-Schwarz error bound), then only the `prune_keep` (300) best skills, every cluster
and every taught node are scored exactly; the rest are out of the running (-inf). These
scores only choose the dense candidates of the re-ranker below (its best 40), so an
approximate rank 30-40 costs little: 96 dims and 1,500 kept gave the same held-out alias
recall (R@1 0.880 vs 0.880, R@5 0.966 vs 0.967 on 2,000 queries) at 3-5 ms more per goal.
`score_all` stays one-stage and exact.

On top of this first stage (the *dense score*), `map` analyses the goal text, adds lexical
candidates and re-ranks them with a learned model; see docs/mapping.md,
taxonomy/goal_text.py, taxonomy/lexical.py and taxonomy/rerank.py.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field
from scipy import sparse
from threadpoolctl import ThreadpoolController

from graph.errors import InvalidInput, NotFound
from graph.hierarchy import Hierarchy
from graph.model import NodeStatus, Skill, SkillCluster
from graph.store import TaxonomyDump
from taxonomy.adapter import NameAdapter
from taxonomy.embedding import Embedder
from taxonomy.embedding_cache import CachedEmbedder, EmbeddingCache
from taxonomy.goal_text import (
    MAX_TEXT_CHARS,
    GoalText,
    analyse,
    check_text,
    fold,
    function_word_language,
    lex_tokens,
    words,
)
from taxonomy.lexical import PROPER_NAMES, LexicalIndex, LexicalQuery, base_language
from taxonomy.rerank import ABSENT_RANK, FEATURES, RerankModel

__all__ = [
    "MAX_TEXT_CHARS",
    "GoalMapper",
    "MappedNode",
    "MappedTarget",
    "MappingConfig",
    "MappingResult",
    "check_text",
    "single_blas_thread",
    "tokens",
]


# --- public shapes --------------------------------------------------------------------------


class MappedNode(BaseModel):
    """One taxonomy node for a goal; `score` is the re-ranker's confidence in [0, 1] (for a
    cluster offered on fall-back: its fall-back score, see the module doc)."""

    id: str
    label: str
    kind: Literal["skill", "cluster"]
    score: float


class MappedTarget(BaseModel):
    """What one part of a goal maps to: a goal naming two skills has two targets."""

    text: str  # the part of the goal (boilerplate removed) this target is for
    candidates: list[MappedNode] = Field(default_factory=list)  # best first
    confidence: float = 0.0  # of the best candidate; 0 when it fell back
    fell_back: bool = False  # no skill reached the threshold: candidates are clusters
    reason: str = ""


class MappingResult(BaseModel):
    """`targets`: one per skill the goal names. `candidates`: all targets merged, at most k:
    each target's best node first (in target order; a split goal's whole-text best skill
    before them when it is at least half as confident as each), then the rest by score. `fell_back`:
    every target fell back to clusters; `vague`: the goal names no specific skill ("get
    better at my job"), so the candidates are 3-5 broad clusters to choose from.
    `language`: the goal's language as the mapper read it ("en", "es", ...: by its function
    words, else by the taxonomy names its words come from); None when not read."""

    candidates: list[MappedNode] = Field(default_factory=list)
    targets: list[MappedTarget] = Field(default_factory=list)
    fell_back: bool = False
    vague: bool = False
    reason: str = ""
    language: str | None = None


@dataclass(frozen=True)
class MappingConfig:
    # Below this confidence of the best skill a target falls back to clusters; None: the
    # threshold shipped with the re-ranker's weights (taxonomy/data/rerank.json).
    threshold: float | None = None
    desc_weight: float = 0.2
    # A node without a description is scored as if its description matched this much worse
    # than its best name (descriptions usually trail names); 0 would favour bare nodes.
    missing_desc_gap: float = 0.15
    lex_weight: float = 0.35
    # A name whose vector is this close to another name of the same node shares that vector
    # (ESCO aliases are often spelling variants): ~30% fewer rows to multiply, same ranking.
    dedupe_cos: float = 0.95
    cluster_factor: float = 0.9
    support_top: int = 20
    support_decay: float = 0.5
    max_k: int = 100
    # Two-stage search for big taxonomies (>= prune_min_names name vectors): every node is
    # first scored from its vectors projected onto the top `prune_dims` principal directions
    # (a quarter of the memory to read), then only the `prune_keep` best skills (and every
    # cluster and taught node) are scored exactly. map() only; score_all() stays exact.
    prune_min_names: int = 20_000
    prune_dims: int = 64
    prune_keep: int = 300
    # First-stage optimism: each projected cosine is raised by this many times
    # |query residual| * |vector residual| (its Cauchy-Schwarz error bound), so vectors the
    # projection describes badly are not dropped for it.
    prune_slack: float = 0.5
    # Candidates the re-ranker sees: the best of the dense scores, of BM25 over names and of
    # BM25 over descriptions (merged, without repeats).
    dense_candidates: int = 40
    lexical_candidates: int = 40
    description_candidates: int = 10
    # Fall-back and vague goals offer this many clusters at least / at most.
    min_clusters: int = 3
    max_clusters: int = 5
    query_cache_size: int = 4096  # embeddings of recent goal texts kept in memory


# --- BLAS threads ---------------------------------------------------------------------------

_blas_lock = threading.RLock()
_blas_controller: Any = None


@contextmanager
def single_blas_thread() -> Iterator[None]:
    """BLAS (numpy's OpenBLAS) on one thread while inside, restored on leaving.

    Users take turns (a lock): the limit is process-wide, and OpenBLAS does not reliably let
    one thread undo what another set. The products inside are memory-bound, so two at once
    on 2 cores would gain little anyway (threadpoolctl picks the BLAS libraries loaded)."""
    global _blas_controller
    with _blas_lock:
        if _blas_controller is None:
            _blas_controller = ThreadpoolController().select(user_api="blas")
        if not _blas_controller:
            yield
            return
        with _blas_controller.limit(limits=1):
            yield


# --- text helpers (pure) --------------------------------------------------------------------

_WORD = re.compile(r"[a-z0-9]+")
_STOP_WORDS = (
    "a an and are as at be by for from get getting how i in into is it my of on or our so "
    "the their to up use using with want better more"
)
_STOP = frozenset(_STOP_WORDS.split())


def _stem(word: str) -> str:
    """A deliberately crude suffix stripper: 'presenting', 'presents' -> 'present'."""
    for suffix, repl in (("sses", "ss"), ("ies", "y"), ("ing", ""), ("ed", ""), ("ss", "ss")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + repl
    if word.endswith("s") and len(word) >= 5:
        return word[:-1]
    return word


def tokens(text: str) -> list[str]:
    """Stage-1 tokens (the tf-idf boost of the dense score): stemmed ASCII words."""
    return [_stem(w) for w in _WORD.findall(text.casefold()) if w not in _STOP]


def _normal(text: str) -> str:
    return " ".join(text.casefold().split())


# --- the index (immutable snapshot; teach/refresh swap in a new one) ------------------------


@dataclass(frozen=True)
class _Lexicon:
    vocab: dict[str, int]
    idf: np.ndarray  # (V,)
    unknown_idf: float


@dataclass(frozen=True)
class _Index:
    ids: list[str]
    labels: list[str]
    is_cluster: np.ndarray  # (N,) bool
    position: dict[str, int]
    names: np.ndarray  # (U, dim) float32: distinct name vectors
    name_vec: np.ndarray  # (R,) vector row of each name; names of one node are contiguous
    name_starts: np.ndarray  # (N,) first row of each node
    name_owner: np.ndarray  # (R,) node of each row
    lex: sparse.csc_matrix  # (R, V) l2-normalised tf-idf of each name row
    lexicon: _Lexicon
    desc: np.ndarray  # (N, dim); zero rows where no description
    has_desc: np.ndarray  # (N,) bool
    taught: np.ndarray  # (T, dim)
    taught_owner: np.ndarray  # (T,)
    taught_lex: sparse.csc_matrix  # (T, V)
    taught_exact: dict[str, int] = field(default_factory=dict)  # normal phrase -> node
    # distinct vectors of a node are contiguous in `names` too (see _dedupe)
    vec_starts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    vec_counts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    row_counts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    basis: np.ndarray | None = None  # (dim, d) principal directions, when pruning
    proj_names: np.ndarray | None = None  # (U, d)
    proj_desc: np.ndarray | None = None  # (N, d)
    resid_names: np.ndarray | None = None  # (U,) length of what the projection misses
    resid_desc: np.ndarray | None = None  # (N,)
    meta: _NodeMeta | None = None  # what the re-ranker reads besides vectors
    adapter: NameAdapter | None = None  # the linear head of the adapted similarity
    adapted_norms: np.ndarray | None = None  # (U,) |v @ W| of each distinct name vector


# Head verbs of skills about teaching others ("teach public speaking principles"), stemmed
# as lex_tokens stems them: a goal to learn something is not a goal to teach it, unless it
# says so ("train new starters", "coaching my team").
TEACHING = frozenset(
    lex_tokens("teach teaching instruct train training tutor educate coach coaching mentor lecture")
)

_REUSE_LEVELS = ("transversal", "cross-sector", "sector-specific", "occupation-specific")
_STATIC: tuple[str, ...] = (
    *("transversal", "cross_sector", "sector_specific", "occupation_specific", "depth"),
    *("knowledge", "cluster"),
)


@dataclass(frozen=True)
class _NodeMeta:
    """Per node (index order): the lexical index and the re-ranker's node-only features."""

    lexical: LexicalIndex
    name_keys: list[frozenset[str]]  # each name's tokens joined by spaces, every language
    label_head: list[str]  # first token of the preferred label ("manage" for manage staff)
    langs: list[frozenset[str]]  # languages/places the English names name
    amb_proper: list[frozenset[str]]  # ambiguous words used as proper nouns ("Polish")
    amb_common: list[frozenset[str]]  # ambiguous words used as common words ("polish")
    static: np.ndarray  # (N, len(_STATIC)) float64
    tier: np.ndarray  # (N,) cluster tier, -1 for skills
    exact: dict[str, list[int]]  # name key -> nodes
    # base language codes ("en", "es") the names are in (labels of imported translations too)
    languages: frozenset[str] = frozenset()


def _names_by_language(node: Skill | SkillCluster) -> list[tuple[str, str]]:
    """(language, text) of every name: label and aliases in the node's language, then the
    labels of other languages (`aliases_by_language`, when the model has them)."""
    own = str(getattr(node, "language", "en") or "en")
    out = [(own, t) for t in names_of(node)]
    by_language: dict[str, list[str]] = getattr(node, "aliases_by_language", None) or {}
    for lang, labels in sorted(by_language.items()):
        out.extend((lang, t.strip()) for t in labels if t.strip())
    return out


def _languages_named(text: str, ambiguous: frozenset[str], *, sentence: bool) -> frozenset[str]:
    """Languages/places (folded) `text` names: an ambiguous word only when capitalised and
    not a sentence-initial verb (see goal_text.lex_tokens)."""
    return frozenset(
        t.lstrip("^")
        for t in lex_tokens(text, ambiguous, sentence=sentence)
        if t.startswith("^") or (t in PROPER_NAMES and t not in ambiguous)
    )


def _node_meta(
    nodes: Sequence[Skill | SkillCluster], hierarchy: Hierarchy, ids: list[str]
) -> _NodeMeta:
    names: list[tuple[int, str, str]] = []
    for i, node in enumerate(nodes):
        names.extend((i, lang, text) for lang, text in _names_by_language(node))
    descs = [(i, n.description.strip()) for i, n in enumerate(nodes) if n.description.strip()]
    own = Counter(str(getattr(n, "language", "en") or "en") for n in nodes)
    lexical = LexicalIndex.build(
        len(nodes), names, descs, description_language=own.most_common(1)[0][0] if own else "en"
    )
    amb = lexical.proper
    keys: list[set[str]] = [set() for _ in nodes]
    english: list[set[str]] = [set() for _ in nodes]
    exact: dict[str, list[int]] = {}
    for (i, lang, _), toks in zip(names, lexical.row_tokens, strict=True):
        key = " ".join(toks)
        if base_language(lang) == "en":
            english[i].update(toks)
        if key and key not in keys[i]:
            keys[i].add(key)
            exact.setdefault(key, []).append(i)
    heads, langs, proper, common = [], [], [], []
    for i, node in enumerate(nodes):
        toks = lex_tokens(node.label, amb, sentence=False)
        heads.append(toks[0] if toks else "")
        langs.append(_languages_named(node.label, amb, sentence=False))
        proper.append(frozenset(t[1:] for t in english[i] if t.startswith("^")))
        common.append(frozenset(t for t in english[i] if t in amb))
    static = np.zeros((len(nodes), len(_STATIC)), dtype=np.float64)
    tier = np.full(len(nodes), -1, dtype=np.int64)
    depth = _depths(hierarchy, ids)
    for i, node in enumerate(nodes):
        reuse = getattr(node, "reuse_level", None)
        reuse = getattr(reuse, "value", reuse)
        if reuse in _REUSE_LEVELS:
            static[i, _REUSE_LEVELS.index(reuse)] = 1.0
        static[i, 4] = min(depth.get(node.id, 0), 10) / 5.0
        if isinstance(node, Skill):
            static[i, 5] = float("knowledge" in node.skill_type.casefold())
        else:
            static[i, 6] = 1.0
            tier[i] = node.tier
    return _NodeMeta(
        lexical=lexical,
        name_keys=[frozenset(k) for k in keys],
        label_head=heads,
        langs=langs,
        amb_proper=proper,
        amb_common=common,
        static=static,
        tier=tier,
        exact=exact,
        languages=frozenset(base_language(lang) for _, lang, _ in names),
    )


def _depths(hierarchy: Hierarchy, ids: Sequence[str]) -> dict[str, int]:
    """Steps from each node up to the top of the hierarchy (shortest way; roots: 0)."""
    memo: dict[str, int] = {}

    def depth(node_id: str, seen: frozenset[str]) -> int:
        if node_id in memo:
            return memo[node_id]
        parents = (
            [p for p in hierarchy.parents(node_id) if p not in seen]
            if (node_id in hierarchy)
            else []
        )
        value = 0 if not parents else 1 + min(depth(p, seen | {node_id}) for p in parents)
        memo[node_id] = value
        return value

    return {node_id: depth(node_id, frozenset()) for node_id in ids}


def _active_nodes(dump: TaxonomyDump) -> list[Skill | SkillCluster]:
    nodes: list[Skill | SkillCluster] = [s for s in dump.skills if s.status == NodeStatus.active]
    nodes.extend(c for c in dump.clusters if c.status == NodeStatus.active)
    return nodes


def names_of(node: Skill | SkillCluster) -> list[str]:
    seen: dict[str, str] = {}
    for text in (node.label, *node.aliases):
        text = text.strip()
        if text:
            seen.setdefault(_normal(text), text)
    return list(seen.values())


def _build_lexicon(name_tokens: Sequence[list[str]]) -> _Lexicon:
    df: dict[str, int] = {}
    for toks in name_tokens:
        for t in set(toks):
            df[t] = df.get(t, 0) + 1
    vocab = {t: i for i, t in enumerate(sorted(df))}
    n = len(name_tokens)
    idf = np.empty(len(vocab), dtype=np.float32)
    for t, i in vocab.items():
        idf[i] = math.log((1 + n) / (1 + df[t])) + 1.0
    return _Lexicon(vocab, idf, math.log(1 + n) + 1.0)


def _lex_rows(lexicon: _Lexicon, name_tokens: Sequence[list[str]]) -> sparse.csc_matrix:
    data: list[float] = []
    cols: list[int] = []
    indptr = [0]
    for toks in name_tokens:
        weights: dict[int, float] = {}
        for t in toks:
            j = lexicon.vocab.get(t)
            if j is not None:
                weights[j] = weights.get(j, 0.0) + float(lexicon.idf[j])
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        for j, w in sorted(weights.items()):
            cols.append(j)
            data.append(w / norm)
        indptr.append(len(cols))
    shape = (len(name_tokens), len(lexicon.vocab))
    csr = sparse.csr_matrix(
        (np.asarray(data, dtype=np.float32), np.asarray(cols, dtype=np.int32), indptr), shape=shape
    )
    return csr.tocsc()


def _query_lex(lexicon: _Lexicon, toks: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Vocabulary columns and weights of the query; unknown words count in the norm only."""
    weights: dict[int, float] = {}
    norm_sq = 0.0
    counts: dict[str, int] = {}
    for t in toks:
        counts[t] = counts.get(t, 0) + 1
    for t, c in counts.items():
        j = lexicon.vocab.get(t)
        w = c * (float(lexicon.idf[j]) if j is not None else lexicon.unknown_idf)
        norm_sq += w * w
        if j is not None:
            weights[j] = w
    norm = math.sqrt(norm_sq) or 1.0
    cols = np.fromiter(weights.keys(), dtype=np.int64, count=len(weights))
    vals = np.fromiter((w / norm for w in weights.values()), dtype=np.float32, count=len(weights))
    return cols, vals


def _lex_scores(matrix: sparse.csc_matrix, cols: np.ndarray, vals: np.ndarray) -> np.ndarray:
    if len(cols) == 0 or matrix.shape[0] == 0:
        return np.zeros(matrix.shape[0], dtype=np.float32)
    out = matrix[:, cols] @ vals
    return np.asarray(out, dtype=np.float32).ravel()


# --- the mapper -----------------------------------------------------------------------------


# The last index built in this process, by (model, dim, config, taxonomy fingerprint):
# immutable, so two mappers of the same taxonomy share it (see GoalMapper._build).
_RECENT_INDEXES = 1
_recent: OrderedDict[tuple[Any, ...], _Index] = OrderedDict()
_recent_lock = threading.Lock()


def forget_built_indexes() -> None:
    """Drop the index kept for reuse, as a new process would start (tests of restarts)."""
    with _recent_lock:
        _recent.clear()


def _fingerprint(nodes: Sequence[Skill | SkillCluster], dump: TaxonomyDump) -> int:
    """A hash of everything the index reads from the taxonomy: active nodes' texts, types,
    reuse levels, tiers, other-language labels, and the broader edges (depth)."""
    return hash(
        (
            tuple(
                (
                    n.id,
                    n.kind,
                    n.label,
                    tuple(n.aliases),
                    n.description,
                    getattr(n, "language", "en"),
                    repr(getattr(n, "aliases_by_language", None)),
                    getattr(n, "skill_type", ""),
                    repr(getattr(n, "reuse_level", None)),
                    getattr(n, "tier", -1),
                )
                for n in nodes
            ),
            tuple((b.child_id, b.parent_id) for b in dump.broader),
        )
    )


class GoalMapper:
    """Maps free text to skills (or, failing that, clusters) of one taxonomy snapshot.

    Thread-safe: `map` reads an immutable index; `teach` and `refresh` build a new one and
    swap it in under a lock.
    """

    def __init__(
        self,
        dump: TaxonomyDump,
        embedder: Embedder,
        *,
        hierarchy: Hierarchy | None = None,
        cache: EmbeddingCache | None = None,
        config: MappingConfig | None = None,
        reranker: RerankModel | None = None,
    ) -> None:
        """`reranker`: the re-ranker's weights (default: the shipped ones)."""
        self.config = config or MappingConfig()
        self.query_embedder = embedder  # goal texts are one-offs: not worth caching on disk
        # one progress bar for all texts to embed when the model shows progress
        self.embedder: Embedder = CachedEmbedder(
            embedder, cache or EmbeddingCache(), progress=bool(getattr(embedder, "progress", False))
        )
        self._lock = threading.Lock()
        self._taught: list[tuple[str, str]] = []
        self.hierarchy = hierarchy or Hierarchy.from_dump(dump)
        self.model = reranker or RerankModel.load()
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._queries_lock = threading.Lock()
        self._index = self._build(dump, self.hierarchy)

    # --- building -----------------------------------------------------------------------------

    def _build(self, dump: TaxonomyDump, hierarchy: Hierarchy) -> _Index:
        """The index of `dump` (taught phrases added); reused when this process built one
        for the same taxonomy, model and config just before (`serve --demo` builds the mapper
        for the demo org and then for the service: the second costs nothing)."""
        nodes = _active_nodes(dump)
        key = (self.embedder.name, self.embedder.dim, self.config, _fingerprint(nodes, dump))
        with _recent_lock:
            index = _recent.get(key)
        if index is None:
            index = self._build_index(dump, hierarchy, nodes)
            with _recent_lock:
                _recent[key] = index
                while len(_recent) > _RECENT_INDEXES:
                    _recent.popitem(last=False)
        kept = [(p, n) for p, n in self._taught if n in index.position]
        return self._with_taught(index, kept)

    def _build_index(
        self, dump: TaxonomyDump, hierarchy: Hierarchy, nodes: list[Skill | SkillCluster]
    ) -> _Index:
        ids = [n.id for n in nodes]
        names_per_node = [names_of(n) for n in nodes]
        name_texts = [t for names in names_per_node for t in names]
        counts = np.fromiter((len(v) for v in names_per_node), dtype=np.int64, count=len(nodes))
        starts = np.zeros(len(nodes), dtype=np.int64)
        if len(nodes) > 1:
            starts[1:] = np.cumsum(counts)[:-1]
        owner = np.repeat(np.arange(len(nodes), dtype=np.int64), counts)
        desc_rows = [i for i, n in enumerate(nodes) if n.description.strip()]
        desc_texts = [nodes[i].description.strip() for i in desc_rows]

        vectors = self.embedder.embed(name_texts + desc_texts)
        dim = self.embedder.dim
        names, name_vec = _dedupe(vectors[: len(name_texts)], starts, self.config.dedupe_cos)
        desc = np.zeros((len(nodes), dim), dtype=np.float32)
        has_desc = np.zeros(len(nodes), dtype=bool)
        if desc_rows:
            desc[desc_rows] = vectors[len(name_texts) :]
            has_desc[desc_rows] = True

        vec_starts = name_vec[starts] if len(starts) else np.zeros(0, dtype=np.int64)
        vec_counts = np.diff(np.append(vec_starts, len(names))).astype(np.int64)
        basis = _principal_basis(names, self.config)
        adapter = NameAdapter.for_model(self.embedder.name, dim)
        name_tokens = [tokens(t) for t in name_texts]
        lexicon = _build_lexicon(name_tokens)
        index = _Index(
            ids=ids,
            labels=[n.label for n in nodes],
            is_cluster=np.array([n.kind == "cluster" for n in nodes], dtype=bool),
            position={node_id: i for i, node_id in enumerate(ids)},
            names=names,
            name_vec=name_vec,
            name_starts=starts,
            name_owner=owner,
            lex=_lex_rows(lexicon, name_tokens),
            lexicon=lexicon,
            desc=desc,
            has_desc=has_desc,
            taught=np.zeros((0, dim), dtype=np.float32),
            taught_owner=np.zeros(0, dtype=np.int64),
            taught_lex=_lex_rows(lexicon, []),
            vec_starts=vec_starts,
            vec_counts=vec_counts,
            row_counts=counts,
            basis=basis,
            proj_names=None if basis is None else np.ascontiguousarray(names @ basis),
            proj_desc=None if basis is None else np.ascontiguousarray(desc @ basis),
            resid_names=None if basis is None else _residual(names, basis),
            resid_desc=None if basis is None else _residual(desc, basis),
            meta=_node_meta(nodes, hierarchy, ids),
            adapter=adapter,
            adapted_norms=adapter.norms(names),
        )
        return index

    def _with_taught(self, index: _Index, taught: list[tuple[str, str]]) -> _Index:
        phrases = [p for p, _ in taught]
        vectors = (
            self.embedder.embed(phrases)
            if phrases
            else np.zeros((0, self.embedder.dim), dtype=np.float32)
        )
        return replace(
            index,
            taught=vectors,
            taught_owner=np.array([index.position[n] for _, n in taught], dtype=np.int64),
            taught_lex=_lex_rows(index.lexicon, [tokens(p) for p in phrases]),
            taught_exact={_normal(p): index.position[n] for p, n in taught},
        )

    @property
    def languages(self) -> frozenset[str]:
        """Base language codes ("en", "es") the taxonomy's names are in: the nodes' own
        language and the labels of every imported translation (`aliases_by_language`)."""
        meta = self._index.meta
        return meta.languages if meta is not None else frozenset()

    def _untaught(self, index: _Index) -> _Index:
        """`index` without the taught phrases (the taxonomy's own names only)."""
        if not len(index.taught_owner):
            return index
        return replace(
            index,
            taught=np.zeros((0, index.taught.shape[1]), dtype=np.float32),
            taught_owner=np.zeros(0, dtype=np.int64),
            taught_lex=_lex_rows(index.lexicon, []),
            taught_exact={},
        )

    def refresh(self, dump: TaxonomyDump, *, hierarchy: Hierarchy | None = None) -> None:
        """Rebuild from a new snapshot; only texts the cache has never seen are embedded."""
        new_hierarchy = hierarchy or Hierarchy.from_dump(dump)
        with self._lock:
            index = self._build(dump, new_hierarchy)
            self.hierarchy = new_hierarchy
            self._index = index

    def teach(self, phrase: str, node_id: str) -> None:
        """From now on `phrase` (and phrases like it) map to `node_id`: a steward said so."""
        phrase = check_text(phrase, "phrase")
        with self._lock:
            index = self._index
            if node_id not in index.position:
                raise NotFound(f"no active taxonomy node {node_id!r} to map a phrase to")
            key = _normal(phrase)
            self._taught = [(p, n) for p, n in self._taught if _normal(p) != key]
            self._taught.append((phrase, node_id))
            self._index = self._with_taught(index, list(self._taught))

    @property
    def taught(self) -> list[tuple[str, str]]:
        return list(self._taught)

    def __len__(self) -> int:
        return len(self._index.ids)

    # --- scoring ------------------------------------------------------------------------------

    def score_all(self, text: str) -> np.ndarray:
        """Score of every indexed node (skills then clusters, `node_ids` order), unweighted."""
        text = check_text(text)
        q = self.query_embedder.embed([text])[0]
        return self._scores(self._index, q, tokens(text), _normal(text))

    def _scores(self, ix: _Index, q: np.ndarray, toks: list[str], normal: str) -> np.ndarray:
        cfg = self.config
        if len(ix.ids) == 0:
            return np.zeros(0, dtype=np.float32)
        q = np.ascontiguousarray(q, dtype=np.float32)
        with single_blas_thread():
            name_cos = ix.names @ q
            desc_cos = ix.desc @ q
            tcos = ix.taught @ q if len(ix.taught_owner) else None
        cols, vals = _query_lex(ix.lexicon, toks)
        cos = name_cos[ix.name_vec]
        lex = _lex_scores(ix.lex, cols, vals)
        # cos + LEX * lex * (1 - cos), in place on the one (R,) array the gather made
        lex *= cfg.lex_weight
        cos += lex * (1.0 - cos)
        name = np.maximum.reduceat(cos, ix.name_starts)
        if tcos is not None:
            tlex = _lex_scores(ix.taught_lex, cols, vals)
            np.maximum.at(name, ix.taught_owner, tcos + cfg.lex_weight * tlex * (1.0 - tcos))
        desc = np.where(ix.has_desc, desc_cos, name - cfg.missing_desc_gap)
        scores = (1.0 - cfg.desc_weight) * name + cfg.desc_weight * desc
        exact = ix.taught_exact.get(normal)
        if exact is not None:  # a steward's word beats any similarity
            np.minimum(scores, 0.999, out=scores)
            scores[exact] = 1.0
        return scores.astype(np.float32, copy=False)

    def _pruned_scores(
        self, ix: _Index, q: np.ndarray, toks: list[str], normal: str, k: int
    ) -> np.ndarray:
        """Exact scores of the nodes that can matter to map(): the best skills by an
        approximate first stage, every cluster, every taught node; -inf for the rest."""
        cfg = self.config
        assert ix.basis is not None and ix.proj_names is not None and ix.proj_desc is not None
        q = np.ascontiguousarray(q, dtype=np.float32)
        cols, vals = _query_lex(ix.lexicon, toks)
        lex = _lex_scores(ix.lex, cols, vals)
        lex *= cfg.lex_weight
        with single_blas_thread():
            pq = q @ ix.basis
            approx_names = ix.proj_names @ pq
            approx_desc = ix.proj_desc @ pq
        if cfg.prune_slack and ix.resid_names is not None and ix.resid_desc is not None:
            slack = cfg.prune_slack * math.sqrt(max(0.0, float(q @ q) - float(pq @ pq)))
            approx_names += slack * ix.resid_names
            approx_desc += slack * ix.resid_desc
        cos = approx_names[ix.name_vec]
        cos += lex * (1.0 - cos)
        name = np.maximum.reduceat(cos, ix.name_starts)
        desc = np.where(ix.has_desc, approx_desc, name - cfg.missing_desc_gap)
        approx = np.where(ix.is_cluster, np.inf, name + cfg.desc_weight * (desc - name))
        approx[ix.taught_owner] = np.inf
        keep = max(cfg.prune_keep, k, cfg.support_top) + int(ix.is_cluster.sum())
        keep += len(ix.taught_owner)
        if keep < len(approx):
            cand = np.sort(np.argpartition(-approx, keep - 1)[:keep])
        else:
            cand = np.arange(len(approx))

        # exact: the candidates' distinct vectors, then their name rows
        vrows, voffs = _ranges(ix.vec_starts[cand], ix.vec_counts[cand])
        rows, roffs = _ranges(ix.name_starts[cand], ix.row_counts[cand])
        with single_blas_thread():
            vcos = ix.names[vrows] @ q
            dcos = ix.desc[cand] @ q
            tcos = ix.taught @ q if len(ix.taught_owner) else None
        node_of_row = np.repeat(np.arange(len(cand)), ix.row_counts[cand])
        local_vec = ix.name_vec[rows] - ix.vec_starts[cand][node_of_row] + voffs[node_of_row]
        rcos = vcos[local_vec]
        lrow = lex[rows]
        rcos += lrow * (1.0 - rcos)
        cname = np.maximum.reduceat(rcos, roffs)
        full_name = np.full(len(ix.ids), -np.inf, dtype=np.float32)
        full_name[cand] = cname
        if tcos is not None:
            tlex = _lex_scores(ix.taught_lex, cols, vals)
            np.maximum.at(full_name, ix.taught_owner, tcos + cfg.lex_weight * tlex * (1.0 - tcos))
        full_desc = np.full(len(ix.ids), -np.inf, dtype=np.float32)
        full_desc[cand] = dcos
        desc = np.where(ix.has_desc, full_desc, full_name - cfg.missing_desc_gap)
        scores = (1.0 - cfg.desc_weight) * full_name + cfg.desc_weight * desc
        exact = ix.taught_exact.get(normal)
        if exact is not None:
            np.minimum(scores, 0.999, out=scores)
            scores[exact] = 1.0
        return scores.astype(np.float32, copy=False)

    @property
    def node_ids(self) -> list[str]:
        return list(self._index.ids)

    @property
    def node_labels(self) -> dict[str, str]:
        """id -> preferred label of every indexed node."""
        return dict(zip(self._index.ids, self._index.labels, strict=True))

    @property
    def skill_ids(self) -> list[str]:
        """Ids of the indexed skills (not clusters), in index order."""
        ix = self._index
        return [i for i, c in zip(ix.ids, ix.is_cluster.tolist(), strict=True) if not c]

    def first_stage(self, text: str, k: int = 10, *, vector: np.ndarray | None = None) -> list[str]:
        """Ids of the k best skills by the first (dense) stage alone, best first: what
        `map` would rank without the goal analysis, the lexical side and the re-ranker (for
        benchmarks: the re-ranker must beat it). `vector`: the embedding of `text` if the
        caller has it. InvalidInput for text `check_text` refuses."""
        text = check_text(text)
        ix = self._index
        q = self._vectors([text], text, vector)[0]
        scores = self._stage1(ix, [q], text, max(k, self.config.dense_candidates))
        return [ix.ids[i] for i in _top(np.where(ix.is_cluster, -np.inf, scores), k)]

    @property
    def threshold(self) -> float:
        """Confidence below which a target falls back to clusters."""
        t = self.config.threshold
        return self.model.threshold if t is None else t

    def map(
        self, text: str, k: int = 5, *, vector: np.ndarray | None = None, taught: bool = True
    ) -> MappingResult:
        """The targets of a goal text and its best k nodes (see MappingResult).

        `vector` is the embedding of `text` if the caller already has it (batch jobs embed
        many texts in one call). `taught=False` maps on the taxonomy alone, without the
        phrases stewards taught from goals (their wording is confidential: a caller who may
        not read those goals must not learn it by probing). InvalidInput for text
        `check_text` refuses or k outside 1..max_k."""
        text = check_text(text)
        if not 1 <= k <= self.config.max_k:
            raise InvalidInput(f"k must be between 1 and {self.config.max_k}, not {k}")
        ix = self._index if taught else self._untaught(self._index)
        if not ix.ids:
            return MappingResult(fell_back=True, reason="the taxonomy has no active nodes")
        if ix.is_cluster.all():  # nothing but clusters: rank them by their own vectors
            q = self._vectors([text], text, vector)[0]
            scores = self._stage1(ix, [q], text, k)
            top = _top(scores, k)
            nodes = [self._node(ix, i, float(scores[i])) for i in top]
            reason = "the taxonomy has no active skills; ranked its clusters"
            target = MappedTarget(text=text, candidates=nodes, fell_back=True, reason=reason)
            return MappingResult(candidates=nodes, targets=[target], fell_back=True, reason=reason)
        meta = ix.meta
        assert meta is not None
        goal = analyse(text, meta.lexical.keep_together)
        if goal.vague:
            return self._vague(ix, goal, k, vector)
        return self._map_goal(ix, goal, k, vector)

    # --- one goal -------------------------------------------------------------------------

    def _map_goal(
        self, ix: _Index, goal: GoalText, k: int, vector: np.ndarray | None
    ) -> MappingResult:
        assert ix.meta is not None
        lexical = ix.meta.lexical
        pieces = [goal.core or goal.text]
        if len(goal.parts) > 1:
            pieces.extend(goal.parts)
        queries = [lexical.query(p) for p in pieces]
        texts: list[str] = []
        for piece, lq in zip(pieces, queries, strict=True):
            texts.append(piece)
            if lq.fixes:
                texts.append(_corrected(piece, lq.fixes))
        vectors = self._vectors(texts, goal.text, vector)
        by_text = dict(zip(texts, vectors, strict=True))
        context = _QueryContext.of(goal, ix, queries[0])
        ranked = []
        for piece, lq in zip(pieces, queries, strict=True):
            qvecs = [by_text[piece]] + ([by_text[_corrected(piece, lq.fixes)]] if lq.fixes else [])
            ranked.append(self._rank_part(ix, piece, lq, qvecs, context, k))
        whole, parts = ranked[0], ranked[1:]
        taught = ix.taught_exact.get(_normal(goal.text))
        if taught is not None:
            whole = whole.taught(taught)
            parts = []
        if parts and self._use_parts(whole, parts):
            targets = [self._target(ix, p, k) for p in parts]
            lead = self._whole_lead(ix, whole, targets)
            return _result(targets, k, lead=lead, language=context.language)
        return _result([self._target(ix, whole, k)], k, language=context.language)

    def _whole_lead(
        self, ix: _Index, whole: _Ranked, targets: list[MappedTarget]
    ) -> MappedNode | None:
        """The whole goal's best skill when the goal was split but that skill is confident
        and at least half as confident as every part's best: it leads the merged candidates
        (before the targets' own best, in target order); the parts keep their own targets.
        ESCO's own wording joins words with "and" inside one skill ("organise and schedule
        workshop activity" is *plan workshop activity*, not "organise" plus a second
        skill); on training-held aliases this turned most queries the split had cost back
        into first places."""
        best = whole.best_skill()
        if best is None or best[1] < self.threshold:
            return None
        if any(t.fell_back or best[1] < 0.5 * t.confidence for t in targets):
            return None
        return self._node(ix, best[0], best[1])

    def _use_parts(self, whole: _Ranked, parts: list[_Ranked]) -> bool:
        """Several targets when every part has a confident best skill of its own, unless the
        whole goal's best skill is at least as confident and covers nearly all its words
        (one skill with 'and' in its name)."""
        best = [p.best_skill() for p in parts]
        if any(b is None or b[1] < self.threshold for b in best):
            return False
        if len({b[0] for b in best if b is not None}) < len(best):
            return False
        w = whole.best_skill()
        if w is None:
            return True
        covered = whole.cov_q_of(w[0]) >= 0.85
        return not (covered and w[1] >= max(b[1] for b in best if b is not None))

    def _target(self, ix: _Index, ranked: _Ranked, k: int) -> MappedTarget:
        best = ranked.best_skill()
        if best is not None and best[1] >= self.threshold:
            top = ranked.order[:k]
            nodes = [self._node(ix, int(i), float(ranked.prob_of(int(i)))) for i in top]
            return MappedTarget(
                text=ranked.text,
                candidates=nodes,
                confidence=round(best[1], 6),
                reason=f"best skill {ix.labels[best[0]]!r} at confidence {best[1]:.2f}",
            )
        if not ix.is_cluster.any():  # nothing to fall back to: the skills, flagged
            top = ranked.order[:k]
            conf = 0.0 if best is None else best[1]
            return MappedTarget(
                text=ranked.text,
                candidates=[self._node(ix, int(i), ranked.prob_of(int(i))) for i in top],
                confidence=round(conf, 6),
                reason=f"best skill at confidence {conf:.2f} (below threshold, no clusters)",
            )
        clusters = self._clusters(ix, ranked.area_scores, self._cluster_k(k), broad=False)
        if best is None:
            why = "no skill matched"
        else:
            why = (
                f"no skill reached confidence {self.threshold:.2f} (best: "
                f"{ix.labels[best[0]]!r} at {best[1]:.2f})"
            )
        label = clusters[0].label if clusters else "none"
        return MappedTarget(
            text=ranked.text,
            candidates=clusters,
            fell_back=True,
            reason=f"{why}; offering broader areas instead, first {label!r}",
        )

    def _cluster_k(self, k: int) -> int:
        return max(self.config.min_clusters, min(k, self.config.max_clusters))

    def _vague(
        self, ix: _Index, goal: GoalText, k: int, vector: np.ndarray | None
    ) -> MappingResult:
        """A goal naming no specific skill: 3-5 broad clusters (tier <= 1 where the taxonomy
        has tiers) the goal's words lean to, for the person to choose from."""
        q = self._vectors([goal.text], goal.text, vector)[0]
        scores = self._stage1(ix, [q], goal.text, self.config.support_top)
        clusters = self._clusters(ix, scores, self._cluster_k(k), broad=True)
        reason = (
            f"the goal {goal.text!r} names no specific skill; choose one of these areas "
            "(or say more about what you want to do better)"
        )
        if not clusters:  # a taxonomy without clusters: its closest skills, flagged vague
            clusters = [self._node(ix, i, float(scores[i])) for i in _top(scores, k)]
            reason += "; the taxonomy has no clusters, so these are its closest skills"
        target = MappedTarget(
            text=goal.text, candidates=clusters, fell_back=bool(ix.is_cluster.any()), reason=reason
        )
        return MappingResult(
            candidates=clusters[:k],
            targets=[target],
            fell_back=target.fell_back,
            vague=True,
            reason=reason,
            language=_QueryContext.of(goal, ix).language,
        )

    # --- retrieval and re-ranking -----------------------------------------------------------

    def _vectors(self, texts: list[str], whole: str, vector: np.ndarray | None) -> np.ndarray:
        """Embeddings of `texts` (one batch for the ones not seen recently); `vector`, when
        given, is the embedding of `whole`."""
        out: list[np.ndarray | None] = []
        todo: list[str] = []
        with self._queries_lock:
            for t in texts:
                if vector is not None and t == whole:
                    out.append(np.asarray(vector, dtype=np.float32))
                    continue
                hit = self._queries.get(t)
                if hit is not None:
                    self._queries.move_to_end(t)
                else:
                    todo.append(t)
                out.append(hit)
        if todo:
            fresh = dict(
                zip(todo, self.query_embedder.embed(list(dict.fromkeys(todo))), strict=False)
            )
            with self._queries_lock:
                for t, v in fresh.items():
                    self._queries[t] = v
                    while len(self._queries) > self.config.query_cache_size:
                        self._queries.popitem(last=False)
            out = [fresh[t] if v is None else v for t, v in zip(texts, out, strict=True)]
        return np.stack([np.asarray(v, dtype=np.float32) for v in out])

    def _stage1(self, ix: _Index, qvecs: Sequence[np.ndarray], text: str, k: int) -> np.ndarray:
        """The dense retrieval score of every node (max over the query's vectors)."""
        toks, normal = tokens(text), _normal(text)
        best: np.ndarray | None = None
        for q in qvecs:
            if ix.basis is not None:
                s = self._pruned_scores(ix, q, toks, normal, k)
            else:
                s = self._scores(ix, q, toks, normal)
            best = s if best is None else np.maximum(best, s)
        assert best is not None
        return best

    def _rank_part(
        self,
        ix: _Index,
        text: str,
        lq: LexicalQuery,
        qvecs: list[np.ndarray],
        context: _QueryContext,
        k: int,
    ) -> _Ranked:
        cfg = self.config
        meta = ix.meta
        assert meta is not None
        stage1 = self._stage1(ix, qvecs, text, max(k, cfg.dense_candidates))
        dense_top = _top(stage1, cfg.dense_candidates)
        hits = meta.lexical.hits(lq)
        lex_top = [i for i in _top(hits.bm25_name, cfg.lexical_candidates) if hits.bm25_name[i] > 0]
        desc_top = [
            i for i in _top(hits.bm25_desc, cfg.description_candidates) if hits.bm25_desc[i] > 0
        ]
        cand = np.asarray(list(dict.fromkeys([*dense_top, *lex_top, *desc_top])), dtype=np.int64)
        x = _features(ix, cand, qvecs, stage1, hits, dense_top, lex_top, lq, text, context)
        prob = self.model.probability(x)
        clash = _clashes(meta, cand, context)
        prob[clash] = 0.0
        order_local = np.lexsort((cand, -prob))
        area_scores = stage1
        if context.language != "en" and len(cand) and float(hits.cov_q[cand].max()) > 0:
            # the dense model reads English only: a foreign goal's areas come from the
            # candidates its words found, by confidence (not from "languages"-like noise)
            area_scores = np.zeros_like(stage1)
            area_scores[cand] = prob
        return _Ranked(
            text=text,
            cand=cand,
            prob=prob,
            cov_q=hits.cov_q[cand],
            order=cand[order_local],
            is_cluster=ix.is_cluster[cand],
            area_scores=area_scores,
            features=x,
        )

    def candidates(self, text: str) -> list[tuple[str, list[str], np.ndarray]]:
        """What the re-ranker sees, for training and inspection: per query piece (the goal
        without boilerplate, then each part when it names several skills), the piece, its
        candidate node ids and their feature rows (C, len(FEATURES))."""
        text = check_text(text)
        ix = self._index
        assert ix.meta is not None
        goal = analyse(text, ix.meta.lexical.keep_together)
        pieces = [goal.core or goal.text, *(goal.parts if len(goal.parts) > 1 else ())]
        queries = [ix.meta.lexical.query(p) for p in pieces]
        context = _QueryContext.of(goal, ix, queries[0])
        out = []
        for piece, lq in zip(pieces, queries, strict=True):
            texts = [piece] + ([_corrected(piece, lq.fixes)] if lq.fixes else [])
            qvecs = list(self._vectors(texts, goal.text, None))
            ranked = self._rank_part(ix, piece, lq, qvecs, context, 5)
            out.append((piece, [ix.ids[int(i)] for i in ranked.cand], ranked.features))
        return out

    def explain(self, text: str, node_id: str) -> dict[str, float]:
        """Feature contributions to the re-ranker's logit for `node_id` as a candidate of
        the (single-part) goal `text`; empty when it is not a candidate."""
        text = check_text(text)
        ix = self._index
        assert ix.meta is not None
        goal = analyse(text, ix.meta.lexical.keep_together)
        piece = goal.core or goal.text
        lq = ix.meta.lexical.query(piece)
        q = self._vectors([piece], text, None)
        ranked = self._rank_part(ix, piece, lq, list(q), _QueryContext.of(goal, ix, lq), 5)
        where = np.flatnonzero(ranked.cand == ix.position.get(node_id, -1))
        if not len(where):
            return {}
        return self.model.explain(ranked.features[int(where[0])])

    def _clusters(self, ix: _Index, scores: np.ndarray, k: int, *, broad: bool) -> list[MappedNode]:
        """The k clusters the best-scoring skills sit under (see module doc: fallback(c));
        `broad` keeps to tier <= 1 where the taxonomy has such clusters."""
        cfg = self.config
        skill_scores = np.where(ix.is_cluster, -np.inf, scores)
        n_skills = int((~ix.is_cluster).sum())
        hits = _top(skill_scores, min(cfg.support_top, n_skills))
        support: dict[int, float] = {}
        total = 0.0
        for s in hits:
            weight = max(float(skill_scores[s]), 0.0)
            total += weight
            for cluster_id, dist in self.hierarchy.ancestors_by_distance(ix.ids[s]).items():
                c = ix.position.get(cluster_id)
                if c is not None and ix.is_cluster[c]:
                    support[c] = support.get(c, 0.0) + weight * cfg.support_decay ** (dist - 1)
        fallback = np.where(ix.is_cluster, scores * 0.5, -np.inf)
        for c, amount in support.items():
            fallback[c] += 0.5 * amount / (total or 1.0)
        if broad and ix.meta is not None:
            tiers = ix.meta.tier
            allowed = ix.is_cluster & (tiers >= 0) & (tiers <= 1)
            if int((allowed & (tiers == 1)).sum()) >= cfg.min_clusters:
                allowed &= tiers == 1
            if allowed.sum() >= min(k, int(ix.is_cluster.sum())):
                fallback = np.where(allowed, fallback, -np.inf)
        return [self._node(ix, i, float(fallback[i])) for i in _top(fallback, k)]

    @staticmethod
    def _node(ix: _Index, i: int, score: float) -> MappedNode:
        kind: Literal["skill", "cluster"] = "cluster" if ix.is_cluster[i] else "skill"
        return MappedNode(id=ix.ids[i], label=ix.labels[i], kind=kind, score=round(score, 6))


# --- re-ranking helpers (pure) ----------------------------------------------------------------


@dataclass(frozen=True)
class _QueryContext:
    """What the whole goal says that every part shares."""

    language: str
    langs: frozenset[str]  # languages/places named (proper sense)
    amb_proper: frozenset[str]
    amb_common: frozenset[str]

    @classmethod
    def of(cls, goal: GoalText, ix: _Index, whole: LexicalQuery | None = None) -> _QueryContext:
        """`whole`: the lexical query of `goal.core or goal.text` when the caller has it
        (it is only needed, and else built, for a goal without function words)."""
        assert ix.meta is not None
        lexical = ix.meta.lexical
        amb = lexical.proper
        toks = set(lex_tokens(goal.text, amb))
        language = function_word_language(goal.text)
        if language is None:  # no function word: the words themselves tell
            if whole is None:
                whole = lexical.query(goal.core or goal.text)
            language = lexical.language_of(whole) or goal.language
        return cls(
            language=language,
            langs=_languages_named(goal.text, amb, sentence=True),
            amb_proper=frozenset(t[1:] for t in toks if t.startswith("^")),
            amb_common=frozenset(t for t in toks if t in amb),
        )


@dataclass(frozen=True)
class _Ranked:
    """One query part's candidates, their confidences, and what its fall-back areas come from."""

    text: str
    cand: np.ndarray  # (C,) node indices
    prob: np.ndarray  # (C,)
    cov_q: np.ndarray  # (C,)
    order: np.ndarray  # (C,) node indices, best first
    is_cluster: np.ndarray  # (C,)
    # (N,) what a fall-back's clusters are chosen by: the dense scores, or for a foreign
    # goal the candidates' confidences
    area_scores: np.ndarray
    features: np.ndarray  # (C, F)

    def prob_of(self, node: int) -> float:
        return float(self.prob[np.flatnonzero(self.cand == node)[0]])

    def cov_q_of(self, node: int) -> float:
        return float(self.cov_q[np.flatnonzero(self.cand == node)[0]])

    def best_skill(self) -> tuple[int, float] | None:
        """(node, confidence) of the most confident skill candidate."""
        for i in self.order:
            j = int(np.flatnonzero(self.cand == i)[0])
            if not self.is_cluster[j]:
                return int(i), float(self.prob[j])
        return None

    def taught(self, node: int) -> _Ranked:
        """The same with `node` (a steward's mapping of this very text) first at 1.0."""
        cand = self.cand if node in self.cand else np.append(self.cand, node)
        prob = np.minimum(np.append(self.prob, 0.0)[: len(cand)], 0.999)
        prob[np.flatnonzero(cand == node)[0]] = 1.0
        is_cluster = np.append(self.is_cluster, False)[: len(cand)]
        order = cand[np.lexsort((cand, -prob))]
        return replace(
            self,
            cand=cand,
            prob=prob,
            order=order,
            is_cluster=is_cluster,
            cov_q=np.append(self.cov_q, 1.0)[: len(cand)],
        )


def _corrected(text: str, fixes: dict[str, str]) -> str:
    """`text` with each misspelt word replaced by the known word it was matched to."""
    out = []
    for w in words(text):
        f = fold(w)
        stemmed = lex_tokens(w, sentence=False)
        key = stemmed[0] if stemmed else f
        out.append(fixes.get(key, w))
    return " ".join(out)


def _features(
    ix: _Index,
    cand: np.ndarray,
    qvecs: list[np.ndarray],
    stage1: np.ndarray,
    hits: Any,
    dense_top: list[int],
    lex_top: list[int],
    lq: LexicalQuery,
    text: str,
    context: _QueryContext,
) -> np.ndarray:
    """(C, len(FEATURES)) features of the candidates (see taxonomy.rerank)."""
    meta = ix.meta
    assert meta is not None
    f = {name: i for i, name in enumerate(FEATURES)}
    x = np.zeros((len(cand), len(FEATURES)), dtype=np.float64)
    if not len(cand):
        return x
    qmat = np.stack(qvecs).astype(np.float32)  # (Q, dim)
    vrows, voffs = _ranges(ix.vec_starts[cand], ix.vec_counts[cand])
    with single_blas_thread():
        vcos = (ix.names[vrows] @ qmat.T).max(axis=1)
        label_cos = (ix.names[ix.name_vec[ix.name_starts[cand]]] @ qmat.T).max(axis=1)
        desc_cos = (ix.desc[cand] @ qmat.T).max(axis=1)
        tcos = (ix.taught @ qmat.T).max(axis=1) if len(ix.taught_owner) else None
    dense_name = np.maximum.reduceat(vcos, voffs) if len(vcos) else np.zeros(len(cand))
    adapted = _adapted_name(ix, cand, qmat, vrows, voffs)
    if tcos is not None:  # a taught phrase counts as a name (plain cosine in both)
        pos = {int(c): j for j, c in enumerate(cand)}
        for owner, value in zip(ix.taught_owner.tolist(), tcos.tolist(), strict=True):
            j = pos.get(owner)
            if j is not None:
                dense_name[j] = max(dense_name[j], value)
                adapted[j] = max(adapted[j], value)
    has_desc = ix.has_desc[cand]
    s1 = np.where(np.isfinite(stage1[cand]), stage1[cand], 0.0)
    x[:, f["dense_score"]] = s1
    x[:, f["dense_score_gap"]] = s1 - s1.max()
    x[:, f["dense_name"]] = dense_name
    x[:, f["dense_label"]] = label_cos
    x[:, f["dense_desc"]] = np.where(has_desc, desc_cos, 0.0)
    x[:, f["has_desc"]] = has_desc
    x[:, f["dense_gap"]] = dense_name - dense_name.max()
    x[:, f["adapted_name"]] = adapted
    x[:, f["adapted_gap"]] = adapted - adapted.max()

    bm = hits.bm25_name[cand]
    x[:, f["bm25_name"]] = bm / bm.max() if bm.max() > 0 else 0.0
    bd = hits.bm25_desc[cand]
    x[:, f["bm25_desc"]] = bd / bd.max() if bd.max() > 0 else 0.0
    x[:, f["cov_q"]] = hits.cov_q[cand]
    x[:, f["cov_d"]] = hits.cov_d[cand]
    x[:, f["foreign_name"]] = hits.foreign[cand]
    qtoks = meta.lexical.tokens(text)
    qkey = " ".join(qtoks)
    padded = f" {qkey} "
    qset = set(qtoks) | {t.lstrip("^") for t in qtoks}
    for j, c in enumerate(cand.tolist()):
        keys = meta.name_keys[c]
        x[j, f["exact"]] = qkey in keys
        x[j, f["phrase"]] = any(f" {key} " in padded for key in keys)
        x[j, f["head_verb"]] = meta.label_head[c] in qset
        x[j, f["teach_other"]] = meta.label_head[c] in TEACHING and not (qset & TEACHING)
        langs = meta.langs[c]
        x[j, f["lang_match"]] = bool(langs & context.langs)
        x[j, f["lang_other"]] = bool(langs) and not (langs & context.langs) and bool(context.langs)
    x[:, f["transversal"] : f["cluster"] + 1] = meta.static[cand]
    rank_dense = {c: r for r, c in enumerate(dense_top)}
    rank_lex = {c: r for r, c in enumerate(lex_top)}
    x[:, f["rank_dense"]] = [math.log1p(rank_dense.get(c, ABSENT_RANK)) for c in cand.tolist()]
    x[:, f["rank_lex"]] = [math.log1p(rank_lex.get(c, ABSENT_RANK)) for c in cand.tolist()]
    n_words = len(qtoks)
    foreign = float(context.language != "en")
    x[:, f["q_words"]] = min(n_words / 5.0, 1.0)
    x[:, f["q_unknown"]] = lq.unknown / max(n_words, 1)
    x[:, f["q_foreign"]] = foreign
    x[:, f["q_foreign_dense"]] = foreign * dense_name
    x[:, f["q_foreign_cov"]] = foreign * hits.cov_q[cand]
    return x


def _adapted_name(
    ix: _Index, cand: np.ndarray, qmat: np.ndarray, vrows: np.ndarray, voffs: np.ndarray
) -> np.ndarray:
    """(C,) each candidate's best adapted cosine (taxonomy.adapter) over its distinct name
    vectors `vrows` (candidate j's run starts at voffs[j]), best over the query vectors."""
    n = len(cand)
    if not len(vrows) or ix.adapter is None or ix.adapted_norms is None:
        return np.zeros(n)
    amat = np.stack([ix.adapter.query(q) for q in qmat])  # (Q, dim)
    with single_blas_thread():
        acos = (ix.names[vrows] @ amat.T).max(axis=1)
    acos /= np.maximum(ix.adapted_norms[vrows], 1e-9)
    out: np.ndarray = np.maximum.reduceat(acos, voffs).astype(np.float64)
    return out


def _clashes(meta: _NodeMeta, cand: np.ndarray, context: _QueryContext) -> np.ndarray:
    """Candidates whose names use an ambiguous word in the other sense than the goal does
    ('write Polish' for 'polish my slides'): never offered."""
    q_common = context.amb_common - context.amb_proper
    q_proper = context.amb_proper - context.amb_common
    if not q_common and not q_proper:
        return np.zeros(len(cand), dtype=bool)
    return np.array(
        [
            bool(meta.amb_proper[c] & q_common) or bool(meta.amb_common[c] & q_proper)
            for c in cand.tolist()
        ],
        dtype=bool,
    )


def _result(
    targets: list[MappedTarget], k: int, lead: MappedNode | None = None, language: str | None = None
) -> MappingResult:
    """Targets merged into one best-first list of at most k nodes (see MappingResult);
    `lead`, when given, first (the whole goal's best skill, see GoalMapper._whole_lead)."""
    if lead is not None:  # the same node as a part's own candidate keeps the higher score
        best = max(
            (c.score for t in targets for c in t.candidates if c.id == lead.id),
            default=lead.score,
        )
        lead = lead.model_copy(update={"score": max(lead.score, best)})
    merged: dict[str, MappedNode] = {} if lead is None else {lead.id: lead}
    for t in targets:
        if t.candidates:
            merged.setdefault(t.candidates[0].id, t.candidates[0])
    rest = sorted((c for t in targets for c in t.candidates[1:]), key=lambda c: (-c.score, c.id))
    for c in rest:
        merged.setdefault(c.id, c)
    fell_back = all(t.fell_back for t in targets)
    reason = (
        "; ".join(f"{t.text!r}: {t.reason}" for t in targets)
        if len(targets) > 1
        else (targets[0].reason if targets else "")
    )
    return MappingResult(
        candidates=list(merged.values())[:k],
        targets=targets,
        fell_back=fell_back,
        reason=reason,
        language=language,
    )


def _top(scores: np.ndarray, k: int) -> list[int]:
    """Indices of the k highest finite scores, best first (ties by index)."""
    finite = np.isfinite(scores)
    k = min(k, int(finite.sum()))
    if k <= 0:
        return []
    part = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    order = sorted(part.tolist(), key=lambda i: (-float(scores[i]), i))
    return [i for i in order if np.isfinite(scores[i])][:k]


def _ranges(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Concatenated ranges starts[i]..starts[i]+counts[i], and where each begins in the
    result."""
    offs = np.zeros(len(counts), dtype=np.int64)
    if len(counts) > 1:
        np.cumsum(counts[:-1], out=offs[1:])
    total = int(counts.sum())
    idx = np.arange(total, dtype=np.int64) + np.repeat(starts - offs, counts)
    return idx, offs


def _principal_basis(names: np.ndarray, cfg: MappingConfig) -> np.ndarray | None:
    """For a big index, the first stage's projection: the top `prune_dims` principal
    directions of the name vectors (uncentred: a dot product is what must survive)."""
    d = cfg.prune_dims
    if len(names) < cfg.prune_min_names or not 0 < d < names.shape[1]:
        return None
    wide = names.astype(np.float64)
    _, eigvecs = np.linalg.eigh(wide.T @ wide)  # ascending eigenvalues
    return np.ascontiguousarray(eigvecs[:, ::-1][:, :d], dtype=np.float32)


def _residual(vectors: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """Per row, the length of the part of the vector outside the basis' span."""
    kept = vectors @ basis
    sq = np.einsum("ij,ij->i", vectors, vectors) - np.einsum("ij,ij->i", kept, kept)
    out: np.ndarray = np.sqrt(np.maximum(sq, 0.0)).astype(np.float32)
    return out


def _dedupe(vectors: np.ndarray, starts: np.ndarray, limit: float) -> tuple[np.ndarray, np.ndarray]:
    """Distinct vectors and, per input row, the row of its representative: within one node
    (rows starts[i]..starts[i+1]), a vector at cosine >= `limit` to an earlier kept one of
    the same node is represented by the closest kept one."""
    ends = [*starts[1:].tolist(), len(vectors)] if len(starts) else []  # no nodes, no rows
    keep: list[int] = []
    rep = np.empty(len(vectors), dtype=np.int64)
    for a, b in zip(starts.tolist(), ends, strict=True):
        if b - a == 1 or limit > 1.0:
            rep[a:b] = np.arange(len(keep), len(keep) + b - a)
            keep.extend(range(a, b))
            continue
        gram = vectors[a:b] @ vectors[a:b].T
        local: list[int] = []  # kept rows of this node, relative to a
        for i in range(b - a):
            if local:
                sims = gram[i, local]
                j = int(np.argmax(sims))
                if sims[j] >= limit:
                    rep[a + i] = len(keep) - len(local) + j
                    continue
            rep[a + i] = len(keep)
            local.append(i)
            keep.append(a + i)
    return np.ascontiguousarray(vectors[keep], dtype=np.float32), rep
