"""The ranking on a tiny hand-built org, with scores worked out by hand.

Default weights (.5 skill, .2 availability, .1 capacity, .1 preferences, .1 feedback); Mia
wants to "present to execs" (target: present, confidence 0.9), holds present at level 2 and is
free Tue 14:00-16:00 UTC. Feedback with no ratings is the prior: (3.5 - 1) / 4 = 0.625.

- ana: present L4 -> 0.9*1.0*0.9 = 0.81; overlap Tue 14:00-15:30 = 1.5 h -> 0.5
       score = .405 + .1 + .1 + .1 + .0625 = 0.7675
- ben: slides L5 (closely related: same narrow group S1.4) -> 0.9*0.45*1.0 = 0.405;
       overlap 2 h -> 2/3; score = .2025 + .13333 + .2625 = 0.598333...
- fay: speak L4 (loosely related: up 2 to the top-level S1, down 2) -> 0.9*0.15*0.9 = 0.1215;
       overlap 2 h; score = .06075 + .13333 + .2625 = 0.456583...
Never: cat (present L2, not above Mia), mgr (Mia's manager), dan (opted out), eve (no free
place), gus (python is too far), zed (not a mentor).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from graph.errors import InvalidInput, NotFound
from graph.model import (
    AvailabilityException,
    CheckIn,
    Goal,
    MentoringModel,
    Pairing,
    PersonSkill,
    Preferences,
)
from graph.recommend import RecommendOptions, Snapshot, Weights, recommend
from graph.store import (
    AddBroader,
    AddCheckIns,
    GraphStore,
    SetGoalTargets,
    UpsertClusters,
    UpsertGoals,
    UpsertPairings,
    UpsertPeople,
    UpsertPersonSkills,
    UpsertSkills,
    touched_by,
)
from tests.recommend.orgs import NOW, mentor, stored, tiny_parts, tiny_snapshot, tue, write
from tests.recommend.reference import recommend_reference

OLD = NOW - timedelta(days=60)  # too long ago to count as recent exposure


def ranked(snap: Snapshot, mentee: str = "mia", **kw: object) -> list[tuple[str, float]]:
    return [(r.mentor_id, round(r.score, 6)) for r in recommend(snap, mentee, now=NOW, **kw)]  # type: ignore[arg-type]


def test_hand_computed_ranking_and_reasons() -> None:
    snap = tiny_snapshot()
    recs = recommend(snap, "mia", now=NOW)
    assert [(r.mentor_id, round(r.score, 6)) for r in recs] == [
        ("ana", 0.7675),
        ("ben", 0.598333),
        ("fay", 0.456583),
    ]
    ana, ben = recs[0], recs[1]
    assert ana.components == pytest.approx(
        {
            "skill_fit": 0.81,
            "availability": 0.5,
            "capacity": 1.0,
            "preferences": 1.0,
            "feedback": 0.625,
        }
    )
    assert ana.reasons[:3] == [
        'Your goal "present to execs": Ana holds the skill "conduct public presentations" '
        "(level 4)",
        "1.5 h/week overlap, e.g. Tue 14:00–15:30 UTC",
        "3 of 3 mentee places free",
    ]
    assert ben.reasons[0] == (
        'Your goal "present to execs": Ben holds "design slides" (level 5), closely related to '
        '"conduct public presentations" (same narrow group: S1.4 presenting information)'
    )
    assert recs[2].reasons[0] == (
        'Your goal "present to execs": Fay holds "public speaking" (level 4), loosely related '
        'to "conduct public presentations" (4 steps apart, under S1 communication)'
    )
    path = ben.skill_paths[0]
    assert (path.target_id, path.via_code, path.skill_id, path.mentor_level) == (
        "present",
        "S1.4",
        "slides",
        5,
    )
    assert ana.overlap_hours_per_week == 1.5 and ana.capacity_left == 3
    assert recommend_reference(snap, "mia", now=NOW) == recs
    assert [r.mentor_id for r in recommend(snap, "mia", k=1, now=NOW)] == ["ana"]


def test_peer_model_drops_the_level_rule() -> None:
    # cat (present L2 = Mia's level) now counts: 0.9*1.0*0.7 = 0.63 -> .315+.13333+.2625
    got = dict(ranked(tiny_snapshot(), options=RecommendOptions(model=MentoringModel.peer)))
    assert got["cat"] == 0.710833
    assert "mgr" not in got and "eve" not in got


def test_overlap_minimum_and_asynchronous() -> None:
    snap = tiny_snapshot()
    assert [m for m, _ in ranked(snap, options=RecommendOptions(min_overlap_hours=1.75))] == [
        "ben",
        "fay",
    ]
    parts = tiny_parts()
    parts["people"] = [
        p if p.id != "ana" else p.model_copy(update={"windows": []}) for p in parts["people"]
    ]
    snap = Snapshot.from_parts(**parts)
    assert "ana" not in dict(ranked(snap))
    # async: overlap not needed, availability counts as 1 -> ana .405+.2+.2625
    assert dict(ranked(snap, options=RecommendOptions(asynchronous=True)))["ana"] == 0.8675


def test_errors_name_the_problem(embedded_store: GraphStore) -> None:
    snap = stored(embedded_store, tiny_parts())
    with pytest.raises(NotFound):
        recommend(snap, "nobody", now=NOW)
    with pytest.raises(InvalidInput, match="no open goals"):
        recommend(snap, "ana", now=NOW)
    write(embedded_store, snap, [UpsertGoals([Goal(id="g9", person_id="ben", text="learn")])])
    with pytest.raises(InvalidInput, match="not linked to any skill"):
        recommend(snap, "ben", now=NOW)


def test_management_chain_is_excluded_both_ways() -> None:
    parts = tiny_parts()
    people = {p.id: p for p in parts["people"]}
    people["mgr"] = people["mgr"].model_copy(update={"manager_id": "ana"})  # ana: skip-level
    people["ben"] = people["ben"].model_copy(update={"manager_id": "mia"})  # ben reports to mia
    people["fay"] = people["fay"].model_copy(update={"manager_id": "ben"})  # fay: skip report
    parts["people"] = list(people.values())
    assert ranked(Snapshot.from_parts(**parts)) == []


def test_pairing_history_blocks_lowers_and_fills(embedded_store: GraphStore) -> None:
    snap = stored(embedded_store, tiny_parts())
    write(
        embedded_store,
        snap,
        [
            UpsertPairings(
                [
                    Pairing(
                        id="x1",
                        mentor_id="mia",
                        mentee_ids=["ana"],
                        status="closed",
                        do_not_pair_again=True,
                    ),
                    Pairing(
                        id="x2",
                        mentor_id="ben",
                        mentee_ids=["mia"],
                        status="declined",
                        created_at=OLD,
                    ),
                    Pairing(
                        id="x3",
                        mentor_id="fay",
                        mentee_ids=["mia"],
                        status="proposed",
                        created_at=OLD,
                    ),
                ]
            )
        ],
    )
    recs = recommend(snap, "mia", now=NOW)
    # ben halved (declined before); ana blocked (do not pair again); fay already proposed.
    assert [(r.mentor_id, round(r.score, 6)) for r in recs] == [("ben", 0.299167)]
    assert "declined" in recs[0].reasons[-1]


def test_feedback_and_exposure_move_a_mentor(embedded_store: GraphStore) -> None:
    snap = stored(embedded_store, tiny_parts())
    write(
        embedded_store,
        snap,
        [
            UpsertPairings(
                [
                    Pairing(
                        id="q", mentor_id="ana", mentee_ids=["zed"], status="active", created_at=NOW
                    )
                ]
            ),
            AddCheckIns(
                [
                    CheckIn(id=f"c{i}", pairing_id="q", on=date(2025, 2, i + 1), rating=1)
                    for i in range(5)
                ]
            ),
        ],
    )
    ana = recommend(snap, "mia", now=NOW)
    got = {r.mentor_id: r for r in ana}["ana"]
    # ratings 5 x 1: (5*3.5 + 5) / 10 = 2.25 -> 0.3125; load 1/3, one recent -> (2/3)/1.25
    assert got.components["feedback"] == pytest.approx(0.3125)
    assert got.components["capacity"] == pytest.approx((2 / 3) / 1.25)
    assert got.capacity_left == 2
    # .405 + .1 + .1 * .53333 + .1 + .1 * .3125, down from 0.7675 yet still above ben
    assert got.score == pytest.approx(0.6895833333)


def test_weights_language_format_and_department_preferences() -> None:
    parts = tiny_parts()
    people = {p.id: p for p in parts["people"]}
    people["mia"] = people["mia"].model_copy(
        update={
            "department": "Eng",
            "preferences": Preferences(function="cross", formats=["in_person"]),
        }
    )
    people["ana"] = people["ana"].model_copy(
        update={"department": "eng", "preferences": Preferences(formats=["video"])}
    )
    people["ben"] = people["ben"].model_copy(update={"languages": ["fr"]})
    parts["people"] = list(people.values())
    snap = Snapshot.from_parts(**parts)
    recs = {r.mentor_id: r for r in recommend(snap, "mia", now=NOW)}
    assert "ben" not in recs  # no common language
    assert recs["ana"].components["preferences"] == pytest.approx(1 / 3)  # format, function miss
    only_skill = RecommendOptions(
        weights=Weights(skill_fit=1, availability=0, capacity=0, preferences=0, feedback=0)
    )
    assert [r.score for r in recommend(snap, "mia", now=NOW, options=only_skill)] == pytest.approx(
        [0.81, 0.1215]
    )


def test_anticipatory_horizon_finds_a_mentor_free_from_next_month(
    embedded_store: GraphStore,
) -> None:
    parts = tiny_parts()
    later = AvailabilityException(end=date(2025, 3, 31), reason="back in April")
    parts["people"] = [
        p.model_copy(update={"exceptions": [later]}) if p.id == "ana" else p
        for p in parts["people"]
    ]
    snap = stored(embedded_store, parts)
    assert "ana" not in dict(ranked(snap))
    write(
        embedded_store,
        snap,
        [
            UpsertGoals(
                [
                    Goal(
                        id="g1",
                        person_id="mia",
                        text="present to execs",
                        start_date=date(2025, 4, 1),
                    )
                ]
            )
        ],
    )
    recs = {r.mentor_id: r for r in recommend(snap, "mia", now=NOW)}
    assert recs["ana"].overlap_hours_per_week == 1.5
    write(
        embedded_store,
        snap,
        [
            UpsertGoals(
                [
                    Goal(
                        id="g1",
                        person_id="mia",
                        text="present to execs",
                        start_date=date(2025, 3, 17),
                    )
                ]
            )
        ],
    )
    # Tuesdays Mar 18, 25, Apr 1, 8: ana is back for two of four -> 0.75 h/week
    half = RecommendOptions(min_overlap_hours=0.5)
    recs = {r.mentor_id: r for r in recommend(snap, "mia", now=NOW, options=half)}
    assert recs["ana"].overlap_hours_per_week == 0.75
    assert recs["ana"].available_from == date(2025, 4, 1)
    assert "Ana is available from 01 Apr 2025" in recs["ana"].reasons


def test_refresh_keeps_the_snapshot_current_and_old_states_untouched(
    embedded_store: GraphStore,
) -> None:
    snap = stored(embedded_store, tiny_parts())
    before = snap.state
    write(
        embedded_store,
        snap,
        [
            UpsertPeople([mentor("hal", windows=[tue("12:00", "18:00")])]),
            UpsertPersonSkills(
                [PersonSkill(person_id="hal", skill_id="present", level=5, willing_to_mentor=True)]
            ),
            UpsertPeople(
                [
                    tiny_snapshot()
                    .state.people["ana"]
                    .model_copy(update={"windows": [tue("14:00", "16:00")]})
                ]
            ),
        ],
    )
    got = dict(ranked(snap))
    # hal: 0.9*1.0 = .9 -> .45 + .13333 + .2625; ana's overlap grew to 2 h
    assert got["hal"] == 0.845833 and got["ana"] == 0.800833
    assert "hal" not in before.people and snap.state.version == before.version + 1
    assert snap.data_version == before.data_version + 1


def test_load_from_the_embedded_store_matches_from_parts(
    embedded_store: GraphStore, tmp_path: Path
) -> None:
    parts = tiny_parts()
    tax = parts["taxonomy"]
    embedded_store.apply(
        [
            UpsertClusters(tax.clusters),
            UpsertSkills(tax.skills),
            AddBroader(tax.broader),
            UpsertPeople(parts["people"]),
            UpsertPersonSkills(parts["person_skills"]),
            UpsertGoals(parts["goals"]),
            SetGoalTargets("g1", parts["targets"]),
            UpsertPairings(parts["pairings"]),
        ]
    )
    snap = Snapshot.load(embedded_store)
    assert not snap.is_stale(embedded_store)
    assert ranked(snap) == ranked(tiny_snapshot())
    ops = [
        UpsertPersonSkills(
            [PersonSkill(person_id="gus", skill_id="slides", level=3, willing_to_mentor=True)]
        )
    ]
    embedded_store.apply(ops)
    assert snap.is_stale(embedded_store)
    snap.refresh(embedded_store, touched_by(ops))
    assert not snap.is_stale(embedded_store)
    assert ranked(snap) == ranked(Snapshot.load(embedded_store))
    assert "gus" in dict(ranked(snap))
