"""Mentor recommendations for a mentee (the mentee themself, or coordinators).

The hot read path of the service, so it avoids per-request work that buys nothing: the
mentee is read from the in-memory snapshot (checked fresh against the store's data_version,
which is the one store read besides the key lookup), and the response is serialised once by
pydantic instead of being validated again by FastAPI. On the embedded store a small request
runs on the event loop (the ranking and, for a short list, why_few: 1-3 ms of CPU on the
1000-person demo, 4.7 ms for the whole request; a thread-pool hop costs about 0.2 ms and buys
no parallelism under the GIL); a reload of the snapshot, a network store or a large `k` go to
the thread pool so the event loop never waits long.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.concurrency import run_in_threadpool

from api import limits
from api.deps import Allow, PrincipalDep, StateDep, person_in_path, store_read
from api.schemas.pairings import RecommendationsPublic
from api.usecases import recommendations as recs
from api.usecases.ranking import current_weights
from graph.errors import Conflict, NotFound
from graph.model import Format, MentoringModel, Role, utcnow
from graph.recommend import RecommendOptions

router = APIRouter(tags=["recommendations"])

OWN = (Role.mentee, Role.mentor, Role.steward)
INLINE_MAX_K = 50  # up to this k the ranking runs on the event loop (embedded store)


def recommendations_json(snapshot: Any, person_id: str, k: int, options: RecommendOptions) -> bytes:
    """The response body: the top `k` mentors for `person_id` on `snapshot`, as JSON; when
    nobody is suggested, `why_none` says why (`api.usecases.recommendations.answer`)."""
    body = recs.answer(snapshot, person_id, k, options, utcnow())
    return body.model_dump_json().encode("utf-8")


@router.get(
    "/people/{person_id}/recommendations",
    response_model=RecommendationsPublic,
    dependencies=[Allow(Role.coordinator, Role.admin, own=OWN, owners=person_in_path)],
)
async def recommendations(
    person_id: str,
    state: StateDep,
    principal: PrincipalDep,
    k: Annotated[int, Query(ge=1, le=limits.K_SETTING_MAX)] = 10,
    model: MentoringModel = MentoringModel.one_to_one,
    format: Annotated[
        Format | None,
        Query(description="in_person: same location as the mentee; async: no shared hours"),
    ] = None,
    asynchronous: Annotated[
        bool, Query(description="alias of format=async (kept for older clients)")
    ] = False,
    min_overlap_hours: Annotated[float, Query(ge=0.0, le=168.0)] = 1.0,
) -> Response:
    """Best mentors, each with a score in [0, 1], its components and plain-language reasons."""
    recs.check_k(state.settings, k)
    snapshot: Any = await store_read(state, state.fresh_snapshot)
    if snapshot is None:  # a write is being replayed, or another process wrote: may block
        snapshot = await run_in_threadpool(state.current_snapshot)
    person = snapshot.state.people.get(person_id)
    if person is None or person.departed:
        raise NotFound(f"person {person_id!r} not found")
    if person.opt_out_recommend and not principal.is_person(person_id):
        raise Conflict(f"{person_id!r} has opted out of recommendations")
    options = recs.options(
        state.settings,
        model=model,
        format=format,
        asynchronous=asynchronous,
        min_overlap_hours=min_overlap_hours,
        weights=current_weights(state),
    )
    if state.inline_reads and k <= INLINE_MAX_K:
        body = recommendations_json(snapshot, person_id, k, options)
    else:
        body = await run_in_threadpool(recommendations_json, snapshot, person_id, k, options)
    return Response(content=body, media_type="application/json")
