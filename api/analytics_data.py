"""The analytics' view of the org, cached per store version so a dashboard's several charts
read the store once, and rebuilt as soon as any write lands."""

from __future__ import annotations

import threading

from api.state import AppState
from graph.analytics import OrgData

_lock = threading.Lock()
_cache: dict[int, tuple[int, OrgData]] = {}  # id(store) -> (data_version, data)


def org_data(state: AppState) -> OrgData:
    version = state.store.data_version()
    key = id(state.store)
    with _lock:
        hit = _cache.get(key)
        if hit is not None and hit[0] == version:
            return hit[1]
    data = OrgData.from_store(state.store)
    with _lock:
        _cache[key] = (version, data)
    return data


def recommendation_exposures(state: AppState, *, sample: int = 200, k: int = 10) -> dict[str, int]:
    """How often each mentor appears in the top-k of (a sample of) mentees with open goals."""
    # TODO(integration): run the recommender over the snapshot once graph.recommend lands.
    return {}
