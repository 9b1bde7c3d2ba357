"""The mentoring lifecycle: changes to pairings (propose, accept, check in, stall, close) and
cohort publishing. Sits above the pure ranking in `graph.recommend` and may use it (guardrails,
alternates); the ranking never imports this package.

Functions here check the rules and return the store ops of a change (or apply them when
given a store); the use-case layer (`api.usecases`) adds the audit entry to the same `apply`.
"""
