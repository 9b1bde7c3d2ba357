"""`Snapshot.refresh` re-reads what a write touched: after any sequence of store ops, the
refreshed snapshot must equal a snapshot loaded afresh from the same store.

This is the proof that each op's `touches()` (graph/store.py) names every record the op can
change, and that refresh puts the re-read records in place correctly (indexes, willing
columns, mentor arrays, availability grids, the taxonomy). Ops are drawn at random against
the store's current content, on the embedded store (the SQL is the op's meaning here).
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable
from datetime import date, time, timedelta
from pathlib import Path

import numpy as np
from hypothesis import given, note, settings
from hypothesis import strategies as st

from graph.errors import BatchRejected, InvalidInput, NotFound
from graph.model import (
    Broader,
    CheckIn,
    Goal,
    GoalStatus,
    GoalTarget,
    NodeStatus,
    Pairing,
    PairingStatus,
    Person,
    PersonSkill,
    Skill,
    SkillCluster,
    TaxonomyChange,
    WeeklyWindow,
)
from graph.recommend import Snapshot, State, recommend
from graph.recommend import availability as av
from graph.recommend import snapshot as snapshot_module
from graph.recommend.ranking import unsuggested
from graph.store import (
    AddBroader,
    AddCheckIns,
    DeleteGoals,
    GraphStore,
    RemoveBroader,
    RemovePersonSkills,
    RepointReferences,
    SetGoalTargets,
    StoreOp,
    Touched,
    UpsertClusters,
    UpsertGoals,
    UpsertPairings,
    UpsertPeople,
    UpsertPersonSkills,
    UpsertSkills,
    UpsertTaxonomyChanges,
    touched_by,
)
from tests.conftest import make_embedded_store
from tests.recommend.orgs import NOW, ZONES, random_org, stored

HORIZON = av.Horizon(start=date(2025, 3, 3), weeks=1)

# --- comparing two views ---------------------------------------------------------------------


def _by_person(st_: State, name: str) -> dict[str, object]:
    arr = st_.arrays[name]
    return {pid: arr[st_.rows[pid]].item() for pid in st_.people}


def _decoded(st_: State) -> dict[str, tuple[frozenset[str], str | None]]:
    """Per person: the languages set in lang_mask and the department of the dept code (codes
    are given out in order of first sight, so they differ between two builds)."""
    bit_of = {bit: lang for lang, bit in st_.lang_bits.items()}
    dept_of = {code: d for d, code in st_.dept_codes.items()}
    out: dict[str, tuple[frozenset[str], str | None]] = {}
    for pid in st_.people:
        row = st_.rows[pid]
        mask = int(st_.arrays["lang_mask"][row])
        langs = frozenset(bit_of[b] for b in range(64) if mask >> b & 1)
        code = int(st_.arrays["dept"][row])
        out[pid] = (langs, dept_of.get(code) if code >= 0 else None)
    return out


def _willing(st_: State) -> dict[str, list[tuple[str, int]]]:
    # Rows are append-only across versions, so a person added later has a later row than in a
    # fresh load: compare (person id, level) pairs, in person-id order.
    return {
        s: sorted((st_.ids[int(r)], int(lv)) for r, lv in zip(h.rows, h.levels, strict=True))
        for s, h in st_.willing.items()
    }


def _grids(snap: Snapshot) -> dict[str, bytes]:
    st_ = snap.state
    ids = sorted(st_.people)
    rows = np.array([st_.rows[p] for p in ids], dtype=np.int64)
    packed = snap.packed_grids(st_, HORIZON, rows)
    return {pid: packed[i].tobytes() for i, pid in enumerate(ids)}


def _hierarchy(st_: State) -> tuple[dict[str, object], set[tuple[str, str]]]:
    g = st_.hierarchy.graph
    return {n: d["node"] for n, d in g.nodes(data=True)}, set(g.edges)


def assert_same_view(got: Snapshot, want: Snapshot) -> None:
    a, b = got.state, want.state
    assert a.data_version == b.data_version
    assert a.people == b.people
    assert a.reports == b.reports
    assert a.skills_of == b.skills_of
    assert a.holders_of == b.holders_of
    assert _willing(a) == _willing(b)
    assert a.goals == b.goals
    assert a.goals_of == b.goals_of
    assert a.targets == b.targets
    assert a.pairings == b.pairings
    assert a.pairings_of == b.pairings_of
    assert a.checkins == b.checkins
    for name in snapshot_module.ARRAY_FIELDS:
        if name not in ("lang_mask", "dept", "avail_ver"):
            assert _by_person(a, name) == _by_person(b, name), name
    assert _decoded(a) == _decoded(b)
    assert _grids(got) == _grids(want)  # avail_ver: no stale cached grid is served
    assert _hierarchy(a) == _hierarchy(b)


# --- random ops against the store's current content ------------------------------------------


def _person(rnd: random.Random, pid: str, others: list[str]) -> Person:
    wins = []
    for _ in range(rnd.randint(0, 2)):
        a, b = sorted(rnd.sample(range(1, 48), 2))
        wins.append(
            WeeklyWindow(
                weekday=rnd.randint(0, 6),
                start=time(a // 2, 30 * (a % 2)),
                end=time(b // 2, 30 * (b % 2)),
            )
        )
    return Person(
        id=pid,
        name=f"Person {pid}",
        timezone=rnd.choice(ZONES),
        languages=rnd.sample(["en", "fr", "de", "es"], rnd.randint(0, 2)),
        department=rnd.choice(["", "eng", "ops", "sales"]),
        manager_id=rnd.choice([None, *[o for o in others if o != pid]]),
        is_mentor=rnd.random() < 0.8,
        max_mentees=rnd.choice([0, 1, 2, 3]),
        max_hours_per_month=rnd.choice([0, 4, 8]),
        windows=wins,
        opt_out_recommend=rnd.random() < 0.1,
    )


def random_ops(rnd: random.Random, st_: State) -> list[StoreOp]:
    """One to three ops drawn against `st_` (the store's content; may still be rejected)."""
    people = sorted(st_.people)
    nodes = sorted(st_.hierarchy.graph)
    skills = sorted(st_.hierarchy.skill_ids)
    clusters = [n for n in nodes if n not in st_.hierarchy.skill_ids]
    goals = sorted(st_.goals)
    pairings = sorted(st_.pairings)
    checkins = sorted(c for per in st_.checkins.values() for c in per)
    edges = sorted(st_.hierarchy.graph.edges)

    def new_id(prefix: str) -> str:
        return f"{prefix}{rnd.randint(0, 10**6)}"

    def upsert_people() -> StoreOp:
        ids = {rnd.choice([*people, new_id("n")]) for _ in range(rnd.randint(1, 2))}
        return UpsertPeople([_person(rnd, pid, people) for pid in sorted(ids)])

    def upsert_skills_of() -> StoreOp:
        keys = {(rnd.choice(people), rnd.choice(skills)) for _ in range(rnd.randint(1, 3))}
        return UpsertPersonSkills(
            [
                PersonSkill(
                    person_id=p,
                    skill_id=s,
                    level=rnd.randint(1, 5),
                    willing_to_mentor=rnd.random() < 0.7,
                )
                for p, s in sorted(keys)
            ]
        )

    def remove_skills_of() -> StoreOp:
        held = sorted((p, s) for p, per in st_.skills_of.items() for s in per)
        keys = rnd.sample(held, min(len(held), rnd.randint(1, 3)))
        return RemovePersonSkills([*keys, ("nobody", "nothing")])

    def upsert_goals() -> StoreOp:
        gid = rnd.choice([*goals, new_id("g")])
        return UpsertGoals(
            [
                Goal(
                    id=gid,
                    person_id=rnd.choice(people),
                    text=f"goal {gid}",
                    status=rnd.choice(list(GoalStatus)),
                    created_at=NOW,
                )
            ]
        )

    def delete_goals() -> StoreOp:
        return DeleteGoals([*rnd.sample(goals, min(len(goals), 1)), "g-missing"])

    def set_targets() -> StoreOp:
        gid = rnd.choice(goals) if goals else "g-missing"
        picked = rnd.sample(nodes, rnd.randint(0, 2))
        return SetGoalTargets(
            gid,
            [
                GoalTarget(goal_id=gid, node_id=n, confidence=rnd.choice([0.3, 0.7, 1.0]))
                for n in picked
            ],
        )

    def upsert_pairings() -> StoreOp:
        pid = rnd.choice([*pairings, new_id("x")])
        mentor, mentee = rnd.sample(people, 2)
        return UpsertPairings(
            [
                Pairing(
                    id=pid,
                    mentor_id=mentor,
                    mentee_ids=[mentee],
                    status=rnd.choice(list(PairingStatus)),
                    hours_per_month=rnd.choice([1.0, 1.5, 2.0]),
                    do_not_pair_again=rnd.random() < 0.2,
                    created_at=NOW - timedelta(days=rnd.choice([1, 60])),
                    updated_at=NOW,
                )
            ]
        )

    def add_checkins() -> StoreOp:
        # a new check-in, or an existing one rated again or moved to another pairing
        cid = rnd.choice([*checkins, new_id("c")])
        return AddCheckIns(
            [
                CheckIn(
                    id=cid,
                    pairing_id=rnd.choice(pairings),
                    on=NOW.date(),
                    rating=rnd.randint(1, 5),
                )
            ]
        )

    def upsert_nodes() -> StoreOp:
        if rnd.random() < 0.5:
            sid = rnd.choice([*skills, new_id("s")])
            status = NodeStatus.deprecated if rnd.random() < 0.3 else NodeStatus.active
            return UpsertSkills([Skill(id=sid, label=f"skill {sid} v{rnd.randint(0, 9)}",
                                       status=status)])  # fmt: skip
        cid = rnd.choice([*clusters, new_id("C")])
        return UpsertClusters([SkillCluster(id=cid, label=f"cluster {cid}", tier=1)])

    def add_broader() -> StoreOp:
        child = rnd.choice(nodes)
        parent = rnd.choice([c for c in clusters if c != child])
        return AddBroader([Broader(child_id=child, parent_id=parent)])

    def remove_broader() -> StoreOp:
        picked = rnd.sample(edges, min(len(edges), rnd.randint(1, 2)))
        return RemoveBroader([Broader(child_id=c, parent_id=p) for c, p in picked])

    def repoint() -> StoreOp:
        source = rnd.choice(nodes)
        targets = rnd.sample([n for n in nodes if n != source], rnd.randint(1, 2))
        return RepointReferences(source, targets)

    def history() -> StoreOp:
        return UpsertTaxonomyChanges(
            [TaxonomyChange(id=new_id("t"), actor="steward", op="edit", node_ids=[nodes[0]])]
        )

    makers: list[tuple[Callable[[], StoreOp], bool]] = [
        (upsert_people, True),
        (upsert_skills_of, bool(people and skills)),
        (remove_skills_of, bool(st_.skills_of)),
        (upsert_goals, bool(people)),
        (delete_goals, bool(goals)),
        (set_targets, bool(goals)),
        (upsert_pairings, len(people) >= 2),
        (add_checkins, bool(pairings)),
        (upsert_nodes, True),
        (add_broader, bool(clusters)),
        (remove_broader, bool(edges)),
        (repoint, len(nodes) >= 2),
        (repoint, len(nodes) >= 2),  # the one op with far-reaching effects: drawn twice as often
        (history, bool(nodes)),
    ]
    usable = [make for make, ok in makers if ok]
    return [rnd.choice(usable)() for _ in range(rnd.randint(1, 3))]


def _with_store(test: Callable[[GraphStore], None]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = make_embedded_store(Path(tmp))
        try:
            test(store)
        finally:
            store.close()


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 12))
def test_refresh_after_each_apply_equals_a_fresh_load(seed: int, steps: int) -> None:
    rnd = random.Random(seed)

    def run(store: GraphStore) -> None:
        snap = stored(store, random_org(rnd, rnd.randint(3, 8)))
        pending = Touched()  # writes not yet refreshed: several applies, one refresh
        written = 0
        for _ in range(steps):
            _grids(snap)  # warm the grid cache, so a stale grid would show below
            ops = random_ops(rnd, Snapshot.load(store).state)
            before = store.data_version()
            try:
                store.apply(ops)
            except BatchRejected:
                assert store.data_version() == before  # nothing written
                continue
            written += 1
            note(f"applied {ops!r}")
            pending = pending | touched_by(ops)
            if rnd.random() < 0.3:
                continue  # refresh later, merged with the next write (as AppState does)
            snap.refresh(store, pending, data_version=store.data_version())
            pending = Touched()
            assert_same_view(snap, Snapshot.load(store))
        snap.refresh(store, pending)
        assert_same_view(snap, Snapshot.load(store))
        note(f"{written} of {steps} batches written")

    _with_store(run)


def test_a_large_write_loads_everything_again(embedded_store: GraphStore) -> None:
    rnd = random.Random(7)
    snap = stored(embedded_store, random_org(rnd, 6))
    grids_before = _grids(snap)
    version_before = snap.state.version
    many = [_person(rnd, f"bulk{i}", ["p0"]) for i in range(snapshot_module.FULL_RELOAD_ABOVE)]
    changed = [
        p.model_copy(update={"timezone": "Asia/Kolkata"}) for p in snap.state.people.values()
    ]
    ops: list[StoreOp] = [UpsertPeople([*many, *changed])]
    embedded_store.apply(ops)
    snap.refresh(embedded_store, touched_by(ops))
    assert len(snap.state.people) == len(grids_before) + snapshot_module.FULL_RELOAD_ABOVE
    # versions go on from the replaced State, so no availability grid cached before is reused
    assert snap.state.version > version_before
    assert_same_view(snap, Snapshot.load(embedded_store))


def test_touched_merges_as_a_union() -> None:
    a = UpsertPeople([Person(id="a", name="A")]).touches()
    b = AddCheckIns([CheckIn(id="c1", pairing_id="x1", on=NOW.date(), rating=3)]).touches()
    c = RepointReferences("s1", ["s2"]).touches()
    merged = touched_by(
        [
            UpsertPeople([Person(id="a", name="A")]),
            AddCheckIns([CheckIn(id="c1", pairing_id="x1", on=NOW.date(), rating=3)]),
            RepointReferences("s1", ["s2"]),
            UpsertTaxonomyChanges([]),
        ]
    )
    assert merged == a | b | c
    assert merged.people == {"a"} and merged.checkins == {"x1"} and merged.checkin_ids == {"c1"}
    assert merged.referenced_nodes == {"s1"} and not merged.taxonomy
    assert touched_by([]) == Touched() == UpsertTaxonomyChanges([]).touches()
    assert (Touched() | UpsertSkills([]).touches()).taxonomy


def _answers(snap: Snapshot) -> object:
    """What the API answers for p0 on `snap`: the ranking, and the holders left out."""
    try:
        recs = recommend(snap, "p0", k=20, now=NOW)
        left_out = unsuggested(snap, "p0", now=NOW)
    except (InvalidInput, NotFound) as exc:
        return type(exc).__name__
    return (
        [(r.mentor_id, round(r.score, 9)) for r in recs],
        [(u.mentor_id, u.skill_id, u.level, u.reason) for u in left_out],
    )


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 8))
def test_cached_target_tables_follow_each_write(seed: int, steps: int) -> None:
    """The ranking's target tables are kept while a write leaves the people x skills arrays
    and the taxonomy alone (most service writes), and never outlive a write that changes
    either: warmed before each write, the refreshed snapshot answers like a fresh load."""
    rnd = random.Random(seed)

    def run(store: GraphStore) -> None:
        snap = stored(store, random_org(rnd, rnd.randint(3, 8)))
        for _ in range(steps):
            _answers(snap)  # warm the tables of the current arrays and taxonomy
            ops = random_ops(rnd, snap.state)
            try:
                store.apply(ops)
            except BatchRejected:
                continue
            snap.refresh(store, touched_by(ops), data_version=store.data_version())
            assert _answers(snap) == _answers(Snapshot.load(store))

    _with_store(run)
