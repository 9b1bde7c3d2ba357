"""Analytics over HTTP say how sure they are: coverage shows the mapping confidence it counted
and fairness says "not enough data" instead of a ratio without a sample (seeded org of
tests/api/conftest.py: p2's goal targets "public speaking" at confidence 0.8; one accepted
pairing; nobody gave a department)."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

from taxonomy.rerank import RerankModel
from tests.api.conftest import Keys


def test_coverage_shows_the_confidence_it_counted(client: TestClient, keys: Keys) -> None:
    body = client.get("/v1/analytics/coverage", headers=keys.auth("coordinator")).json()
    # the running mapper's threshold (the shipped re-ranker's), not graph/'s stand-alone default
    threshold = RerankModel.load().threshold
    assert (body["min_confidence"], body["targets_left_out"]) == (threshold, 0)
    row = next(r for r in body["skills"] if r["node_id"] == "s-present")
    assert (row["demand"], row["goals"], row["confidence"]) == (0.8, 1, 0.8)
    text = client.get("/v1/analytics/coverage.csv", headers=keys.auth("coordinator")).text
    first = next(csv.DictReader(io.StringIO(text)))
    assert {"goals", "confidence"} <= set(first)


def test_fairness_without_a_sample_says_not_enough_data(client: TestClient, keys: Keys) -> None:
    auth = keys.auth("coordinator")
    body = client.get("/v1/analytics/fairness?attribute=department", headers=auth).json()
    table = body["mentee_assignment"]
    assert (table["status"], table["disparity_ratio"], table["flagged"]) == (
        "not enough data",
        None,
        False,
    )
    assert body["flags"] == [] and len(body["notes"]) == 3
    assert (body["min_group_size"], body["min_expected_events"]) == (5, 5.0)
    text = client.get("/v1/analytics/fairness.csv", headers=auth).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and all(r["status"] == "not enough data" for r in rows)
