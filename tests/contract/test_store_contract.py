"""The GraphStore contract, run against every store through the `store` fixture.

Reads, orders and upsert semantics on the hand-built graph of tests/contract/conftest.py.
Rejected batches, repointing and concurrency have their own files beside this one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from graph.model import (
    ApiKey,
    AuditEntry,
    Broader,
    Goal,
    GoalTarget,
    Milestone,
    NodeStatus,
    PairingStatus,
    Person,
    PersonSkill,
    Role,
    Skill,
    TargetSource,
    TaxonomyChange,
)
from graph.store import (
    AppendAudit,
    DeleteGoals,
    GraphStore,
    PairingFilter,
    PutApiKeys,
    RemoveBroader,
    RemovePersonSkills,
    SetGoalTargets,
    UpsertGoals,
    UpsertPeople,
    UpsertPersonSkills,
    UpsertSkills,
    UpsertTaxonomyChanges,
)
from tests.contract.conftest import (
    CHECKINS,
    CLUSTERS,
    G1_TARGETS,
    GOALS,
    PAIRINGS,
    PEOPLE,
    PERSON_SKILLS,
    SKILLS,
    T0,
    seed_ops,
)


def ids(items: list) -> list[str]:
    return [i.id for i in items]


# --- lifecycle ------------------------------------------------------------------------------


def test_empty_store_answers(store: GraphStore) -> None:
    assert store.ping()
    assert store.kind in {"embedded", "neo4j"}
    assert isinstance(store, GraphStore)
    assert store.count_skills() == 0
    assert store.count_people() == 0
    assert store.get_skill("s-py") is None
    assert store.get_node("s-py") is None
    assert store.get_person("alice") is None
    assert store.taxonomy().skills == []
    assert store.list_pairings() == []
    assert store.search_taxonomy("py") == []
    assert list(store.iter_person_skills()) == []


def test_init_schema_is_idempotent(seeded: GraphStore) -> None:
    seeded.init_schema()
    assert seeded.count_skills() == 4


def test_data_version_grows_once_per_apply(store: GraphStore) -> None:
    v0 = store.data_version()
    store.apply(seed_ops())
    v1 = store.data_version()
    assert v1 > v0
    store.apply([UpsertSkills([SKILLS[0]])])
    assert store.data_version() > v1


# --- taxonomy reads -------------------------------------------------------------------------


def test_nodes_round_trip(seeded: GraphStore) -> None:
    assert seeded.get_skill("s-py") == SKILLS[0]
    assert seeded.get_cluster("c-prog") == CLUSTERS[1]
    assert seeded.get_node("s-sql") == SKILLS[2]
    assert seeded.get_node("c-root") == CLUSTERS[0]
    assert seeded.get_skill("c-root") is None  # a cluster is not a skill
    assert seeded.get_cluster("s-py") is None
    assert seeded.count_skills() == 4


def test_list_skills_pages_in_id_order(seeded: GraphStore) -> None:
    assert ids(seeded.list_skills()) == ["s-java", "s-py", "s-sql", "s-stats"]
    assert ids(seeded.list_skills(limit=2)) == ["s-java", "s-py"]
    assert ids(seeded.list_skills(offset=2, limit=2)) == ["s-sql", "s-stats"]
    assert ids(seeded.list_skills(offset=3)) == ["s-stats"]
    assert seeded.list_skills(offset=10) == []


def test_deprecated_nodes_can_be_left_out(seeded: GraphStore) -> None:
    old_java = SKILLS[1].model_copy(update={"status": NodeStatus.deprecated})
    old_data = CLUSTERS[2].model_copy(update={"status": NodeStatus.deprecated})
    seeded.apply([UpsertSkills([old_java])])
    from graph.store import UpsertClusters

    seeded.apply([UpsertClusters([old_data])])
    assert "s-java" in ids(seeded.list_skills())
    assert ids(seeded.list_skills(include_deprecated=False)) == ["s-py", "s-sql", "s-stats"]
    assert ids(seeded.list_clusters()) == ["c-data", "c-prog", "c-root"]
    assert ids(seeded.list_clusters(include_deprecated=False)) == ["c-prog", "c-root"]
    assert seeded.count_skills() == 4  # deprecated nodes are still stored


def test_parents_and_children(seeded: GraphStore) -> None:
    assert ids(seeded.parents("s-py")) == ["c-data", "c-prog"]
    assert ids(seeded.parents("c-prog")) == ["c-root"]
    assert seeded.parents("c-root") == []
    assert ids(seeded.children("c-data")) == ["s-py", "s-sql", "s-stats"]
    assert ids(seeded.children("c-root")) == ["c-data", "c-prog"]
    assert seeded.children("s-py") == []


def test_taxonomy_dump(seeded: GraphStore) -> None:
    dump = seeded.taxonomy()
    assert sorted(ids(dump.skills)) == ["s-java", "s-py", "s-sql", "s-stats"]
    assert sorted(ids(dump.clusters)) == ["c-data", "c-prog", "c-root"]
    assert {(b.child_id, b.parent_id) for b in dump.broader} == {
        ("c-prog", "c-root"),
        ("c-data", "c-root"),
        ("s-py", "c-prog"),
        ("s-java", "c-prog"),
        ("s-py", "c-data"),
        ("s-sql", "c-data"),
        ("s-stats", "c-data"),
    }


def test_add_broader_is_idempotent_and_remove_ignores_missing(seeded: GraphStore) -> None:
    from graph.store import AddBroader

    seeded.apply([AddBroader([Broader(child_id="s-py", parent_id="c-prog")])])
    assert len(seeded.taxonomy().broader) == 7
    seeded.apply(
        [
            RemoveBroader(
                [
                    Broader(child_id="s-py", parent_id="c-data"),
                    Broader(child_id="s-java", parent_id="c-data"),  # not there: ignored
                ]
            )
        ]
    )
    assert ids(seeded.parents("s-py")) == ["c-prog"]
    assert ids(seeded.children("c-data")) == ["s-sql", "s-stats"]


def test_find_by_label_ignores_case_and_reads_aliases(seeded: GraphStore) -> None:
    assert ids(seeded.find_by_label("python")) == ["s-py"]
    assert ids(seeded.find_by_label("PY")) == ["s-py"]
    assert ids(seeded.find_by_label("python 3")) == ["s-py"]
    assert ids(seeded.find_by_label("coding")) == ["c-prog"]
    assert ids(seeded.find_by_label("structured query LANGUAGE")) == ["s-sql"]
    assert seeded.find_by_label("pyth") == []  # equality, not containment
    seeded.apply([UpsertSkills([Skill(id="s-py2", label="PYTHON")])])
    assert ids(seeded.find_by_label("Python")) == ["s-py", "s-py2"]


def test_search_taxonomy_puts_label_hits_first(seeded: GraphStore) -> None:
    # "a" is in the labels Java, Statistics, Data, Digital, Programming and in the alias of
    # s-sql ("Structured Query Language"), whose label "SQL" has no "a".
    hits = ids(seeded.search_taxonomy("A"))
    assert set(hits) == {"s-java", "s-stats", "c-data", "c-root", "c-prog", "s-sql"}
    assert hits[-1] == "s-sql"
    assert ids(seeded.search_taxonomy("query")) == ["s-sql"]
    assert ids(seeded.search_taxonomy("YTHO")) == ["s-py"]
    assert len(seeded.search_taxonomy("a", limit=2)) == 2
    assert seeded.search_taxonomy("nothing like this") == []


def test_upsert_replaces_the_whole_node(seeded: GraphStore) -> None:
    renamed = Skill(id="s-py", label="Python programming", aliases=["CPython"])
    seeded.apply([UpsertSkills([renamed])])
    assert seeded.get_skill("s-py") == renamed  # description and old aliases are gone
    assert seeded.find_by_label("py") == []
    assert ids(seeded.find_by_label("cpython")) == ["s-py"]
    assert ids(seeded.parents("s-py")) == ["c-data", "c-prog"]  # edges are kept
    assert len(seeded.holders_of("s-py")) == 2


def test_reupserting_the_same_rows_changes_nothing(seeded: GraphStore) -> None:
    def state(s: GraphStore) -> tuple:
        return (
            s.taxonomy(),
            s.list_people(),
            [b for batch in s.iter_person_skills() for b in batch],
            s.list_goals(),
            s.all_goal_targets(),
            s.list_pairings(),
            s.all_checkins(),
        )

    before = state(seeded)
    seeded.apply(seed_ops())
    assert state(seeded) == before
    assert seeded.count_skills() == 4
    assert seeded.count_people() == 4


# --- people ---------------------------------------------------------------------------------


def test_people_round_trip_and_page(seeded: GraphStore) -> None:
    assert seeded.get_person("alice") == PEOPLE[0]
    assert seeded.get_person("nobody") is None
    assert seeded.count_people() == 4
    assert ids(seeded.list_people()) == ["alice", "bob", "carol", "dan"]
    assert ids(seeded.list_people(offset=1, limit=2)) == ["bob", "carol"]
    assert seeded.reports_of("bob") == ["alice", "dan"]
    assert seeded.reports_of("carol") == []


def test_person_upsert_replaces_nested_fields(seeded: GraphStore) -> None:
    plain = Person(id="alice", name="Alice A.")
    seeded.apply([UpsertPeople([plain])])
    got = seeded.get_person("alice")
    assert got == plain
    assert got is not None and got.windows == [] and got.manager_id is None
    assert seeded.reports_of("bob") == ["dan"]
    assert len(seeded.person_skills("alice")) == 2  # HAS_SKILL edges are not the node


def test_person_skills_and_holders(seeded: GraphStore) -> None:
    assert seeded.person_skills("alice") == [PERSON_SKILLS[0], PERSON_SKILLS[1]]
    assert [h.person_id for h in seeded.holders_of("s-py")] == ["alice", "carol"]
    assert seeded.holders_of("s-nothing") == []
    seeded.apply([UpsertPersonSkills([PersonSkill(person_id="carol", skill_id="s-py", level=5)])])
    assert seeded.holders_of("s-py")[1].level == 5


def test_iter_person_skills_batches_in_order(seeded: GraphStore) -> None:
    batches = list(seeded.iter_person_skills(batch_size=2))
    assert [len(b) for b in batches] == [2, 2, 1]
    flat = [(ps.person_id, ps.skill_id) for b in batches for ps in b]
    assert flat == sorted((ps.person_id, ps.skill_id) for ps in PERSON_SKILLS)


def test_remove_person_skills_ignores_missing(seeded: GraphStore) -> None:
    seeded.apply([RemovePersonSkills([("alice", "s-sql"), ("alice", "s-java"), ("zed", "x")])])
    assert [ps.skill_id for ps in seeded.person_skills("alice")] == ["s-py"]


# --- goals ----------------------------------------------------------------------------------


def test_goals_and_targets(seeded: GraphStore) -> None:
    assert seeded.get_goal("g1") == GOALS[0]
    assert ids(seeded.goals_of("dan")) == ["g1"]
    assert ids(seeded.list_goals()) == ["g1", "g2"]
    assert ids(seeded.list_goals(offset=1, limit=5)) == ["g2"]
    assert seeded.goal_targets("g1") == [G1_TARGETS[1], G1_TARGETS[0]]  # confidence desc
    assert seeded.targets_of_node("s-py") == [G1_TARGETS[1]]
    assert seeded.all_goal_targets() == [G1_TARGETS[0], G1_TARGETS[1]]  # by goal, node


def test_set_goal_targets_replaces_all(seeded: GraphStore) -> None:
    new = [GoalTarget(goal_id="g1", node_id="s-java", confidence=0.4, source=TargetSource.manual)]
    seeded.apply([SetGoalTargets("g1", new)])
    assert seeded.goal_targets("g1") == new
    assert seeded.targets_of_node("s-py") == []
    seeded.apply([SetGoalTargets("g1", [])])
    assert seeded.goal_targets("g1") == []


def test_delete_goals_removes_their_targets(seeded: GraphStore) -> None:
    seeded.apply([DeleteGoals(["g1", "g-missing"])])
    assert seeded.get_goal("g1") is None
    assert ids(seeded.list_goals()) == ["g2"]
    assert seeded.all_goal_targets() == []
    assert seeded.targets_of_node("c-prog") == []


def test_goal_upsert_replaces_milestones(seeded: GraphStore) -> None:
    g = Goal(
        id="g2", person_id="carol", text="SQL", milestones=[Milestone(title="joins")], created_at=T0
    )
    seeded.apply([UpsertGoals([g])])
    assert seeded.get_goal("g2") == g


# --- pairings and check-ins -----------------------------------------------------------------


def test_pairings_round_trip(seeded: GraphStore) -> None:
    assert seeded.get_pairing("pr2") == PAIRINGS[1]
    assert seeded.get_pairing("nope") is None
    assert ids(seeded.list_pairings()) == ["pr1", "pr2", "pr3"]


def test_list_pairings_filters(seeded: GraphStore) -> None:
    def q(**kw: object) -> list[str]:
        return ids(seeded.list_pairings(PairingFilter(**kw)))  # type: ignore[arg-type]

    assert q(mentor_id="bob") == ["pr2"]
    assert q(mentee_id="dan") == ["pr1", "pr2"]
    assert q(mentee_id="bob") == []
    assert q(person_id="alice") == ["pr1", "pr3"]  # mentor of pr1, mentee of pr3
    assert q(program="spring") == ["pr1", "pr2"]
    assert q(statuses=[PairingStatus.active, PairingStatus.closed]) == ["pr1", "pr3"]
    assert q(statuses=[PairingStatus.proposed], mentee_id="dan") == ["pr2"]
    assert q(person_id="carol", program="spring") == ["pr2"]


def test_pairing_upsert_replaces_mentees(seeded: GraphStore) -> None:
    from graph.store import UpsertPairings

    moved = PAIRINGS[1].model_copy(update={"mentee_ids": ["carol"]})
    seeded.apply([UpsertPairings([moved])])
    assert ids(seeded.list_pairings(PairingFilter(mentee_id="dan"))) == ["pr1"]
    assert seeded.get_pairing("pr2") == moved


def test_checkins_by_date_then_id(seeded: GraphStore) -> None:
    assert ids(seeded.checkins("pr1")) == ["ci-0", "ci-a", "ci-b"]
    assert seeded.checkins("pr1")[1] == CHECKINS[1]
    assert seeded.checkins("pr3") == []
    assert sorted(ids(seeded.all_checkins())) == ["ci-0", "ci-a", "ci-b", "ci-x"]


# --- taxonomy history -----------------------------------------------------------------------


def test_taxonomy_changes_newest_first(seeded: GraphStore) -> None:
    changes = [
        TaxonomyChange(id="tc1", at=T0, actor="st", op="create", node_ids=["s-py"]),
        TaxonomyChange(
            id="tc2",
            at=T0 + timedelta(days=1),
            actor="st",
            op="merge",
            node_ids=["s-sql", "s-py"],
            before={"label": "x"},
            after={"label": "y", "n": 2},
            reason="dup",
        ),
        TaxonomyChange(
            id="tc3", at=T0 + timedelta(days=2), actor="st", op="rename", node_ids=["c-data"]
        ),
    ]
    seeded.apply([UpsertTaxonomyChanges(changes)])
    assert seeded.get_taxonomy_change("tc2") == changes[1]
    assert seeded.get_taxonomy_change("nope") is None
    assert ids(seeded.taxonomy_changes()) == ["tc3", "tc2", "tc1"]
    assert ids(seeded.taxonomy_changes(limit=2)) == ["tc3", "tc2"]
    assert ids(seeded.taxonomy_changes(node_id="s-py")) == ["tc2", "tc1"]
    assert ids(seeded.taxonomy_changes(node_id="s-java")) == []
    # the totals beside the pages (issue 18: `count` is the total, not the page size)
    assert seeded.count_taxonomy_changes() == 3
    assert seeded.count_taxonomy_changes(node_id="s-py") == 2
    assert seeded.count_taxonomy_changes(node_id="s-java") == 0
    reverted = changes[0].model_copy(update={"reverted_by": "tc3"})
    seeded.apply([UpsertTaxonomyChanges([reverted])])
    assert seeded.get_taxonomy_change("tc1") == reverted


# --- access and audit -----------------------------------------------------------------------


def test_api_keys(store: GraphStore) -> None:
    k1 = ApiKey(id="k1", key_hash="h" * 32, roles=[Role.admin], created_at=T0)
    k2 = ApiKey(
        id="k2",
        key_hash="g" * 32,
        roles=[Role.mentee, Role.mentor],
        person_id="alice",
        created_at=T0,
    )
    store.apply([PutApiKeys([k2])])
    store.apply([PutApiKeys([k1])])
    assert store.get_api_key_by_hash("h" * 32) == k1
    assert store.get_api_key_by_hash("x" * 32) is None
    assert ids(store.list_api_keys()) == ["k1", "k2"]
    revoked = k1.model_copy(update={"revoked_at": T0 + timedelta(hours=1)})
    store.apply([PutApiKeys([revoked])])
    assert store.get_api_key_by_hash("h" * 32) == revoked
    assert len(store.list_api_keys()) == 2


def test_audit_newest_first(store: GraphStore) -> None:
    for n, actor in enumerate(["ann", "ben", "ann"]):
        store.apply(
            [
                AppendAudit(
                    [
                        AuditEntry(
                            id=f"a{n}",
                            at=T0 + timedelta(minutes=n),
                            actor=actor,
                            action="login",
                            detail={"n": n},
                        )
                    ]
                )
            ]
        )
    assert ids(store.list_audit()) == ["a2", "a1", "a0"]
    assert ids(store.list_audit(limit=1)) == ["a2"]
    assert ids(store.list_audit(actor="ann")) == ["a2", "a0"]
    assert store.list_audit(actor="ann")[1].detail == {"n": 0}


def test_times_keep_their_instant(store: GraphStore) -> None:
    # Same instant written in another offset must sort by the instant, not the text.
    from datetime import timezone

    plus2 = timezone(timedelta(hours=2))
    early = datetime(2025, 1, 1, 11, 0, tzinfo=plus2)  # 09:00 UTC
    store.apply([AppendAudit([AuditEntry(id="early", at=early, actor="x", action="a")])])
    late = datetime(2025, 1, 1, 10, 0, tzinfo=UTC)
    store.apply([AppendAudit([AuditEntry(id="late", at=late, actor="x", action="a")])])
    got = store.list_audit()
    assert ids(got) == ["late", "early"]
    assert got[1].at == datetime(2025, 1, 1, 9, 0, tzinfo=UTC)
    assert date(2025, 1, 1) == got[0].at.date()
