"""Request bounds, one source of truth: the routes declare their `Query`/`Field` bounds with
these constants, the OpenAPI document shows them (with the bounds a setting decides filled in
from the running settings: `SETTING_BOUNDS`), and docs/limits.md lists them
(`tests/api/test_limits_documented.py` compares the three).
"""

from __future__ import annotations

from typing import Any

from graph.settings import Settings

SEARCH_Q_MAX = 200  # taxonomy search/find `q`, characters
SEARCH_LIMIT_MAX = 100  # taxonomy search/find `limit`
OFFSET_MAX = 10_000  # `offset` of taxonomy search/find and the competency-map pages

K_SETTING_MAX = 1000  # the most MENTORGRAPH_MAX_K may allow (graph/settings.py, max_k le=)

# Query parameters whose maximum is a setting (graph/settings.py): the route declares the
# setting's own upper bound (what any configuration may allow) and refuses values over the
# running setting; the OpenAPI document shows the running setting as the maximum.
SETTING_BOUNDS: dict[tuple[str, str], str] = {
    ("/v1/people/{person_id}/recommendations", "k"): "max_k",
    ("/v1/people", "limit"): "max_page_size",
}


def apply_settings(spec: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """The OpenAPI document `spec` with each `SETTING_BOUNDS` parameter's `maximum` set to the
    running setting (changed in place, returned). KeyError when a listed route or parameter
    is missing (a renamed route must be renamed here too)."""
    for (path, name), field in SETTING_BOUNDS.items():
        operation = spec["paths"][path]["get"]
        (param,) = [p for p in operation["parameters"] if p["name"] == name]
        value = getattr(settings, field)
        param["schema"]["maximum"] = value
        env = f"MENTORGRAPH_{field.upper()}"
        param["description"] = f"at most {value} (the setting {env})"
    return spec
