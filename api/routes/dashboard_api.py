"""What the L&D dashboard reads beyond the analytics reports: program health per cohort,
coverage gaps by cluster with mapping confidence, recognition, and their charts.

All for coordinators and admins (like /v1/analytics), computed on read from the service's
snapshot, so a pairing that went quiet shows as stalled the moment it crosses the line.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api import charts
from api.analytics_data import org_data, recommendation_exposures
from api.deps import Allow, StateDep
from api.routes.analytics import csv_response
from graph.analytics import fairness_audit, mentor_load
from graph.analytics.gaps import ClusterGaps, cluster_gaps
from graph.analytics.program import ProgramHealth, program_health
from graph.analytics.queries import neighbourhood
from graph.analytics.recognition import CSV_COLUMNS, RecognitionReport, recognition_report
from graph.model import Role, utcnow

router = APIRouter(prefix="/analytics", tags=["analytics"])
ORG = Allow(Role.coordinator, Role.admin)
SVG: dict[int | str, dict[str, object]] = {
    200: {"content": {"image/svg+xml": {"schema": {"type": "string"}}}, "description": "SVG"}
}
Tier = Annotated[
    int | None,
    Query(ge=0, le=10, description="cluster tier (0 = top); default: the first with 8+ clusters"),
]
Top = Annotated[int, Query(ge=1, le=50, description="how many clusters")]
Width = Annotated[int, Query(ge=320, le=1600, description="chart width in px")]


def _svg(markup: str) -> Response:
    return Response(markup, media_type="image/svg+xml")


@router.get("/programs", response_model=ProgramHealth, dependencies=[ORG])
def get_programs(state: StateDep) -> ProgramHealth:
    """Per program and overall: enrolled -> proposed -> matched -> active (counting
    proposals), days to match from the program's start, outcomes, and a monthly timeline."""
    return program_health(org_data(state), now=utcnow())


@router.get("/gaps", response_model=ClusterGaps, dependencies=[ORG])
def get_gaps(state: StateDep, tier: Tier = None, top: Top = 12) -> ClusterGaps:
    """Coverage gaps of one tier of clusters, with goals, mapping confidence and mentors."""
    return cluster_gaps(org_data(state), tier=tier, top=top)


@router.get(
    "/recognition",
    response_model=RecognitionReport,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
    dependencies=[ORG],
)
def get_recognition(
    state: StateDep,
    format: Annotated[Literal["json", "csv"], Query(description="csv: the by_program rows")] = (
        "json"
    ),
) -> RecognitionReport | Response:
    """Impact, not tenure: what each mentor gave (mentees, sessions, hours, goals reached),
    per mentor and program (mentees supported, hours, goals achieved, skills transferred as
    level gains, the mentees' ratings), and who grew from mentee to mentor."""
    report = recognition_report(org_data(state), now=utcnow())
    if format == "csv":
        return csv_response(report.by_program, "recognition", CSV_COLUMNS)
    return report


@router.get("/charts/programs.svg", response_class=Response, responses=SVG, dependencies=[ORG])
def chart_programs(state: StateDep, width: Width = 600) -> Response:
    return _svg(charts.program_funnel(get_programs(state), width=width))


@router.get("/charts/monthly.svg", response_class=Response, responses=SVG, dependencies=[ORG])
def chart_monthly(state: StateDep, width: Width = 600) -> Response:
    return _svg(charts.monthly_pairings(get_programs(state), width=width))


@router.get("/charts/checkins.svg", response_class=Response, responses=SVG, dependencies=[ORG])
def chart_checkins(state: StateDep, width: Width = 600) -> Response:
    return _svg(charts.checkin_ratings(get_programs(state), width=width))


@router.get("/charts/gaps.svg", response_class=Response, responses=SVG, dependencies=[ORG])
def chart_gaps(state: StateDep, tier: Tier = None, top: Top = 12, width: Width = 600) -> Response:
    return _svg(charts.cluster_gaps_chart(get_gaps(state, tier, top), width=width))


@router.get("/charts/mentor-load.svg", response_class=Response, responses=SVG, dependencies=[ORG])
def chart_mentor_load(state: StateDep, width: Width = 600) -> Response:
    return _svg(charts.load_histogram(mentor_load(org_data(state)), width=width))


@router.get("/charts/fairness.svg", response_class=Response, responses=SVG, dependencies=[ORG])
def chart_fairness(
    state: StateDep,
    attribute: Annotated[str, Query(min_length=1, max_length=80)] = "department",
    width: Width = 600,
) -> Response:
    report = fairness_audit(org_data(state), attribute, exposures=recommendation_exposures(state))
    return _svg(charts.fairness_chart(report, width=width))


@router.get("/charts/recognition.svg", response_class=Response, responses=SVG, dependencies=[ORG])
def chart_recognition(state: StateDep, width: Width = 600) -> Response:
    report = recognition_report(org_data(state), now=utcnow())
    return _svg(charts.recognition_chart(report, width=width))


@router.get("/charts/around.svg", response_class=Response, responses=SVG, dependencies=[ORG])
def chart_around(
    state: StateDep,
    node: Annotated[str, Query(min_length=1, max_length=512, description="node or person id")],
    width: Width = 600,
) -> Response:
    """The network view around a skill, cluster or person, in readable columns."""
    return _svg(charts.network_view(neighbourhood(org_data(state), node), width=width))
