"""The mentor recommender: pure ranking over an in-memory snapshot of the graph.

Public API (stable; graph/pairings.py, cohort.py, stalls.py and the API build on it):

    from graph.recommend import Snapshot, recommend, RecommendOptions, Recommendation

    snap = Snapshot.load(store, progress=False)      # one read of the whole graph
    snap.refresh(store, touched_by(ops))              # after store.apply(ops): re-reads
                                                      # what the ops touched (graph.store)
    snap.is_stale(store) / snap.data_version          # compare with store.data_version()
    st = snap.state                                   # one consistent, immutable State

    recs = recommend(snap, mentee_id, k=10, options=RecommendOptions(...), now=datetime)
    # -> list[Recommendation], best first:
    #    mentor_id, mentor_name, score (0..1), components {skill_fit, availability, capacity,
    #    preferences, feedback}, reasons [str], skill_paths [SkillPath], overlap_hours_per_week,
    #    overlap_example, capacity_left, available_from
    # Raises NotFound (unknown mentee) and InvalidInput (no open goals / goals without targets,
    # format in_person for a mentee without a location).
    why_no_mentor(snap, mentee_id, options=..., now=...) -> list[str]   # when recs == []:
    # why, one line per person holding a skill the goals reach, without names
    why_few(snap, mentee_id, options=..., now=...) -> list[str]   # when 0 < len(recs) < k:
    # how many more mentors each rule (common hours, capacity, guardrails, filters) removed
    unsuggested(snap, mentee_id, options=..., now=...)   # the same as Unsuggested records

    RecommendOptions(model=one_to_one|group|peer|reverse, format=None|video|in_person|async,
                     asynchronous=False, min_overlap_hours=1.0, require_common_language=True,
                     weights=Weights(skill_fit=.5, availability=.2, capacity=.1,
                                     preferences=.1, feedback=.1),
                     exclude_mentor_ids=[], weeks=4)
    # format in_person: only mentors in the mentee's location (normalised); async: no shared
    # hours needed; asynchronous=True is the older spelling of format=async

    recommend(..., among=[mentor ids])               # score only these mentors (same scores)
    excluded_mentors(state, mentee_id, options)      # {mentor_id: reason}; needs no goals
    mentor_unavailable(person) -> str | None         # why a person cannot mentor at all

    # many mentees at once (cohorts, analytics): exactly recommend()'s top k, shared work
    edges = top_k_candidates(snap, mentee_ids, k=50, among=None, options=..., now=...)
    # among=[mentor ids] limits scoring to those mentors (same scores as recommend(among=...))
    recs = explain_edges(snap, [(mentee_id, mentor_id), ...], options=..., now=...)
    scorer = CandidateScorer(snap, options=..., now=...); scorer.top_k(...); scorer.explain(...)

    Snapshot.from_parts(taxonomy=TaxonomyDump|Hierarchy, people=..., person_skills=...,
                        goals=..., targets=..., pairings=..., checkins=...)  # tests, benches

Guardrails (never suggested): the mentee, their manager and skip-level manager, their direct
reports and skip-level reports, anyone sharing a do_not_pair_again pairing with them, mentors
already in an open (proposed/accepted/active/stalled) pairing with them, people with
opt_out_recommend or not is_mentor, mentors without a free place or without the mentee's
`hours_wanted_per_month` free, ids in `exclude_mentor_ids`; plus the option filters (model,
format and for in_person the location, common language, overlap minimum unless async). Only
mentors with some skill fit are suggested: the goal's skill itself 1.0, a broader or narrower
skill 0.55, closely related (two steps, not through a top-level group) 0.45, loosely related
0.25 or less (skill_fit.py).

Modules: availability (UTC slot grids, DST-correct), skill_fit (taxonomy credit), scoring
(options, weights, formulas, result models), snapshot, ranking (fast path), explain (reasons),
and the slow, obviously-correct twin of ranking lives in tests/recommend/reference.py.
"""

from graph.recommend.candidates import (
    CandidateEdges,
    CandidateScorer,
    explain_edges,
    top_k_candidates,
)
from graph.recommend.ranking import (
    MenteeContext,
    Unsuggested,
    excluded_mentors,
    mentee_context,
    mentor_unavailable,
    recommend,
    unsuggested,
    why_few,
    why_no_mentor,
)
from graph.recommend.scoring import (
    COMPONENTS,
    Recommendation,
    RecommendOptions,
    SkillPath,
    Weights,
)
from graph.recommend.snapshot import Snapshot, State

__all__ = [
    "COMPONENTS",
    "CandidateEdges",
    "CandidateScorer",
    "MenteeContext",
    "RecommendOptions",
    "Recommendation",
    "SkillPath",
    "Snapshot",
    "State",
    "Unsuggested",
    "Weights",
    "excluded_mentors",
    "explain_edges",
    "mentee_context",
    "mentor_unavailable",
    "recommend",
    "top_k_candidates",
    "unsuggested",
    "why_few",
    "why_no_mentor",
]
