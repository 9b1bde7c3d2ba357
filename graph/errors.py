"""One exception root for mentorgraph; each class carries the HTTP status it maps to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class MentorgraphError(Exception):
    """Root of every error mentorgraph raises on purpose."""

    status_code = 500
    code = "internal_error"

    def __init__(self, message: str, *, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class NotFound(MentorgraphError):
    status_code = 404
    code = "not_found"


class Conflict(MentorgraphError):
    status_code = 409
    code = "conflict"


class InvalidInput(MentorgraphError):
    """Input that is well-formed but not acceptable (bad value, dangling reference...)."""

    status_code = 422
    code = "invalid_input"


class Unauthorized(MentorgraphError):
    status_code = 401
    code = "unauthorized"


class Forbidden(MentorgraphError):
    status_code = 403
    code = "forbidden"


class QueryTimeout(MentorgraphError):
    """A query ran past its time limit and was stopped by the server."""

    status_code = 408
    code = "query_timeout"


class StoreUnavailable(MentorgraphError):
    status_code = 503
    code = "store_unavailable"


class StoreOverloaded(MentorgraphError):
    """The store refused a transaction for lack of memory (Neo4j's transaction or pool
    memory limit); a smaller batch or a later retry may succeed."""

    status_code = 503
    code = "store_overloaded"


class StoreTimeout(MentorgraphError):
    """A store transaction (not an ad-hoc query) ran past its time limit and was rolled back."""

    status_code = 504
    code = "store_timeout"


@dataclass(frozen=True)
class RowProblem:
    """One thing wrong with one row of a batch: where (row, field) and why."""

    row: int
    field: str
    reason: str
    source: str | None = None  # e.g. "people.csv:17" when the row came from a file

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"row": self.row, "field": self.field, "reason": self.reason}
        if self.source:
            out["source"] = self.source
        return out

    def __str__(self) -> str:
        where = self.source or f"row {self.row}"
        return f"{where}: {self.field}: {self.reason}"


@dataclass
class BatchRejected(InvalidInput):
    """A batch write refused as a whole: nothing of it was written."""

    problems: list[RowProblem] = field(default_factory=list)
    what: str = "batch"

    def __post_init__(self) -> None:
        first = "; ".join(str(p) for p in self.problems[:5])
        more = f" (+{len(self.problems) - 5} more)" if len(self.problems) > 5 else ""
        InvalidInput.__init__(
            self,
            f"{self.what} rejected, nothing written: {first}{more}",
            details=[p.as_dict() for p in self.problems],
        )

    def __str__(self) -> str:
        return self.message
