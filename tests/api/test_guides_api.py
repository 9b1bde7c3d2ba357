"""Guide, invitation, skill gap, growth into mentoring and recognition through the API, on
every store (`client` runs over the `store` fixture: embedded, and Neo4j where configured)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from fastapi.testclient import TestClient

from graph.model import (
    Broader,
    GoalStatus,
    Milestone,
    PairingEvent,
    PairingStatus,
    Person,
    PersonSkill,
    Skill,
    WeeklyWindow,
)
from graph.store import (
    AddBroader,
    GraphStore,
    UpsertGoals,
    UpsertPairings,
    UpsertPeople,
    UpsertPersonSkills,
    UpsertSkills,
)
from tests.api.conftest import Keys

EVERY_DAY = [WeeklyWindow(weekday=d, start=time(14), end=time(18)) for d in range(7)]
MORNINGS = [WeeklyWindow(weekday=d, start=time(9), end=time(13)) for d in range(7)]


def with_calendars(store: GraphStore) -> None:
    """m1 (UTC) free 14:00-18:00 and p2 (New York) 09:00-13:00 local every day (14:00-18:00
    UTC in winter, 13:00-17:00 in summer); p2's goal gets a
    milestone; a narrower skill of "public speaking" for the bridges."""
    m1, p2 = store.get_person("m1"), store.get_person("p2")
    goal = store.get_goal("g-p2")
    assert m1 and p2 and goal
    store.apply(
        [
            UpsertSkills(
                [
                    Skill(
                        id="s-pitch",
                        label="pitch an idea",
                        description="Present an idea briefly. Persuade listeners.",
                    )
                ]
            ),
            UpsertPeople(
                [
                    m1.model_copy(update={"windows": EVERY_DAY, "email": "mo@example.org"}),
                    p2.model_copy(update={"windows": MORNINGS}),
                ]
            ),
            UpsertGoals(
                [goal.model_copy(update={"milestones": [Milestone(title="MILESTONE-one")]})]
            ),
        ]
    )
    store.apply([AddBroader([Broader(child_id="s-pitch", parent_id="s-present")])])


def test_guide_for_participants_only(client: TestClient, keys: Keys, api_store: GraphStore) -> None:
    with_calendars(api_store)
    r = client.get("/v1/pairings/pr-p2/guide", headers=keys.auth("mentor"))
    assert r.status_code == 200, r.text
    g = r.json()
    target = g["targets"][0]
    assert target["node_id"] == "s-present"
    assert target["mentee_levels"] == [{"person_id": "p2", "level": None}]
    assert target["mentor_skills"][0] == {
        "skill_id": "s-present",
        "label": "public speaking",
        "level": 5,
        "relation": "skill",
        "credit": 1.0,
    }
    bridge = target["bridges"][0]
    assert (bridge["skill_id"], bridge["relation"]) == ("s-pitch", "narrower")
    assert bridge["description"].startswith("Present an idea briefly.")
    assert any("public speaking" in t for t in target["topics"])
    assert any("pitch an idea" in t for t in target["topics"])
    # the accepted mentor sees the text and milestones
    assert g["goals"][0]["text"] == "present to executives"
    assert g["goals"][0]["milestones"][0]["title"] == "MILESTONE-one"
    # three shared slots of up to an hour, inside 14:00-18:00 UTC, in each person's zone
    assert len(g["slots"]) == 3
    for slot in g["slots"]:
        start = datetime.fromisoformat(slot["start_utc"])
        end = datetime.fromisoformat(slot["end_utc"])
        assert timedelta(minutes=30) <= end - start <= timedelta(hours=1)
        ny = next(x for x in slot["local"] if x["person_id"] == "p2")
        local = datetime.fromisoformat(ny["start"])
        assert local == start.astimezone(ZoneInfo("America/New_York"))
        assert time(14) <= start.astimezone(UTC).time() < time(18)
        assert time(9) <= local.time() < time(13)
    starts = [s["start_utc"] for s in g["slots"]]
    assert starts == sorted(starts)
    # the mentee, the coordinator: yes; another mentee, a steward: 403
    assert client.get("/v1/pairings/pr-p2/guide", headers=keys.auth("mentee2")).status_code == 200
    assert (
        client.get("/v1/pairings/pr-p2/guide", headers=keys.auth("coordinator")).status_code == 200
    )
    for role in ("mentee", "steward"):
        r = client.get("/v1/pairings/pr-p2/guide", headers=keys.auth(role))
        assert r.status_code == 403, role
        assert r.json()["error"]["code"] == "forbidden"
    assert client.get("/v1/pairings/nope/guide", headers=keys.auth("admin")).status_code == 404


def test_guide_hides_text_from_a_proposed_mentor(
    client: TestClient, keys: Keys, api_store: GraphStore
) -> None:
    pairing = api_store.get_pairing("pr-p2")
    assert pairing
    api_store.apply(
        [UpsertPairings([pairing.model_copy(update={"status": PairingStatus.proposed})])]
    )
    with_calendars(api_store)
    g = client.get("/v1/pairings/pr-p2/guide", headers=keys.auth("mentor")).json()
    assert g["goals"][0]["text"] is None and g["goals"][0]["milestones"] == []
    assert g["targets"][0]["node_id"] == "s-present"  # skills are shared by default
    assert "MILESTONE" not in str(g) and "executives" not in str(g)


def test_invite_parses_back(client: TestClient, keys: Keys, api_store: GraphStore) -> None:
    with_calendars(api_store)
    r = client.get("/v1/pairings/pr-p2/invite.ics?cadence=weekly", headers=keys.auth("mentee2"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(r.content)
    assert {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")} == {"America/New_York"}
    (event,) = cal.walk("VEVENT")
    assert str(event["ORGANIZER"]) == "mailto:mo@example.org"
    assert str(event["ATTENDEE"]) == "urn:mentorgraph:person:p2"
    assert event["RRULE"]["FREQ"] == ["WEEKLY"] and event["RRULE"]["INTERVAL"] == [1]
    guide = client.get("/v1/pairings/pr-p2/guide", headers=keys.auth("mentee2")).json()
    first = datetime.fromisoformat(guide["slots"][0]["start_utc"])
    assert event.decoded("DTSTART") == first
    occurrences = recurring_ical_events.of(cal).between(first, first + timedelta(weeks=8))
    assert len(occurrences) == 6  # no goal target date: DEFAULT_COUNT meetings
    assert "executives" not in r.text  # never goal text in an invitation
    # outsiders: 403; a pair with no shared time: 409 naming availability
    assert (
        client.get("/v1/pairings/pr-p2/invite.ics", headers=keys.auth("mentee")).status_code == 403
    )
    p2 = api_store.get_person("p2")
    assert p2
    api_store.apply([UpsertPeople([p2.model_copy(update={"windows": []})])])
    r = client.get("/v1/pairings/pr-p2/invite.ics", headers=keys.auth("mentor"))
    assert r.status_code == 409
    assert r.json()["error"]["details"][0]["field"] == "availability"


def test_skill_gap_with_role_and_privacy(
    client: TestClient, keys: Keys, api_store: GraphStore
) -> None:
    analysts = [Person(id=f"da{i}", name=f"Analyst {i}", title="Data Analyst") for i in range(5)]
    api_store.apply(
        [
            UpsertPeople(analysts),
            UpsertPersonSkills(
                [
                    PersonSkill(person_id=f"da{i}", skill_id="s-python", level=3 + (i % 2))
                    for i in range(5)
                ]
                + [PersonSkill(person_id="da0", skill_id="s-present", level=2)]
            ),
        ]
    )
    r = client.get("/v1/people/p2/skill-gap?role=data%20analyst", headers=keys.auth("mentee2"))
    assert r.status_code == 200, r.text
    gap = r.json()
    assert gap["goals"][0]["node_id"] == "s-present" and gap["goals"][0]["gap"] is True
    role = gap["role"]
    assert role["enough"] is True and role["group_size"] == 5
    python = next(s for s in role["skills"] if s["skill_id"] == "s-python")
    assert python["prevalence"] == 1.0 and python["median_level"] == 3.0
    assert python["your_level"] is None and python["gap"] is True
    assert [s["skill_id"] for s in role["skills"]] == ["s-python"]  # 1 of 5 is below 30%
    (proposal,) = gap["proposals"]
    assert proposal["skill_id"] == "s-python" and proposal["to_level"] == 3
    assert "Python programming" in proposal["text"]
    # four people with a title: no profile, and their number is not given
    r = client.get("/v1/people/p2/skill-gap?role=Nobody%20Title", headers=keys.auth("mentor"))
    assert r.json()["role"]["enough"] is False and r.json()["role"]["group_size"] is None
    assert "not enough people" in r.json()["role"]["message"]
    for role_name in ("mentee", "steward"):
        r = client.get("/v1/people/p2/skill-gap", headers=keys.auth(role_name))
        assert r.status_code == 403, role_name


def _achieve(api_store: GraphStore, level: int) -> None:
    """p2 reached goal g-p2 with m1 (pairing closed) and now holds public speaking at
    `level`, not offered for mentoring."""
    goal, pairing = api_store.get_goal("g-p2"), api_store.get_pairing("pr-p2")
    assert goal and pairing
    at = datetime(2026, 1, 5, tzinfo=UTC)
    api_store.apply(
        [
            UpsertGoals([goal.model_copy(update={"status": GoalStatus.achieved})]),
            UpsertPairings(
                [
                    pairing.model_copy(
                        update={
                            "status": PairingStatus.closed,
                            "baseline_levels": {"p2": {"s-present": 0}},
                            "history": [
                                PairingEvent(status=PairingStatus.proposed, at=at),
                                PairingEvent(status=PairingStatus.accepted, at=at),
                                PairingEvent(
                                    status=PairingStatus.active, at=at + timedelta(days=1)
                                ),
                                PairingEvent(
                                    status=PairingStatus.closed, at=at + timedelta(days=90)
                                ),
                            ],
                        }
                    )
                ]
            ),
            UpsertPersonSkills([PersonSkill(person_id="p2", skill_id="s-present", level=level)]),
        ]
    )


def test_suggested_mentor_opts_in_themselves(
    client: TestClient, keys: Keys, api_store: GraphStore
) -> None:
    _achieve(api_store, level=3)
    coord = keys.auth("coordinator")
    assert client.get("/v1/mentors/suggested", headers=coord).json()["count"] == 0  # level 3
    _achieve(api_store, level=4)
    r = client.get("/v1/mentors/suggested", headers=coord)
    assert r.status_code == 200, r.text
    (row,) = r.json()["data"]
    assert (row["person_id"], row["skill_id"], row["level"]) == ("p2", "s-present", 4)
    assert row["goal_id"] == "g-p2" and row["mentored_by"] == "m1"
    assert client.get("/v1/mentors/suggested", headers=keys.auth("mentee2")).status_code == 403
    # nobody opts p2 in but p2
    body = {"skill_ids": ["s-present"]}
    for role in ("coordinator", "admin", "mentor", "mentee"):
        r = client.post("/v1/people/p2/mentoring/opt-in", json=body, headers=keys.auth(role))
        assert r.status_code == 403, role
    r = client.post(
        "/v1/people/p2/mentoring/opt-in",
        json={"skill_ids": ["s-python"]},
        headers=keys.auth("mentee2"),
    )
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "skill_ids[0]"
    assert api_store.get_person("p2").is_mentor is False  # type: ignore[union-attr]
    r = client.post("/v1/people/p2/mentoring/opt-in", json=body, headers=keys.auth("mentee2"))
    assert r.status_code == 200, r.text
    p2 = api_store.get_person("p2")
    assert p2 and p2.is_mentor and p2.max_mentees == 1
    assert [ps.willing_to_mentor for ps in api_store.person_skills("p2")] == [True]
    assert client.get("/v1/mentors/suggested", headers=coord).json()["count"] == 0
    audit = api_store.list_audit(limit=5)
    assert audit[0].action == "person.mentor_opt_in" and audit[0].target == "p2"


def test_recognition_by_program_json_and_csv(
    client: TestClient, keys: Keys, api_store: GraphStore
) -> None:
    _achieve(api_store, level=4)
    coord = keys.auth("coordinator")
    r = client.get("/v1/analytics/recognition", headers=coord)
    assert r.status_code == 200, r.text
    (row,) = r.json()["by_program"]
    assert row["mentor_id"] == "m1" and row["program"] == "(no program)"
    assert row["mentees_supported"] == 1 and row["goals_achieved"] == 1
    assert row["skills_transferred"] == 1 and row["levels_gained"] == 4
    assert row["hours_given"] > 0
    r = client.get("/v1/analytics/recognition?format=csv", headers=coord)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert rows[0]["mentor_id"] == "m1" and rows[0]["skills_transferred"] == "1"
    assert client.get("/v1/analytics/recognition", headers=keys.auth("mentor")).status_code == 403


def test_skill_gap_says_when_no_skill_is_typical_of_the_role(
    client: TestClient, keys: Keys, api_store: GraphStore
) -> None:
    """21 analysts, 3 hold Python and 2 public speaking: nothing reaches 30%. The answer says
    so plainly and shows the most common skills marked below the threshold; no proposals."""
    analysts = [Person(id=f"da{i}", name=f"Analyst {i}", title="Data Analyst") for i in range(21)]
    api_store.apply(
        [
            UpsertPeople(analysts),
            UpsertPersonSkills(
                [PersonSkill(person_id=f"da{i}", skill_id="s-python", level=3) for i in range(3)]
                + [PersonSkill(person_id=f"da{i}", skill_id="s-present", level=2) for i in (5, 6)]
            ),
        ]
    )
    r = client.get("/v1/people/p2/skill-gap?role=Data%20Analyst", headers=keys.auth("mentor"))
    assert r.status_code == 200, r.text
    role = r.json()["role"]
    assert role["enough"] is True and role["group_size"] == 21 and role["skills"] == []
    assert "no skill is held by at least 30% of the 21 people" in role["message"]
    assert "Python programming (3 of 21)" in role["message"]
    below = role["below_threshold"]
    assert [(s["skill_id"], s["holders"], s["below_threshold"]) for s in below] == [
        ("s-python", 3, True),
        ("s-present", 2, True),
    ]
    assert below[0]["prevalence"] == round(3 / 21, 3)
    assert r.json()["proposals"] == []
