"""Top-k mentor candidates for many mentees at once: the cohort matcher's input.

`top_k_candidates(snapshot, mentee_ids, k=..., options=..., now=...)` gives, for every mentee,
exactly the mentors and scores `recommend(snapshot, mentee, k=k, ...)` would give (same order,
ties by mentor id), as flat edge arrays, without building reasons. It runs the ranking's own
per-mentee core (`ranking.score_mentee`) with one `ranking.Shared` for the whole batch, so the
work many mentees have in common is done once:

- each target node's entry table (reachable skills x willing holders, with credits) is built
  once, however many mentees target that skill or cluster;
- the mentor-only components (capacity with its exposure count, feedback) are computed once
  for every eligible mentor as vectors and gathered per mentee;
- availability grids are packed once per person and horizon (the Snapshot's cache) and
  compared with a vectorised popcount over all of a mentee's candidates at once.

The formulas are the ranking's (scoring.py), applied elementwise, so a mentor's score does not
depend on which other mentors are scored with it: the batch and `recommend` agree exactly.

Reasons are the expensive part of a recommendation; `explain_edges` builds them only for the
pairs finally chosen (through `ranking.build_recommendations`, as `recommend` does). A
`CandidateScorer` does both over one State and keeps the shared work between them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from numpy.typing import NDArray
from rich.progress import track

from graph.errors import InvalidInput
from graph.recommend.ranking import (
    Shared,
    build_recommendations,
    mentee_context,
    score_mentee,
    top_k,
)
from graph.recommend.scoring import COMPONENTS, Recommendation, RecommendOptions
from graph.recommend.snapshot import Snapshot, State

Rows = NDArray[np.int64]
Floats = NDArray[np.float64]


@dataclass(frozen=True)
class CandidateEdges:
    """Edges mentee -> mentor, grouped by mentee in input order, each mentee's best first."""

    mentee_ids: tuple[str, ...]
    mentee_index: Rows  # position in mentee_ids
    mentee_row: Rows  # State row of the mentee
    mentor_row: Rows  # State row of the mentor
    score: Floats
    problems: dict[str, str]  # mentee id -> why it has no candidates at all (no usable goals)
    components: dict[str, Floats] | None = None  # per edge, when asked for

    @property
    def n_edges(self) -> int:
        return len(self.score)

    def mentor_ids(self, state: State) -> list[str]:
        """Mentor id per edge."""
        return [state.ids[int(r)] for r in self.mentor_row]

    def count_per_mentee(self) -> NDArray[np.int64]:
        return np.bincount(self.mentee_index, minlength=len(self.mentee_ids))


class CandidateScorer:
    """Scores many mentees over one State, sharing work; `top_k` then `explain` the chosen."""

    def __init__(
        self,
        snapshot: Snapshot,
        *,
        options: RecommendOptions | None = None,
        now: datetime | None = None,
    ) -> None:
        self.options = options or RecommendOptions()
        self.now = now or datetime.now(UTC)
        self.state = snapshot.state
        self.shared = Shared(snapshot, self.state, self.now)
        self._id_rank: NDArray[np.int64] | None = None

    def top_k(
        self,
        mentee_ids: Sequence[str],
        *,
        k: int = 50,
        among: Collection[str] | None = None,
        components: bool = False,
        progress: bool = False,
    ) -> CandidateEdges:
        """Every mentee's top `k` mentors as edges (see `top_k_candidates`)."""
        st, options, shared = self.state, self.options, self.shared
        among_rows = None
        if among is not None:
            among_rows = np.unique(np.array([st.rows[m] for m in among if m in st.rows], np.int64))
        if shared.mentor_vectors is None:
            shared.fill_mentor_vectors()
        if self._id_rank is None:
            self._id_rank = shared.id_rank()
        idx_l: list[Rows] = []
        mentor_l: list[Rows] = []
        score_l: list[Floats] = []
        comp_l: dict[str, list[Floats]] = {c: [] for c in COMPONENTS}
        problems: dict[str, str] = {}
        for i, mid in enumerate(_progress(mentee_ids, progress, "scoring mentors")):
            try:
                ctx = mentee_context(st, mid, options, self.now)
            except InvalidInput as exc:
                problems[mid] = exc.message
                continue
            scored = score_mentee(shared, ctx, options, among_rows) if k > 0 else None
            if scored is None:
                continue
            pos = np.array(top_k(st, scored.cand, scored.score, k, self._id_rank), dtype=np.int64)
            idx_l.append(np.full(len(pos), i, dtype=np.int64))
            mentor_l.append(scored.cand[pos])
            score_l.append(scored.score[pos])
            if components:
                for c in COMPONENTS:
                    comp_l[c].append(scored.comps[c][pos])
        index = np.concatenate(idx_l) if idx_l else np.zeros(0, np.int64)
        mentee_rows = np.array([st.rows[m] for m in mentee_ids], dtype=np.int64)
        return CandidateEdges(
            mentee_ids=tuple(mentee_ids),
            mentee_index=index,
            mentee_row=mentee_rows[index] if len(index) else np.zeros(0, np.int64),
            mentor_row=np.concatenate(mentor_l) if mentor_l else np.zeros(0, np.int64),
            score=np.concatenate(score_l) if score_l else np.zeros(0),
            problems=problems,
            components=(
                {c: np.concatenate(v) if v else np.zeros(0) for c, v in comp_l.items()}
                if components
                else None
            ),
        )

    def explain(self, pairs: Sequence[tuple[str, str]]) -> list[Recommendation | None]:
        """The full Recommendation of each (mentee, mentor) pair (see `explain_edges`)."""
        st, options, shared = self.state, self.options, self.shared
        wanted: dict[str, set[str]] = {}
        for mentee_id, mentor_id in pairs:
            wanted.setdefault(mentee_id, set()).add(mentor_id)
        found: dict[tuple[str, str], Recommendation] = {}
        for mentee_id, mentors in wanted.items():
            ctx = mentee_context(st, mentee_id, options, self.now)
            among = np.array(sorted(st.rows[m] for m in mentors if m in st.rows), dtype=np.int64)
            scored = score_mentee(shared, ctx, options, among)
            if scored is None:
                continue
            everyone = list(range(len(scored.cand)))
            for rec in build_recommendations(shared, options, scored, everyone):
                found[(mentee_id, rec.mentor_id)] = rec
        return [found.get(pair) for pair in pairs]


def top_k_candidates(
    snapshot: Snapshot,
    mentee_ids: Sequence[str],
    *,
    k: int = 50,
    among: Collection[str] | None = None,
    options: RecommendOptions | None = None,
    now: datetime | None = None,
    components: bool = False,
    progress: bool = False,
) -> CandidateEdges:
    """Every mentee's top `k` mentors as edges (see module doc).

    A mentee without open goals linked to the taxonomy gets no edges and a line in
    `problems` (where `recommend` raises InvalidInput); an unknown id raises NotFound.
    `among` limits the mentors considered to these ids, as `recommend(among=...)` does: each
    mentee gets its top `k` of those (a mentor's score does not depend on who else is scored),
    e.g. to look again among the mentors that still have room after a first matching.
    `components=True` also keeps the five components per edge.
    """
    scorer = CandidateScorer(snapshot, options=options, now=now)
    return scorer.top_k(mentee_ids, k=k, among=among, components=components, progress=progress)


def explain_edges(
    snapshot: Snapshot,
    pairs: Sequence[tuple[str, str]],
    *,
    options: RecommendOptions | None = None,
    now: datetime | None = None,
) -> list[Recommendation | None]:
    """The full Recommendation (components, reasons, skill paths) of each (mentee, mentor)
    pair, in order; None where the ranking would not suggest that mentor to that mentee."""
    return CandidateScorer(snapshot, options=options, now=now).explain(pairs)


def _progress(items: Sequence[str], enabled: bool, what: str) -> Iterable[str]:
    if not enabled:
        return items

    return track(items, description=what, transient=True)
