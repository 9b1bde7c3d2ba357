"""Lexical index over taxonomy names (every language) and descriptions: BM25 + typo tolerance.

Documents are *name rows* (a node's label, each alias, and each label in another language,
tagged with its language) and *description rows* (one per node that has one). Tokens come
from `taxonomy.goal_text.lex_tokens` (folded, stemmed, function words of en/de/es/fr
dropped), so one index serves goals in any imported language; the dense model reads English
only, so for a Spanish or French goal this index is what finds the skill.

Scores for a query with terms t (each counted once):

    bm25(d)  = sum_t idf(t) * f(t,d) * (K1 + 1) / (f(t,d) + K1 * (1 - B + B * |d| / avgdl))
    idf(t)   = ln(1 + (N - df(t) + 0.5) / (df(t) + 0.5))          (N rows of that kind)
    cov_q(d) = sum_{t in q and d} idf(t) / sum_{t in q} idf(t)     share of the query matched
    cov_d(d) = sum_{t in q and d} idf(t) / sum_{t in d} idf(t)     share of the name matched

A query word the index does not know (a typo: "negotation") is replaced by a known word
of about the same length (+-2 letters) with many character trigrams in common (Dice
coefficient at least `TYPO_DICE`, 0.5; "pubic" -> "public" is 0.55) and at most two edits
away (one for words of 7 letters or fewer); the replacement counts at the query term's
weight times that Dice. A word only descriptions use is replaced only by a form of itself.

Case: a word the taxonomy uses both as a proper noun from `PROPER_NAMES` (languages and
places: "write Polish") and as a common word ("polish stones") is indexed as two terms,
`^polish` and `polish`, and a goal's word is read by its case (see `lex_tokens`).

Language: each term remembers the languages of the rows that use it (descriptions count as
`description_language`); `language_of` reads a query's language from its words when it
has no function words ("gestionar proyectos" uses words only Spanish names use).

`keep_together` lists the "left and right" triples found inside names ("health and
safety"), so that `goal_text.split_parts` does not split a goal there.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz.distance import OSA
from scipy import sparse

from taxonomy.goal_text import fold, lex_pairs, lex_tokens, word_set, words

K1 = 1.2
B = 0.75
TYPO_DICE = 0.5
_MIN_TYPO_LEN = 4
# A typo changes a word's length by a letter or two; more is another word ("Zeitmanagement"
# is not a misspelt "management").
_MAX_TYPO_LEN_CHANGE = 2
# ...and is at most two edits away (one for words of 7 letters or fewer: optimal string
# alignment distance, a swap of neighbours counting one), which keeps a real word the
# names do not use from being "fixed" into another one ("interpersonal" is not a slip of
# "international", nor the French "gestion" of "gestation", though their trigrams overlap
# enough); the closest of the `_TYPO_SHORTLIST` words with the most trigrams in common wins.
_VARIANT_PREFIX = 5
_MAX_TYPO_EDITS = 2
_ONE_EDIT_MAX_LEN = 7
_TYPO_SHORTLIST = 8

# Names of languages and places that are also ordinary words in some taxonomy label.
PROPER_NAMES = frozenset(
    fold(w)
    for w in word_set(
        "English French German Spanish Polish Italian Portuguese Dutch Swedish Danish "
        "Norwegian Finnish Greek Turkish Russian Chinese Mandarin Cantonese Japanese Korean "
        "Arabic Hebrew Hindi Czech Slovak Hungarian Romanian Bulgarian Croatian Serbian "
        "Slovenian Estonian Latvian Lithuanian Irish Welsh Maltese Icelandic Ukrainian Latin "
        "Basque Catalan Galician Persian Urdu Bengali Thai Vietnamese Indonesian Malay Swahili "
        "Turkey China Jersey Guernsey Nice Reading Bath Chile Jordan Georgia Guinea Java Cork "
        "Split Mobile Phoenix Buffalo Lincoln Victoria Wales Flemish Scots Gaelic"
    )
)
_CONJUNCTIONS = ("and", "y", "et", "und", "&")
_PROPER_RE = re.compile(r"(?i)\b(?:" + "|".join(sorted(PROPER_NAMES)) + r")\b")


@dataclass(frozen=True)
class LexicalQuery:
    """A query's vocabulary columns with weights (idf, times the Dice of a typo fix)."""

    cols: np.ndarray  # (m,) int64
    weights: np.ndarray  # (m,) float32
    total_weight: float  # sum of idf over every query term, unknown words included
    unknown: int  # query terms neither known nor fixed
    fixes: dict[str, str]  # misspelt token -> the name word it was matched to


@dataclass(frozen=True)
class LexicalHits:
    """Per node (N,): best BM25 / cov_q / cov_d over its name rows, BM25 of its description,
    whether the best-covering name is not English, and the row behind cov_q."""

    bm25_name: np.ndarray
    bm25_desc: np.ndarray
    cov_q: np.ndarray
    cov_d: np.ndarray
    foreign: np.ndarray  # bool
    best_row: np.ndarray  # int64, -1 where no name matched


def _bm25_matrix(
    token_lists: Sequence[list[str]], vocab: dict[str, int]
) -> tuple[sparse.csr_matrix, sparse.csr_matrix, np.ndarray, np.ndarray]:
    """(BM25 doc weights without idf, presence*idf, idf, idf mass per row) for documents."""
    n, v = len(token_lists), max(len(vocab), 1)
    lengths = np.fromiter((len(t) for t in token_lists), dtype=np.float64, count=n)
    flat_rows = np.repeat(np.arange(n, dtype=np.int64), lengths.astype(np.int64))
    flat_cols = np.fromiter(
        (vocab[t] for toks in token_lists for t in toks), dtype=np.int64, count=len(flat_rows)
    )
    pairs, counts = np.unique(flat_rows * v + flat_cols, return_counts=True)
    r_arr, c_arr = pairs // v, pairs % v
    tf = counts.astype(np.float64)
    df = np.bincount(c_arr, minlength=len(vocab)).astype(np.float64)
    idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
    avgdl = float(lengths.mean()) if n and lengths.sum() else 1.0
    denom = tf + K1 * (1 - B + B * lengths[r_arr] / avgdl)
    weight = (tf * (K1 + 1) / denom).astype(np.float32)
    shape = (n, len(vocab))
    bm = sparse.csr_matrix((weight, (r_arr, c_arr)), shape=shape, dtype=np.float32)
    present = sparse.csr_matrix(
        (idf[c_arr], (r_arr, c_arr)),
        shape=shape,
        dtype=np.float32,
    )
    mass = np.asarray(present.sum(axis=1), dtype=np.float32).ravel()
    return bm, present, idf, mass


def _trigrams(word: str) -> list[str]:
    padded = f"#{word}#"
    return [padded[i : i + 3] for i in range(len(padded) - 2)]


@dataclass(frozen=True)
class LexicalIndex:
    n_nodes: int
    vocab: dict[str, int]
    proper: frozenset[str]
    keep_together: frozenset[str]
    name_owner: np.ndarray  # (R,) node of each name row
    name_foreign: np.ndarray  # (R,) bool: row's language is not English
    name_bm25: sparse.csc_matrix  # (R, V) BM25 doc weights
    name_present: sparse.csc_matrix  # (R, V) idf where the term occurs
    name_idf: np.ndarray  # (V,)
    name_mass: np.ndarray  # (R,) sum of idf of the row's terms
    desc_owner: np.ndarray  # (D,)
    desc_bm25: sparse.csc_matrix  # (D, V)
    desc_idf: np.ndarray  # (V,)
    tri_vocab: dict[str, int]
    tri_matrix: sparse.csc_matrix  # (W, T) binary: trigrams of each word names use
    tri_counts: np.ndarray  # (W,) trigrams per word
    tri_words: list[str]  # (W,) the words (folded, as written in names)
    tri_lengths: np.ndarray  # (W,) their lengths
    tri_term: np.ndarray  # (W,) the vocabulary term of each word
    name_df: np.ndarray  # (V,) name rows using each term (0: descriptions only)
    vocab_words: list[str]
    vocab_surface: list[str]  # a word as written in a name for each term (typo fixes)
    row_tokens: list[list[str]]  # (R,) the tokens of each name row
    term_languages: list[frozenset[str]]  # (V,) base languages of the rows using each term

    @classmethod
    def build(
        cls,
        n_nodes: int,
        names: Sequence[tuple[int, str, str]],
        descriptions: Sequence[tuple[int, str]],
        description_language: str = "en",
    ) -> LexicalIndex:
        """Index `names` as (node, language code, text) and `descriptions` as (node, text),
        the descriptions written in `description_language`."""
        proper = _ambiguous_proper_names([t for _, _, t in names])
        surface: dict[str, str] = {}
        word_term: dict[str, str] = {}  # folded word as names write it -> its term
        name_toks = []
        for _, _, text in names:
            pairs = lex_pairs(text, proper, sentence=False)
            for token, word in pairs:
                surface.setdefault(token, word)
                word_term.setdefault(word, token)
            name_toks.append([t for t, _ in pairs])
        desc_toks = [lex_tokens(t, proper) for _, t in descriptions]
        terms = dict.fromkeys(itertools.chain.from_iterable((*name_toks, *desc_toks)))
        vocab = {t: i for i, t in enumerate(terms)}
        nb, npres, nidf, nmass = _bm25_matrix(name_toks, vocab)
        db, _, didf, _ = _bm25_matrix(desc_toks, vocab)
        vocab_words = [""] * len(vocab)
        for t, j in vocab.items():
            vocab_words[j] = t
        surfaces = [surface.get(t, t.lstrip("^")) for t in vocab_words]
        # typo candidates: the words names are written with (unstemmed, so "lerning" meets
        # "learning"), each standing for its term
        spelled = [w for w in word_term if len(w) >= _MIN_TYPO_LEN and w.isalpha()]
        tri_vocab: dict[str, int] = {}
        rows, cols = [], []
        counts = np.zeros(len(spelled), dtype=np.float32)
        for j, w in enumerate(spelled):
            grams = set(_trigrams(w))
            counts[j] = len(grams)
            for g in grams:
                rows.append(j)
                cols.append(tri_vocab.setdefault(g, len(tri_vocab)))
        tri = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)),
            shape=(len(spelled), len(tri_vocab)),
        ).tocsc()
        spelled_term = np.fromiter((vocab[word_term[w]] for w in spelled), dtype=np.int64)
        languages: list[set[str]] = [set() for _ in vocab]
        for (_, lang, _), toks in zip(names, name_toks, strict=True):
            base = base_language(lang)
            for t in toks:
                languages[vocab[t]].add(base)
        own = base_language(description_language)
        for toks in desc_toks:
            for t in toks:
                languages[vocab[t]].add(own)
        return cls(
            n_nodes=n_nodes,
            vocab=vocab,
            proper=proper,
            keep_together=_and_phrases([t for _, _, t in names]),
            name_owner=np.fromiter((o for o, _, _ in names), dtype=np.int64, count=len(names)),
            name_foreign=np.fromiter(
                (base_language(lang) != "en" for _, lang, _ in names), dtype=bool, count=len(names)
            ),
            name_bm25=nb.tocsc(),
            name_present=npres.tocsc(),
            name_idf=nidf,
            name_mass=nmass,
            desc_owner=np.fromiter((o for o, _ in descriptions), dtype=np.int64),
            desc_bm25=db.tocsc(),
            desc_idf=didf,
            tri_vocab=tri_vocab,
            tri_matrix=tri,
            tri_counts=counts,
            tri_words=spelled,
            tri_lengths=np.fromiter((len(w) for w in spelled), dtype=np.int64),
            tri_term=spelled_term,
            name_df=np.diff(nb.tocsc().indptr).astype(np.int64),
            vocab_words=vocab_words,
            vocab_surface=surfaces,
            row_tokens=name_toks,
            term_languages=[frozenset(x) for x in languages],
        )

    # --- queries ------------------------------------------------------------------------------

    def tokens(self, text: str) -> list[str]:
        return lex_tokens(text, self.proper)

    def query(self, text: str) -> LexicalQuery:
        """The query's known terms; a word the index does not know at all (a typo) is
        replaced by the name word closest in character trigrams, if close enough. A word
        only descriptions use is a real word the names lack: it is replaced only by a form
        of itself ("listener" -> "listen": the first `_VARIANT_PREFIX` letters the same),
        never by another word ("rocket" is no slip of "socket")."""
        weights: dict[int, float] = {}
        fixes: dict[str, str] = {}
        unknown = 0
        total = 0.0
        default_idf = float(self.name_idf.max()) if len(self.name_idf) else 1.0
        for t, word in dict(lex_pairs(text, self.proper)).items():
            j = self.vocab.get(t)
            if j is None and t.startswith("^"):  # a proper noun the names never use as such
                j = self.vocab.get(t[1:])
            dice = 1.0
            if j is None or self.name_df[j] == 0:
                fixed = self._closest(word, variant_only=j is not None)
                if fixed is not None:
                    j, dice, fixes[t] = fixed
            if j is None:
                unknown += 1
                total += default_idf
                continue
            w = float(self.name_idf[j])
            total += w
            weights[j] = max(weights.get(j, 0.0), w * dice)
        cols = np.fromiter(weights.keys(), dtype=np.int64, count=len(weights))
        vals = np.fromiter(weights.values(), dtype=np.float32, count=len(weights))
        return LexicalQuery(cols, vals, total, unknown, fixes)

    def language_of(self, q: LexicalQuery) -> str | None:
        """The language a query's words are in, by the names that use them: the language
        (not English) whose own words carry more idf weight than the words English names or
        descriptions use, else "en" when English words are there, else None. Only words
        the index knows as written count (a typo fix proves nothing)."""
        weight: dict[str, float] = {}
        exact = q.weights >= self.name_idf[q.cols] - 1e-6
        for j, w in zip(q.cols[exact].tolist(), q.weights[exact].tolist(), strict=True):
            langs = self.term_languages[j]
            for lang in ("en",) if "en" in langs else langs:
                weight[lang] = weight.get(lang, 0.0) + w
        if not weight:
            return None
        english = weight.pop("en", 0.0)
        best = max(sorted(weight), key=weight.__getitem__, default=None)
        if best is not None and weight[best] > english:
            return best
        return "en" if english > 0 else None

    def _closest(self, word: str, *, variant_only: bool = False) -> tuple[int, float, str] | None:
        """(term, Dice, the word) of the name word sharing most character trigrams with
        `word` (folded, unstemmed), when the Dice coefficient is at least TYPO_DICE."""
        if len(word) < _MIN_TYPO_LEN or not word.isalpha() or not len(self.tri_words):
            return None
        mine = set(_trigrams(word))
        q = [self.tri_vocab[g] for g in mine if g in self.tri_vocab]
        if not q:
            return None
        overlap = np.asarray(self.tri_matrix[:, q].sum(axis=1)).ravel()
        dice = 2.0 * overlap / (len(mine) + self.tri_counts)
        dice[np.abs(self.tri_lengths - len(word)) > _MAX_TYPO_LEN_CHANGE] = 0.0
        near = np.flatnonzero(dice >= TYPO_DICE)
        near = near[np.argsort(-dice[near], kind="stable")[:_TYPO_SHORTLIST]]
        allowed = 1 if len(word) <= _ONE_EDIT_MAX_LEN else _MAX_TYPO_EDITS
        best: tuple[int, float, int] | None = None  # (edits, -dice, word index)
        for j in near.tolist():
            if self.tri_words[j] == word:
                return None
            if variant_only and not _same_start(word, self.tri_words[j]):
                continue
            edits = OSA.distance(word, self.tri_words[j], score_cutoff=allowed)
            if edits <= allowed and (best is None or (edits, -dice[j]) < best[:2]):
                best = (edits, -float(dice[j]), j)
        if best is None:
            return None
        j = best[2]
        return int(self.tri_term[j]), float(dice[j]), self.tri_words[j]

    def hits(self, q: LexicalQuery) -> LexicalHits:
        """Per-node lexical scores for a query (see module doc)."""
        n = self.n_nodes
        bm_name = np.zeros(n, dtype=np.float32)
        bm_desc = np.zeros(n, dtype=np.float32)
        cov_q = np.zeros(n, dtype=np.float32)
        cov_d = np.zeros(n, dtype=np.float32)
        foreign = np.zeros(n, dtype=bool)
        best_row = np.full(n, -1, dtype=np.int64)
        if len(q.cols) == 0:
            return LexicalHits(bm_name, bm_desc, cov_q, cov_d, foreign, best_row)
        dice = q.weights / np.maximum(self.name_idf[q.cols], 1e-9)  # 1, or a typo's Dice
        # column slices of the CSC matrices times the query: one sparse product each
        sub = self.name_bm25[:, q.cols]
        rows_hit = np.unique(sub.indices)
        row_bm = np.asarray(sub @ q.weights, dtype=np.float32).ravel()[rows_hit]
        matched = np.asarray(self.name_present[:, q.cols] @ dice, dtype=np.float32).ravel()
        matched = matched[rows_hit]
        rcq = matched / max(q.total_weight, 1e-9)
        rcd = matched / np.maximum(self.name_mass[rows_hit], 1e-9)
        owners = self.name_owner[rows_hit]
        np.maximum.at(bm_name, owners, row_bm)
        np.maximum.at(cov_d, owners, rcd)
        # the row that covers most of the query (ties: the one covering most of its name)
        key = rcq + 1e-3 * rcd
        order = np.lexsort((key, owners))  # by owner, then key ascending: last wins
        best_row[owners[order]] = rows_hit[order]
        cov_q[owners[order]] = rcq[order]
        has = best_row >= 0
        foreign[has] = self.name_foreign[best_row[has]]
        if self.desc_bm25.shape[0]:
            dsub = self.desc_bm25[:, q.cols]
            drows = np.unique(dsub.indices)
            dw = q.weights / np.maximum(self.name_idf[q.cols], 1e-9) * self.desc_idf[q.cols]
            dscore = np.asarray(dsub @ dw, dtype=np.float32).ravel()[drows]
            np.maximum.at(bm_desc, self.desc_owner[drows], dscore)
        return LexicalHits(bm_name, bm_desc, cov_q, cov_d, foreign, best_row)


def _same_start(a: str, b: str) -> bool:
    """`a` and `b` begin alike: their first `_VARIANT_PREFIX` letters (or all of the shorter
    one) are the same - two forms of one word, not two words."""
    n = min(_VARIANT_PREFIX, len(a), len(b))
    return a[:n] == b[:n]


def base_language(code: str) -> str:
    """The base language code: "es" for "es", "es-ES" or "ES"."""
    return code.split("-")[0].casefold()


def _ambiguous_proper_names(texts: Sequence[str]) -> frozenset[str]:
    """Words of PROPER_NAMES the names use both capitalised and in lower case."""
    cap: set[str] = set()
    low: set[str] = set()
    for text in texts:
        if not _PROPER_RE.search(text):
            continue
        for w in words(text):
            f = fold(w)
            if f not in PROPER_NAMES:
                continue
            if w[:1].isupper():
                cap.add(f)
            elif w.islower():
                low.add(f)
    return frozenset(cap & low)


_HAS_CONJUNCTION = re.compile(r"(?i)\b(?:and|y|et|und)\b|&")


def _and_phrases(texts: Sequence[str]) -> frozenset[str]:
    """'left and right' (folded) for every conjunction inside a name: 'health and safety'."""
    out: set[str] = set()
    for text in texts:
        if not _HAS_CONJUNCTION.search(text):
            continue
        ws = [fold(w) for w in re.findall(r"[^\W_]+|&", text)]
        for i in range(1, len(ws) - 1):
            if ws[i] in _CONJUNCTIONS:
                out.add(f"{ws[i - 1]} {ws[i]} {ws[i + 1]}")
    return frozenset(out)
