"""Request bounds, one source of truth: the routes declare their `Query`/`Field` bounds with
these constants, the OpenAPI document shows them (with the bounds a setting decides filled in
from the running settings: `SETTING_BOUNDS`), and docs/limits.md lists them
(`tests/api/test_limits_documented.py` compares the three).
"""

from __future__ import annotations

SEARCH_Q_MAX = 200  # taxonomy search/find `q`, characters
SEARCH_LIMIT_MAX = 100  # taxonomy search/find `limit`
OFFSET_MAX = 10_000  # `offset` of taxonomy search/find and the competency-map pages
