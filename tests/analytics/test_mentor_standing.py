"""Only the mentee's ratings count toward a mentor's standing (issue 13): a mentor's own
rating of the relationship (and a coordinator's) is kept and counted as a session, but moves
neither the mentor's average in recognition nor the monthly average rating of match health."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from graph.analytics import OrgData, match_health
from graph.analytics.program import recognition
from graph.model import CheckIn, CheckInAuthor
from tests.analytics.tiny_org import build

NOW = datetime(2026, 3, 30, 12, tzinfo=UTC)


def with_checkins(extra: list[CheckIn]) -> OrgData:
    _, data = build()
    return replace(data, checkins=[*data.checkins, *extra])


def by(role: CheckInAuthor, cid: str, rating: int, on: date = date(2026, 2, 25)) -> CheckIn:
    author = {"mentor": "m2", "mentee": "e2", "coordinator": None}[role.value]
    return CheckIn(
        id=cid, pairing_id="p1", on=on, rating=rating, author_role=role, author_id=author
    )


@pytest.mark.parametrize("role", [CheckInAuthor.mentor, CheckInAuthor.coordinator])
def test_a_mentors_own_rating_does_not_move_their_standing(role: CheckInAuthor) -> None:
    base = recognition(with_checkins([]), now=NOW).mentors[0]
    assert (base.mentor_id, base.avg_rating, base.sessions) == ("m2", 3.0, 3)
    own = recognition(with_checkins([by(role, "own5", 5), by(role, "own5b", 5)]), now=NOW)
    (m2,) = own.mentors
    assert m2.avg_rating == 3.0  # the two 5s are not feedback on m2
    assert m2.sessions == 5  # but the sessions happened


def test_a_mentees_rating_does_move_it() -> None:
    (m2,) = recognition(with_checkins([by(CheckInAuthor.mentee, "e5", 5)]), now=NOW).mentors
    assert m2.avg_rating == pytest.approx((4 + 2 + 3 + 5) / 4, abs=0.01)


def test_match_health_averages_only_the_mentees_ratings() -> None:
    data = with_checkins([by(CheckInAuthor.mentor, "own5", 5)])
    feb = next(p for p in match_health(data).timeline if p.month == "2026-02")
    assert feb.checkins == 3  # counted as a session
    assert feb.avg_rating == pytest.approx(2.5)  # (2 + 3) / 2: the mentor's 5 left out
    data = with_checkins([by(CheckInAuthor.mentee, "e5", 5)])
    feb = next(p for p in match_health(data).timeline if p.month == "2026-02")
    assert feb.avg_rating == pytest.approx((2 + 3 + 5) / 3, abs=0.001)
