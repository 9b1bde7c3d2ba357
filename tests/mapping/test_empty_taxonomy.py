"""A service started on an empty store must come up: mapping says there is nothing to map."""

from __future__ import annotations

from graph.store import TaxonomyDump
from taxonomy.embedding import FakeEmbedder
from taxonomy.mapping import GoalMapper


def test_empty_taxonomy_maps_to_nothing_and_says_so() -> None:
    result = GoalMapper(TaxonomyDump(), FakeEmbedder()).map("present to executives", 5)
    assert result.candidates == []
    assert result.fell_back
    assert "no active nodes" in result.reason
