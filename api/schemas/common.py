"""Shared pieces of the API models."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, create_model


class ApiModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Deleted(ApiModel):
    id: str
    deleted: bool = True


def partial_of(model: type[BaseModel], name: str, *, exclude: set[str]) -> type[BaseModel]:
    """An all-optional copy of `model` (minus `exclude`) for PATCH bodies.

    Field constraints are kept; the merged record is validated again by `model` itself, so
    cross-field rules (window order, own manager) apply to the result.
    """
    fields: dict[str, Any] = {}
    for fname, info in model.model_fields.items():
        if fname in exclude:
            continue
        inner: Any = info.annotation
        if info.metadata:
            inner = Annotated[inner, *info.metadata]
        fields[fname] = (inner | None, Field(default=None, description=info.description))
    return create_model(name, __base__=ApiModel, **fields)
