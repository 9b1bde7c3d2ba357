"""The learned re-ranker: a logistic regression over features a person can read.

For one query part q and one candidate node n (from the dense or the lexical retrieval), the
features are (all floats; names as in `FEATURES`):

- dense_score: the first-stage score of n (name and description cosines with a light
  tf-idf boost; the formula at the top of taxonomy/mapping.py), and dense_score_gap: it
  minus the best first-stage score of any candidate (<= 0);
- dense_name, dense_label, dense_desc: cosine of q's embedding to n's best name (label,
  alias or taught phrase), to its preferred label, to its description (0 when none);
  has_desc; dense_gap: dense_name minus the best dense_name of any candidate (<= 0);
- adapted_name, adapted_gap: the same as dense_name / dense_gap through the linear head
  fitted to ESCO's naming (taxonomy/adapter.py; the plain cosine where no head was fitted
  for the model). Its cosines to the label and the description were tried as well and
  cost dev goals (hit@5 0.952 -> 0.933), so they are not features;
- bm25_name, bm25_desc: BM25 of n's best name row / description, each divided by the best
  of any candidate (so 1 = the lexical winner); cov_q, cov_d: idf-weighted share of the
  query's words found in n's best name, and of that name's words found in the query
  (`taxonomy.lexical`); foreign_name: that name is in another language than English;
- exact: q equals one of n's names (after folding, stemming and dropping function words);
  phrase: one of n's names appears whole inside q; head_verb: the first word of n's label
  (ESCO labels start with a verb: "manage staff") is a word of q; teach_other: that verb
  is one of teaching others ("teach public speaking principles") and q names no teaching
  (a goal to learn something is not one to teach it);
- lang_match / lang_other: n's label names a language or place that q names / that q
  does not name while q names another one ("write Polish" for a goal about English);
- transversal, cross_sector, sector_specific, occupation_specific: ESCO's reuse level of a
  skill (transversal and cross-sector skills suit general goals); depth: steps from the top
  of the hierarchy / 5; knowledge: ESCO skill type "knowledge"; cluster: n is a group;
- rank_dense, rank_lex: log(1 + rank) of n in each retrieval list (log(1 + 200) if absent);
- q_words: content words in q / 5 (capped at 1); q_unknown: share of q's words the index
  does not know even after typo fixing; q_foreign: q is not English; and the products
  q_foreign*dense_name and q_foreign*cov_q (the dense model reads English only, so for a
  foreign query the lexical side must carry the decision).

    confidence(q, n) = sigmoid(intercept + sum_i coef_i * (x_i - mean_i) / scale_i)

The weights are fitted offline by `benchmarks/train_rerank.py` (scikit-learn) and shipped as
`taxonomy/data/rerank.json` with their provenance; nothing is trained at run time.
`explain` gives each feature's contribution to one candidate's logit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

FEATURES: tuple[str, ...] = (
    "dense_score",
    "dense_score_gap",
    "dense_name",
    "dense_label",
    "dense_desc",
    "has_desc",
    "dense_gap",
    "adapted_name",
    "adapted_gap",
    "bm25_name",
    "bm25_desc",
    "cov_q",
    "cov_d",
    "foreign_name",
    "exact",
    "phrase",
    "head_verb",
    "teach_other",
    "lang_match",
    "lang_other",
    "transversal",
    "cross_sector",
    "sector_specific",
    "occupation_specific",
    "depth",
    "knowledge",
    "cluster",
    "rank_dense",
    "rank_lex",
    "q_words",
    "q_unknown",
    "q_foreign",
    "q_foreign_dense",
    "q_foreign_cov",
)
ABSENT_RANK = 200

MODEL_FILE = Path(__file__).resolve().parent / "data" / "rerank.json"


@dataclass(frozen=True)
class RerankModel:
    """Standardisation, coefficients and intercept of the logistic regression, plus the
    confidence under which a query part falls back to clusters."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float
    provenance: dict[str, Any]

    def logits(self, x: np.ndarray) -> np.ndarray:
        """x: (n, len(features)) -> (n,) logits."""
        out: np.ndarray = ((x - self.mean) / self.scale) @ self.coef + self.intercept
        return out

    def probability(self, x: np.ndarray) -> np.ndarray:
        """x: (n, len(features)) -> (n,) confidences in (0, 1)."""
        out: np.ndarray = 1.0 / (1.0 + np.exp(-self.logits(x)))
        return out

    def explain(self, row: np.ndarray) -> dict[str, float]:
        """Each feature's contribution to the logit of one candidate (row: (len(features),))."""
        parts = (row - self.mean) / self.scale * self.coef
        return {name: round(float(v), 4) for name, v in zip(self.features, parts, strict=True)}

    def to_json(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "mean": [round(float(v), 6) for v in self.mean],
            "scale": [round(float(v), 6) for v in self.scale],
            "coef": [round(float(v), 6) for v in self.coef],
            "intercept": round(self.intercept, 6),
            "threshold": self.threshold,
            "provenance": self.provenance,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RerankModel:
        features = tuple(data["features"])
        if features != FEATURES:
            missing = sorted(set(FEATURES) - set(features))
            extra = sorted(set(features) - set(FEATURES))
            raise ValueError(
                f"re-ranker weights are for other features (missing {missing}, extra {extra}); "
                "retrain with benchmarks/train_rerank.py"
            )
        return cls(
            features=features,
            mean=np.asarray(data["mean"], dtype=np.float64),
            scale=np.asarray(data["scale"], dtype=np.float64),
            coef=np.asarray(data["coef"], dtype=np.float64),
            intercept=float(data["intercept"]),
            threshold=float(data["threshold"]),
            provenance=dict(data.get("provenance", {})),
        )

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> RerankModel:
        """The shipped weights (or those at `path`); a missing file gives `untrained()`."""
        if not Path(path).is_file():
            return cls.untrained()
        return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))

    @classmethod
    def untrained(cls) -> RerankModel:
        """Hand-set weights (dense similarity, lexical coverage, exact match) used only to
        bootstrap training before any weights exist."""
        coef = np.zeros(len(FEATURES))
        hand = {"dense_name": 8.0, "dense_desc": 2.0, "cov_q": 3.0, "exact": 3.0, "cluster": -1.0}
        for name, value in hand.items():
            coef[FEATURES.index(name)] = value
        return cls(
            features=FEATURES,
            mean=np.zeros(len(FEATURES)),
            scale=np.ones(len(FEATURES)),
            coef=coef,
            intercept=-8.0,
            threshold=0.3,
            provenance={"trained": False},
        )
