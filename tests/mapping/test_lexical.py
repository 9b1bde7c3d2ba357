"""The lexical index on hand-made names: BM25 against the formula worked by hand, coverage,
typo fixing, names in other languages, proper-noun senses, phrases kept together."""

from __future__ import annotations

import math

import pytest

from taxonomy.lexical import K1, B, LexicalIndex

NAMES = [
    (0, "en", "negotiate contracts"),
    (0, "es", "negociar contratos"),
    (1, "en", "draft contracts and agreements"),
    (2, "en", "write Polish"),
    (3, "en", "polish stones"),
    (4, "en", "research and development"),
]
DESCS = [(0, "reach agreement on the terms of contracts"), (2, "write texts in Polish")]


@pytest.fixture(scope="module")
def index() -> LexicalIndex:
    return LexicalIndex.build(5, NAMES, DESCS)


def idf(n: int, df: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def test_bm25_of_a_name_matches_the_formula_by_hand(index: LexicalIndex) -> None:
    hits = index.hits(index.query("negotiate contracts"))
    # six name rows; "negotiate" in 1, "contract" in 2 (the Spanish row stems to "contrato")
    lengths = [2, 2, 3, 2, 2, 2]  # tokens per row without function words ("and" dropped)
    avg = sum(lengths) / len(lengths)

    def term(df: int, length: int) -> float:
        return idf(6, df) * (K1 + 1) / (1 + K1 * (1 - B + B * length / avg))

    expected_0 = term(1, 2) + term(2, 2)
    expected_1 = term(2, 3)
    assert hits.bm25_name[0] == pytest.approx(expected_0, rel=1e-5)
    assert hits.bm25_name[1] == pytest.approx(expected_1, rel=1e-5)
    assert hits.cov_q[0] == pytest.approx(1.0)
    # node 1 matches "contract" only: its share of the query's idf mass
    assert hits.cov_q[1] == pytest.approx(idf(6, 2) / (idf(6, 1) + idf(6, 2)), rel=1e-5)
    assert hits.bm25_name[3] == 0 and hits.best_row[3] == -1


def test_a_misspelt_word_is_matched_to_the_known_word_with_most_trigrams(
    index: LexicalIndex,
) -> None:
    q = index.query("negotiatte contracs")
    # keys: the query's tokens (stemmed); values: the known word as a name writes it
    assert q.fixes == {"negotiatte": "negotiate", "contrac": "contracts"}
    hits = index.hits(q)
    assert int(hits.bm25_name.argmax()) == 0
    assert index.query("zzqx").unknown == 1  # nothing close: unknown, no match


def test_names_in_other_languages_are_found_and_flagged(index: LexicalIndex) -> None:
    hits = index.hits(index.query("negociar contratos"))
    assert int(hits.bm25_name.argmax()) == 0
    assert hits.foreign[0] and hits.cov_q[0] == pytest.approx(1.0)


def test_a_language_name_and_the_verb_are_different_terms(index: LexicalIndex) -> None:
    assert index.proper == frozenset({"polish"})  # used both ways in the names
    verb = index.hits(index.query("polish my stones"))
    assert verb.bm25_name[3] > 0 and verb.bm25_name[2] == 0
    language = index.hits(index.query("learn to write Polish"))
    assert language.bm25_name[2] > 0 and language.bm25_name[3] == 0


def test_conjunction_phrases_inside_names_are_listed(index: LexicalIndex) -> None:
    assert "research and development" in index.keep_together
    assert "contracts and agreements" in index.keep_together


def test_descriptions_are_scored_separately(index: LexicalIndex) -> None:
    hits = index.hits(index.query("terms of agreement"))
    assert hits.bm25_desc[0] > 0 and hits.bm25_desc[2] == 0


def test_a_real_word_the_names_lack_is_not_fixed_into_a_distant_one() -> None:
    # "interdisciplinary" shares trigrams with "international" but is many edits away
    lexical = LexicalIndex.build(
        2, [(0, "en", "international trade"), (1, "en", "teamwork principles")], []
    )
    q = lexical.query("interdisciplinary teamwork")
    assert q.fixes == {} and q.unknown == 1
    assert int(lexical.hits(q).cov_q.argmax()) == 1
    # a word the descriptions use is a real word, even one edit from a name's word
    described = LexicalIndex.build(
        2, [(0, "en", "install sockets"), (1, "en", "physics")], [(1, "build a rocket")]
    )
    q = described.query("rocket science")
    assert q.fixes == {} and int(described.hits(q).bm25_name.max()) == 0
    # ... but a form of a name's word is read as that word
    listening = LexicalIndex.build(1, [(0, "en", "listen actively")], [(0, "be a good listener")])
    assert listening.query("better listener").fixes == {"listener": "listen"}
    # one or two slips in a long word are still fixed, one in a short word too
    assert lexical.query("internatoinal trade").fixes == {"internatoinal": "international"}
    assert lexical.query("teamwrk").fixes == {"teamwrk": "teamwork"}


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("negociar contratos", "es"),  # no function word: the words only Spanish names use
        ("negotiate contracts", "en"),
        ("Polish stones", "en"),
        ("negociar draft contracts", "en"),  # more English weight than Spanish
        ("zzqx", None),  # nothing known: no evidence
        ("negociatr contratos", "es"),  # a typo fix proves nothing; "contratos" does
    ],
)
def test_a_query_language_is_read_from_the_names_its_words_come_from(
    index: LexicalIndex, text: str, language: str | None
) -> None:
    assert index.language_of(index.query(text)) == language
