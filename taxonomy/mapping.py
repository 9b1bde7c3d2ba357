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
from vectors projected onto the top `prune_dims` (96) principal directions of the name
vectors (a quarter of the memory to read; each projected cosine raised by half its
Cauchy-Schwarz error bound), then only the `prune_keep` (1,500) best skills, every cluster
and every taught node are scored exactly; the rest are out of the running (-inf). On 2,000
held-out ESCO aliases every query's exact top-20 was among the candidates (no slack and
1,000 kept: one query lost its rank-9 node; 64 dims: four did). benchmarks/bench_mapping.py
prints the comparison with one-stage scoring. `score_all` stays one-stage and exact.
"""

from __future__ import annotations

import math
import re
import threading
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
from taxonomy.embedding import Embedder
from taxonomy.embedding_cache import CachedEmbedder, EmbeddingCache

MAX_TEXT_CHARS = 2000


# --- public shapes --------------------------------------------------------------------------


class MappedNode(BaseModel):
    id: str
    label: str
    kind: Literal["skill", "cluster"]
    score: float


class MappingResult(BaseModel):
    candidates: list[MappedNode] = Field(default_factory=list)
    fell_back: bool = False
    reason: str = ""


@dataclass(frozen=True)
class MappingConfig:
    threshold: float = 0.45  # below this best skill score, fall back to clusters
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
    prune_dims: int = 96
    prune_keep: int = 1500
    # First-stage optimism: each projected cosine is raised by this many times
    # |query residual| * |vector residual| (its Cauchy-Schwarz error bound), so vectors the
    # projection describes badly are not dropped for it.
    prune_slack: float = 0.5


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
    return [_stem(w) for w in _WORD.findall(text.casefold()) if w not in _STOP]


def check_text(text: object, what: str = "goal text") -> str:
    """The text stripped, or InvalidInput saying why it cannot be mapped."""
    if not isinstance(text, str):
        raise InvalidInput(f"{what} must be a string, not {type(text).__name__}")
    stripped = text.strip()
    if not stripped:
        raise InvalidInput(f"{what} is empty; say in a few words what you want to learn")
    if len(stripped) > MAX_TEXT_CHARS:
        raise InvalidInput(
            f"{what} is {len(stripped)} characters long; at most {MAX_TEXT_CHARS} can be mapped"
        )
    return stripped


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


def _active_nodes(dump: TaxonomyDump) -> list[Skill | SkillCluster]:
    nodes: list[Skill | SkillCluster] = [s for s in dump.skills if s.status == NodeStatus.active]
    nodes.extend(c for c in dump.clusters if c.status == NodeStatus.active)
    return nodes


def _names_of(node: Skill | SkillCluster) -> list[str]:
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
    ) -> None:
        self.config = config or MappingConfig()
        self.query_embedder = embedder  # goal texts are one-offs: not worth caching on disk
        self.embedder: Embedder = CachedEmbedder(embedder, cache or EmbeddingCache())
        self._lock = threading.Lock()
        self._taught: list[tuple[str, str]] = []
        self.hierarchy = hierarchy or Hierarchy.from_dump(dump)
        self._index = self._build(dump)

    # --- building -----------------------------------------------------------------------------

    def _build(self, dump: TaxonomyDump) -> _Index:
        nodes = _active_nodes(dump)
        ids = [n.id for n in nodes]
        names_per_node = [_names_of(n) for n in nodes]
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
        )
        kept = [(p, n) for p, n in self._taught if n in index.position]
        return self._with_taught(index, kept)

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

    def refresh(self, dump: TaxonomyDump, *, hierarchy: Hierarchy | None = None) -> None:
        """Rebuild from a new snapshot; only texts the cache has never seen are embedded."""
        new_hierarchy = hierarchy or Hierarchy.from_dump(dump)
        with self._lock:
            index = self._build(dump)
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

    def map(self, text: str, k: int = 5, *, vector: np.ndarray | None = None) -> MappingResult:
        """Best k nodes for `text`. `vector` is the text's embedding if the caller already has
        it (batch jobs embed many texts in one call)."""
        text = check_text(text)
        if not 1 <= k <= self.config.max_k:
            raise InvalidInput(f"k must be between 1 and {self.config.max_k}, not {k}")
        ix = self._index
        if not ix.ids:
            return MappingResult(fell_back=True, reason="the taxonomy has no active nodes")
        q = self.query_embedder.embed([text])[0] if vector is None else vector
        if ix.basis is not None:
            scores = self._pruned_scores(ix, q, tokens(text), _normal(text), k)
        else:
            scores = self._scores(ix, q, tokens(text), _normal(text))
        skill_scores = np.where(ix.is_cluster, -np.inf, scores)
        best_skill = int(np.argmax(skill_scores))
        best = float(skill_scores[best_skill])
        if ix.is_cluster.all():  # nothing but clusters: rank them by their own vectors
            top = _top(scores, k)
            return MappingResult(
                candidates=[self._node(ix, i, float(scores[i])) for i in top],
                fell_back=True,
                reason="the taxonomy has no active skills; ranked its clusters",
            )
        if best >= self.config.threshold or not ix.is_cluster.any():
            ranked = np.where(ix.is_cluster, scores * self.config.cluster_factor, scores)
            top = _top(ranked, k)
            low = "" if best >= self.config.threshold else " (below threshold, no clusters)"
            return MappingResult(
                candidates=[self._node(ix, i, float(ranked[i])) for i in top],
                reason=f"best skill {ix.labels[best_skill]!r} scored {best:.2f}{low}",
            )
        return self._fall_back(ix, scores, skill_scores, best_skill, k)

    def _fall_back(
        self,
        ix: _Index,
        scores: np.ndarray,
        skill_scores: np.ndarray,
        best_skill: int,
        k: int,
    ) -> MappingResult:
        cfg = self.config
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
        top = _top(fallback, k)
        best = float(skill_scores[best_skill])
        best_cluster = ix.labels[top[0]]
        return MappingResult(
            candidates=[self._node(ix, i, float(fallback[i])) for i in top],
            fell_back=True,
            reason=(
                f"no skill scored at least {cfg.threshold:.2f} (best: "
                f"{ix.labels[best_skill]!r} at {best:.2f}); mapped to the broader area "
                f"{best_cluster!r} instead"
            ),
        )

    @staticmethod
    def _node(ix: _Index, i: int, score: float) -> MappedNode:
        kind: Literal["skill", "cluster"] = "cluster" if ix.is_cluster[i] else "skill"
        return MappedNode(id=ix.ids[i], label=ix.labels[i], kind=kind, score=round(score, 6))


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
