"""L&D analytics for coordinators: coverage, load, match health, fairness, graph queries,
CSV exports and the SVG charts the dashboard shows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel

from api import charts
from api.analytics_data import (
    mapping_threshold,
    org_data,
    recommendation_exposures,
    unmatched_mentees,
)
from api.deps import Allow, StateDep
from api.schemas.analytics import (
    BridgingList,
    CypherQuery,
    CypherResult,
    PathsList,
    StalledList,
    UnmatchedList,
)
from graph.analytics import (
    CoverageReport,
    FairnessReport,
    LoadReport,
    MatchHealth,
    coverage,
    fairness_audit,
    match_health,
    mentor_load,
)
from graph.analytics.program import stalled_pairings
from graph.analytics.queries import (
    SubGraph,
    bridging_skills,
    neighbourhood,
    paths_between,
)
from graph.errors import Conflict
from graph.model import Role, utcnow

router = APIRouter(prefix="/analytics", tags=["analytics"], dependencies=[])
ORG = Allow(Role.coordinator, Role.admin)

CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV table"}
}
SVG_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/svg+xml": {"schema": {"type": "string"}}}, "description": "SVG"}
}
ALL = 1_000_000  # no cut: every row, to count them
Top = Annotated[int, Query(ge=1, le=500, description="how many rows of the top list")]
NodeQ = Annotated[
    str, Query(min_length=1, max_length=512, description="skill, cluster or person id")
]


def csv_response(rows: Iterable[BaseModel], name: str, columns: Sequence[str]) -> Response:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(columns)
    for row in rows:
        data = row.model_dump()
        writer.writerow(
            ";".join(map(str, v)) if isinstance(v, list) else v for v in (data[c] for c in columns)
        )
    return Response(
        buf.getvalue(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


def svg_response(svg: str) -> Response:
    return Response(svg, media_type="image/svg+xml")


# --- coverage -------------------------------------------------------------------------------


@router.get("/coverage", response_model=CoverageReport, dependencies=[ORG])
def get_coverage(state: StateDep, top: Top = 20) -> CoverageReport:
    """Demand (goals, weighted by confidence) against supply (willing mentors with room).
    Only goal targets at or above the goal mapper's confidence threshold count
    (`min_confidence`); each row gives the targets counted and their mean confidence."""
    return coverage(org_data(state), top=top, min_confidence=mapping_threshold(state))


@router.get("/coverage.csv", response_class=Response, responses=CSV_RESPONSE, dependencies=[ORG])
def get_coverage_csv(state: StateDep) -> Response:
    report = coverage(org_data(state), min_confidence=mapping_threshold(state))
    rows = [*report.skills, *(r for rows in report.tiers.values() for r in rows)]
    cols = ["node_id", "label", "kind", "tier", "demand", "supply", "gap", "recruit", "goals",
            "confidence"]  # fmt: skip
    return csv_response(rows, "coverage", cols)


# --- load -----------------------------------------------------------------------------------


@router.get("/load", response_model=LoadReport, dependencies=[ORG])
def get_load(state: StateDep) -> LoadReport:
    """Active mentees and hours per mentor against their limits."""
    return mentor_load(org_data(state))


@router.get("/load.csv", response_class=Response, responses=CSV_RESPONSE, dependencies=[ORG])
def get_load_csv(state: StateDep) -> Response:
    cols = [
        "mentor_id",
        "name",
        "mentees",
        "max_mentees",
        "hours_per_month",
        "max_hours_per_month",
        "utilisation",
        "state",
    ]
    return csv_response(mentor_load(org_data(state)).mentors, "load", cols)


# --- match health ---------------------------------------------------------------------------


@router.get("/health", response_model=MatchHealth, dependencies=[ORG])
def get_health(state: StateDep) -> MatchHealth:
    """Match rate, time to match, pairing states, ratings over time, stall reasons."""
    return match_health(org_data(state))


@router.get("/health.csv", response_class=Response, responses=CSV_RESPONSE, dependencies=[ORG])
def get_health_csv(state: StateDep) -> Response:
    cols = ["month", "proposed", "matched", "checkins", "avg_rating"]
    return csv_response(match_health(org_data(state)).timeline, "match-health", cols)


@router.get("/stalled", response_model=StalledList, dependencies=[ORG])
def get_stalled(
    state: StateDep, stall_after_days: Annotated[int, Query(ge=1, le=365)] = 21
) -> StalledList:
    """Pairings marked stalled (`detected: "marked"`), then active ones the stall detector
    finds stalled right now (`detected: "live"`: silent too long, ratings falling or low),
    with names, when, why and how many days silent."""
    rows = stalled_pairings(org_data(state), now=utcnow(), stall_after_days=stall_after_days)
    return StalledList(data=rows, count=len(rows))


# --- fairness -------------------------------------------------------------------------------

Attribute = Annotated[
    str,
    Query(
        min_length=1,
        max_length=80,
        description="department, location, title, timezone, or attributes.<key> "
        "(self-reported, given with consent)",
    ),
]
Threshold = Annotated[float, Query(gt=0, le=1, description="flag ratios below this")]


@router.get("/fairness", response_model=FairnessReport, dependencies=[ORG])
def get_fairness(
    state: StateDep, attribute: Attribute = "department", threshold: Threshold = 0.8
) -> FairnessReport:
    """Exposure and assignment rates per group, and the disparity ratio between groups. A
    group enters the ratio with at least 5 members and 5 expected events at the overall rate;
    otherwise the table says "not enough data" (status, note) and has no ratio."""
    return fairness_audit(
        org_data(state),
        attribute,
        exposures=recommendation_exposures(state),
        threshold=threshold,
    )


@router.get("/fairness.csv", response_class=Response, responses=CSV_RESPONSE, dependencies=[ORG])
def get_fairness_csv(
    state: StateDep, attribute: Attribute = "department", threshold: Threshold = 0.8
) -> Response:
    report = get_fairness(state, attribute, threshold)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(
        ["metric", "group", "members", "rate", "disparity_ratio", "flagged", "counted", "status"]
    )
    for table in (report.mentor_exposure, report.mentee_assignment, report.mentor_assignment):
        for g in table.groups:
            writer.writerow(
                [
                    table.metric,
                    g.group,
                    g.members,
                    g.rate,
                    table.disparity_ratio,
                    table.flagged,
                    g.counted,
                    table.status,
                ]
            )
    return Response(buf.getvalue(), media_type="text/csv")


# --- graph queries --------------------------------------------------------------------------


@router.get("/queries/paths", response_model=PathsList, dependencies=[ORG])
def query_paths(
    state: StateDep,
    a: Annotated[str, Query(min_length=1, max_length=512)],
    b: Annotated[str, Query(min_length=1, max_length=512)],
    max_people: Annotated[int, Query(ge=2, le=6)] = 4,
) -> PathsList:
    """How two people connect through skills they share."""
    rows = paths_between(org_data(state), a, b, max_people=max_people)
    return PathsList(data=rows, count=len(rows))


@router.get("/queries/bridging", response_model=BridgingList, dependencies=[ORG])
def query_bridging(
    state: StateDep,
    cluster_a: Annotated[str, Query(min_length=1, max_length=512)],
    cluster_b: Annotated[str, Query(min_length=1, max_length=512)],
    top: Top = 20,
) -> BridgingList:
    """Skills that link two clusters (under both, or held by people spanning both): the
    `top` best, `count` how many in all."""
    rows = bridging_skills(org_data(state), cluster_a, cluster_b, limit=ALL)
    return BridgingList(data=rows[:top], count=len(rows))


@router.get("/queries/neighbourhood", response_model=SubGraph, dependencies=[ORG])
def query_neighbourhood(
    state: StateDep, node: NodeQ, depth: Annotated[int, Query(ge=1, le=3)] = 1
) -> SubGraph:
    """A skill's or a person's surroundings in the graph."""
    return neighbourhood(org_data(state), node, depth=depth)


@router.get("/queries/unmatched", response_model=UnmatchedList, dependencies=[ORG])
def query_unmatched(
    state: StateDep, limit: Annotated[int, Query(ge=1, le=10_000)] = 1000
) -> UnmatchedList:
    """Mentees with open goals for whom the recommender finds no viable mentor, and why,
    among the first `limit` seekers."""
    rows = unmatched_mentees(state, limit=limit)
    return UnmatchedList(data=rows, count=len(rows))


@router.post("/queries/cypher", response_model=CypherResult, dependencies=[ORG])
def query_cypher(body: CypherQuery, state: StateDep) -> CypherResult:
    """Run an ad-hoc READ-ONLY Cypher query with parameters (Neo4j store only), in a
    read-access session, with a timeout and a row limit. Any write is refused (422)."""
    run = getattr(state.store, "run_read_query", None)
    if state.store.kind != "neo4j" or run is None:
        raise Conflict("ad-hoc Cypher needs the Neo4j store; this service runs the embedded one")
    rows, truncated = run(
        body.query,
        body.params,
        row_limit=body.limit,
        timeout_s=min(body.timeout_s, state.settings.neo4j_query_timeout_s),
    )
    return CypherResult(rows=rows, count=len(rows), truncated=truncated)


# --- charts ---------------------------------------------------------------------------------


@router.get(
    "/charts/coverage.svg", response_class=Response, responses=SVG_RESPONSE, dependencies=[ORG]
)
def chart_coverage(state: StateDep) -> Response:
    report = coverage(org_data(state), min_confidence=mapping_threshold(state))
    return svg_response(charts.coverage_heatmap(report))


@router.get("/charts/load.svg", response_class=Response, responses=SVG_RESPONSE, dependencies=[ORG])
def chart_load(state: StateDep) -> Response:
    return svg_response(charts.load_histogram(mentor_load(org_data(state))))


@router.get(
    "/charts/health.svg", response_class=Response, responses=SVG_RESPONSE, dependencies=[ORG]
)
def chart_health(state: StateDep) -> Response:
    return svg_response(charts.health_timeline(match_health(org_data(state))))


@router.get(
    "/charts/network.svg", response_class=Response, responses=SVG_RESPONSE, dependencies=[ORG]
)
def chart_network(state: StateDep, node: NodeQ) -> Response:
    return svg_response(charts.network_view(neighbourhood(org_data(state), node)))
