"""Hand proposals are refused with the guardrail named (the ranking's own guardrails)."""

from __future__ import annotations

import pytest

from graph.errors import Conflict
from graph.lifecycle import pairings as lc
from graph.recommend import Snapshot
from graph.store import GraphStore, UpsertPeople
from tests.pairings.conftest import NOW, PROGRAM, seed


def test_manager_is_refused_with_the_reason(embedded_store: GraphStore) -> None:
    seed(embedded_store)
    with pytest.raises(Conflict, match="'boss' is the mentee's manager") as info:
        lc.propose(embedded_store, "boss", ["a"], now=NOW)
    assert info.value.details == [{"mentee_id": "a", "reason": "'boss' is the mentee's manager"}]


def test_do_not_pair_again_is_named(embedded_store: GraphStore) -> None:
    seed(embedded_store)
    p = lc.propose(embedded_store, "m2", ["b"], program=PROGRAM, now=NOW)
    lc.decline(embedded_store, p.id, by="b", do_not_pair_again=True, now=NOW)
    with pytest.raises(Conflict, match="do-not-pair-again"):
        lc.propose(embedded_store, "m2", ["b"], now=NOW)


def test_opted_out_mentor_is_named(embedded_store: GraphStore) -> None:
    seed(embedded_store)
    m1 = embedded_store.get_person("m1")
    assert m1 is not None
    embedded_store.apply([UpsertPeople([m1.model_copy(update={"opt_out_recommend": True})])])
    with pytest.raises(Conflict, match="'m1' has opted out"):
        lc.propose(embedded_store, "m1", ["b"], now=NOW)


def test_guardrails_need_no_goals(embedded_store: GraphStore) -> None:
    seed(embedded_store)
    # m1 has no goals: a proposal for them is checked on the guardrails alone
    p = lc.propose(embedded_store, "m2", ["m1"], hours_per_month=1, now=NOW)
    assert p.mentee_ids == ["m1"]
    state = Snapshot.load(embedded_store).state
    assert lc.guardrail_reasons(state, "m2", ["m1", "a"]) == {
        "m1": "'m2' is already in proposed pairing " + repr(p.id)
    }
    assert lc.guardrail_reasons(state, "boss", ["a", "b"]) == {
        "a": "'boss' is the mentee's manager"
    }
