"""Dependencies as type aliases, so handlers read like plain functions.

Every route declares who may call it with `Allow(...)`:

    @router.post("/people", dependencies=[Allow(Role.coordinator, Role.admin)])

`Allow` answers 401 without a valid key and 403 when the key has none of the roles. Roles
in `own=` may call too, but only on their own resource: the handler checks ownership (the
role-matrix test reads these declarations from `app.routes`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.auth import Principal, authenticate
from api.state import AppState
from graph.errors import Forbidden, InvalidInput, StoreUnavailable
from graph.model import Role
from graph.settings import Settings
from graph.store import GraphStore

_bearer = HTTPBearer(auto_error=False, description="API key created with `mentorgraph keys`")

T = TypeVar("T")


async def store_read(state: AppState, fn: Callable[..., T], *args: Any) -> T:
    """Run a short store read: inline on the embedded store (microseconds; a thread-pool hop
    costs more than the read), in the thread pool on a network store."""
    if state.inline_reads:
        return fn(*args)
    return await run_in_threadpool(fn, *args)


# Dependencies are `async def` so that resolving them costs no thread-pool hop per request;
# the only I/O they do goes through `store_read`.
async def get_state(request: Request) -> AppState:
    state = getattr(request.app.state, "mg", None)
    if state is None:
        raise StoreUnavailable("service is not started (lifespan has not run)")
    return state


StateDep = Annotated[AppState, Depends(get_state)]


async def get_store(state: StateDep) -> GraphStore:
    return state.store


async def get_settings_dep(state: StateDep) -> Settings:
    return state.settings


StoreDep = Annotated[GraphStore, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


async def get_principal(
    state: StateDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    token = credentials.credentials if credentials else None
    return await store_read(state, authenticate, state.store, token)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


# Who owns the resource a request names: person ids resolved from the path parameters.
OwnerResolver = Callable[[AppState, Mapping[str, Any]], Iterable[str]]


def person_in_path(_: AppState, path: Mapping[str, Any]) -> Iterable[str]:
    return [path["person_id"]]


class RoleCheck:
    """Callable dependency that remembers which roles it lets through (for the role matrix).

    Runs before the body is validated, so a caller without the right gets 403, not 422.
    """

    def __init__(
        self, roles: frozenset[Role], own: frozenset[Role], owners: OwnerResolver | None
    ) -> None:
        if own and owners is None:
            raise ValueError("own= needs owners= to say whose resource the path names")
        self.roles = roles  # may act on anyone's resource
        self.own = own  # may act only on a resource they own (per `owners`)
        self.owners = owners

    @property
    def allowed(self) -> frozenset[Role]:
        return self.roles | self.own

    async def __call__(
        self, request: Request, state: StateDep, principal: PrincipalDep
    ) -> Principal:
        if principal.has(*self.roles):
            return principal
        if not principal.has(*self.allowed):
            need = ", ".join(sorted(self.allowed))
            raise Forbidden(f"this action needs one of the roles: {need}")
        assert self.owners is not None
        owners = set(await store_read(state, self.owners, state, request.path_params))
        if principal.person_id is None or principal.person_id not in owners:
            raise Forbidden("only allowed on your own resources")
        return principal


def Allow(  # reads as a declaration, hence the capital
    *roles: Role, own: tuple[Role, ...] = (), owners: OwnerResolver | None = None
) -> Any:
    """Roles that may call the route; `own` roles only where `owners` includes their person."""
    return Depends(RoleCheck(frozenset(roles), frozenset(own), owners))


class Page:
    def __init__(self, offset: int, limit: int) -> None:
        self.offset = offset
        self.limit = limit


async def get_page(
    settings: SettingsDep,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 50,
) -> Page:
    if limit > settings.max_page_size:
        raise InvalidInput(
            f"limit is at most {settings.max_page_size}",
            details=[{"field": "query.limit", "reason": f"at most {settings.max_page_size}"}],
        )
    return Page(offset, limit)


PageDep = Annotated[Page, Depends(get_page)]
