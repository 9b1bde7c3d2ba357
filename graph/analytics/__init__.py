"""L&D analytics: pure functions over plain graph data (no I/O).

- `coverage`: demand (goals targeting a node, weighted by confidence) against supply (willing
  mentors with capacity left), per skill and per cluster tier, with recruitment suggestions.
- `mentor_load`: active mentees and hours per mentor against their limits.
- `match_health`: match rate, time to match, pairing states, ratings over time, stall reasons.
- `fairness_audit`: exposure and assignment rates per group of a chosen attribute.

Inputs are an `OrgData` bundle, read once from a store by `OrgData.from_store` (the only I/O
here) or built by hand in tests. People who opted out of analytics are left out everywhere.
"""

from graph.analytics.coverage import CoverageReport, CoverageRow, coverage
from graph.analytics.fairness import FairnessReport, GroupRate, fairness_audit
from graph.analytics.health import MatchHealth, match_health
from graph.analytics.load import LoadReport, MentorLoad, mentor_load
from graph.analytics.orgdata import OrgData

__all__ = [
    "CoverageReport",
    "CoverageRow",
    "FairnessReport",
    "GroupRate",
    "LoadReport",
    "MatchHealth",
    "MentorLoad",
    "OrgData",
    "coverage",
    "fairness_audit",
    "match_health",
    "mentor_load",
]
