"""In-process API fixtures: the app over a real store (no port), and keys for every role.

`client` runs over the embedded store; `any_client` is parametrised over the shared `store`
fixture (embedded and, opt-in, Neo4j) for the core subset that must behave the same on both.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.auth import create_key
from api.main import create_app
from graph.model import (
    Broader,
    Goal,
    GoalTarget,
    Pairing,
    PairingStatus,
    Person,
    PersonSkill,
    Role,
    Skill,
    SkillCluster,
)
from graph.settings import Settings
from graph.store import (
    AddBroader,
    GraphStore,
    SetGoalTargets,
    UpsertClusters,
    UpsertGoals,
    UpsertPairings,
    UpsertPeople,
    UpsertPersonSkills,
    UpsertSkills,
)


def make_settings(tmp_path: Path) -> Settings:
    return Settings(environment="test", data_dir=tmp_path, max_page_size=50)


def fake_embedder():
    from taxonomy.embedding import FakeEmbedder

    return FakeEmbedder()


def seed(store: GraphStore) -> None:
    """A tiny org: two mentees (p1, p2), a mentor (m1) and a steward (st1) on a 3-node map;
    p2 has goal g-p2 and an accepted pairing pr-p2 with m1."""
    store.apply(
        [
            UpsertClusters(
                [SkillCluster(id="c-comm", label="communication", tier=0, source="company")]
            ),
            UpsertSkills(
                [
                    Skill(id="s-present", label="public speaking", aliases=["presenting"]),
                    Skill(id="s-python", label="Python programming"),
                ]
            ),
            AddBroader([Broader(child_id="s-present", parent_id="c-comm")]),
            UpsertPeople(
                [
                    Person(id="p1", name="Pat One", timezone="Europe/Berlin"),
                    Person(id="p2", name="Pia Two", timezone="America/New_York"),
                    Person(
                        id="m1",
                        name="Mo Mentor",
                        is_mentor=True,
                        max_mentees=2,
                        max_hours_per_month=8,
                        attributes={"group": "x"},
                    ),
                    Person(id="st1", name="Sam Steward"),
                ]
            ),
            UpsertPersonSkills(
                [PersonSkill(person_id="m1", skill_id="s-present", level=5, willing_to_mentor=True)]
            ),
            UpsertGoals([Goal(id="g-p2", person_id="p2", text="present to executives")]),
            SetGoalTargets(
                "g-p2", [GoalTarget(goal_id="g-p2", node_id="s-present", confidence=0.8)]
            ),
            UpsertPairings(
                [
                    Pairing(
                        id="pr-p2",
                        mentor_id="m1",
                        mentee_ids=["p2"],
                        status=PairingStatus.accepted,
                        goal_ids=["g-p2"],
                    )
                ]
            ),
        ]
    )


def seed_other_pairing(store: GraphStore) -> None:
    """Mentor m2 (no key acts for them) in a proposed pairing pr-other with p2."""
    store.apply(
        [
            UpsertPeople([Person(id="m2", name="Max Mentor", is_mentor=True, max_mentees=3)]),
            UpsertPairings([Pairing(id="pr-other", mentor_id="m2", mentee_ids=["p2"])]),
        ]
    )


@dataclass
class Keys:
    """One token per role; person-bound roles act for the people above."""

    mentee: str  # p1
    mentee2: str  # p2
    mentor: str  # m1
    steward: str  # st1
    coordinator: str
    admin: str

    def for_role(self, role: Role) -> str:
        return getattr(self, role.value)

    def auth(self, role: Role | str) -> dict[str, str]:
        token = getattr(self, role.value if isinstance(role, Role) else role)
        return {"Authorization": f"Bearer {token}"}


def make_keys(store: GraphStore) -> Keys:
    def k(role: Role, person: str | None) -> str:
        return create_key(store, [role], person_id=person, label=f"test {role}")[1]

    return Keys(
        mentee=k(Role.mentee, "p1"),
        mentee2=k(Role.mentee, "p2"),
        mentor=k(Role.mentor, "m1"),
        steward=k(Role.steward, "st1"),
        coordinator=k(Role.coordinator, None),
        admin=k(Role.admin, None),
    )


def build_app(tmp_path: Path, store: GraphStore) -> FastAPI:
    return create_app(make_settings(tmp_path), store=store, embedder=fake_embedder())


@pytest.fixture
def api_store(store: GraphStore) -> GraphStore:
    """The store under the app: every API test runs on the embedded store and, where a Bolt
    server is configured (always in CI), on the Neo4j store too."""
    return store


@pytest.fixture
def app(tmp_path: Path, api_store: GraphStore) -> FastAPI:
    seed(api_store)
    return build_app(tmp_path, api_store)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def keys(app: FastAPI, api_store: GraphStore) -> Keys:
    return make_keys(api_store)


@pytest.fixture
def any_client(tmp_path: Path, store: GraphStore) -> Iterator[tuple[TestClient, Keys]]:
    """The app over each store kind (embedded; Neo4j when a Bolt server is configured)."""
    seed(store)
    keys = make_keys(store)
    with TestClient(build_app(tmp_path, store), raise_server_exceptions=False) as c:
        yield c, keys
