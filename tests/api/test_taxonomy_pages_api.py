"""What the competency-map page reads over the API: history that scales (an import is one
summed-up change with its diff in pages; a node's history holds only changes that touched it,
in pages), a node with what surrounds it, search by code and alias, and the dry run of steward
edits (diff and who it affects, nothing written, the edit's own errors)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from graph.store import GraphStore
from loaders.esco import read_esco
from taxonomy.importer import import_taxonomy
from tests.api.conftest import Keys

TINY = Path(__file__).parents[1] / "taxonomy" / "data" / "esco_tiny"


def _import(store: GraphStore) -> str:
    report = import_taxonomy(store, read_esco(TINY), actor="test", source="esco")
    assert report.change_id is not None
    return report.change_id


def test_an_import_is_one_summed_up_change_with_its_diff_in_pages(
    client: TestClient, keys: Keys, api_store: GraphStore
) -> None:
    change_id = _import(api_store)
    h = keys.auth("mentee")
    listed = client.get("/v1/taxonomy/changes", headers=h).json()["data"]
    (imp,) = [c for c in listed if c["op"] == "import"]
    assert imp["id"] == change_id and imp["before"] == {}
    counts = imp["after"]["counts"]
    assert counts["added"] == 11 and counts["edges_added"] >= 9  # 8 groups + 3 skills
    assert imp["after"]["diff_url"] == f"/v1/taxonomy/changes/{change_id}/diff"
    assert imp["after"]["nodes"] >= 11 and len(imp["node_ids"]) <= 20
    total = counts["added"] + counts["edges_added"]
    rows = []
    for offset in range(0, total + 4, 4):
        page = client.get(f"{imp['after']['diff_url']}?offset={offset}&limit=4", headers=h).json()
        assert page["total"] == total and len(page["data"]) <= 4
        rows += page["data"]
    assert len(rows) == total
    added = [r for r in rows if r["what"] == "added"]
    assert {r["node_label"] for r in added} >= {"give talks", "presenting information"}
    # only one node's rows
    one = client.get(f"{imp['after']['diff_url']}?node=http://x/skill/a", headers=h).json()
    assert {r["what"] for r in one["data"]} == {"added", "edge added"}
    assert all(r["node_id"] == "http://x/skill/a" for r in one["data"])
    assert client.get("/v1/taxonomy/changes/nope/diff", headers=h).status_code == 404


def test_a_nodes_history_holds_only_its_changes_in_pages(
    client: TestClient, keys: Keys, api_store: GraphStore
) -> None:
    _import(api_store)
    st = keys.auth("steward")
    for alias in ("talks", "keynotes", "pitching"):
        r = client.post(
            "/v1/taxonomy/nodes/s-present/aliases", json={"alias": alias, "reason": "x"}, headers=st
        )
        assert r.status_code == 201, r.text
    client.post(
        "/v1/taxonomy/nodes/s-python/aliases", json={"alias": "py", "reason": "y"}, headers=st
    )
    first = client.get("/v1/taxonomy/history?node=s-present&limit=2", headers=st).json()
    assert first["has_more"] and len(first["data"]) == 2
    rest = client.get("/v1/taxonomy/history?node=s-present&offset=2&limit=2", headers=st).json()
    assert not rest["has_more"] and len(rest["data"]) == 1
    entries = first["data"] + rest["data"]
    assert [e["summary"] for e in entries] == [
        f"alias “{a}” added to “public speaking”" for a in ("pitching", "keynotes", "talks")
    ]
    assert [e["diff"][0]["after"] for e in entries] == ["pitching", "keynotes", "talks"]
    assert all(e["actor_name"] == "Sam Steward" and e["revertable"] for e in entries)
    # the old route pages too
    old = client.get("/v1/taxonomy/nodes/s-present/history?offset=1&limit=1", headers=st).json()
    assert [c["after"]["nodes"]["s-present"]["aliases"][-1] for c in old["data"]] == ["keynotes"]
    # an ESCO node: the import, with only that node's rows
    esco = client.get("/v1/taxonomy/history?node=http://x/skill/a", headers=st).json()
    (imp,) = esco["data"]
    assert imp["op"] == "import" and imp["counts"]["added"] == 11 and not imp["revertable"]
    assert {r["what"] for r in imp["diff"]} == {"added", "edge added"}
    assert imp["summary"].startswith("import of esco: 11 added")
    everything = client.get("/v1/taxonomy/history?limit=200", headers=st).json()
    assert len(everything["data"]) == 5 and not everything["has_more"]
    assert client.get("/v1/taxonomy/history?node=nope", headers=st).status_code == 404
    assert client.get("/v1/taxonomy/history?limit=201", headers=st).status_code == 422


def test_a_node_with_what_surrounds_it_names_for_coordinators_only(
    client: TestClient, keys: Keys
) -> None:
    v = client.get("/v1/taxonomy/view?node=s-present", headers=keys.auth("mentee")).json()
    assert v["node"]["label"] == "public speaking"
    assert [p["id"] for p in v["parents"]] == ["c-comm"] == [p["id"] for p in v["path_to_root"]]
    assert (v["holders"], v["mentors"], v["goals"]) == (1, 1, 1)
    assert v["holder_list"] is None and v["goal_list"] is None
    v = client.get("/v1/taxonomy/view?node=s-present", headers=keys.auth("coordinator")).json()
    assert [(p["name"], p["level"]) for p in v["holder_list"]] == [("Mo Mentor", 5)]
    assert [(g["person_name"], g["text"]) for g in v["goal_list"]] == [
        ("Pia Two", "present to executives")
    ]
    c = client.get("/v1/taxonomy/view?node=c-comm", headers=keys.auth("mentee")).json()
    assert [n["id"] for n in c["children"]] == ["s-present"] and c["children_total"] == 1
    assert client.get("/v1/taxonomy/view?node=nope", headers=keys.auth("mentee")).status_code == 404


def test_find_by_id_code_label_and_alias(
    client: TestClient, keys: Keys, api_store: GraphStore
) -> None:
    _import(api_store)
    h = keys.auth("mentor")

    def find(q: str) -> list[tuple[str, str]]:
        body = client.get("/v1/taxonomy/find", params={"q": q}, headers=h).json()
        return [(x["node"]["id"], x["matched"]) for x in body["data"]]

    assert find("S1.4")[0] == ("http://x/skill/S1.4", "code")
    assert ("http://x/skill/S1", "code") in find("s1")  # a prefix, any case
    assert find("http://x/skill/b")[0] == ("http://x/skill/b", "id")
    assert ("http://x/skill/a", "alias") in find("speak in")
    assert ("s-present", "label") in find("public speaking")
    body = client.get("/v1/taxonomy/find", params={"q": "presenting"}, headers=h).json()
    hit = next(x for x in body["data"] if x["node"]["id"] == "s-present")
    assert hit["matched"] == "alias" and hit["alias"] == "presenting"
    assert hit["path"] == ["communication", "public speaking"]
    assert client.get("/v1/taxonomy/find", params={"q": ""}, headers=h).status_code == 422


def test_preview_shows_the_diff_and_who_is_affected_and_writes_nothing(
    client: TestClient, keys: Keys, api_store: GraphStore
) -> None:
    st = keys.auth("steward")
    version = api_store.data_version()
    audit = len(api_store.list_audit())
    req = {"op": "merge", "node_id": "s-present", "body": {"into": "s-python", "reason": "test"}}
    r = client.post("/v1/taxonomy/preview", json=req, headers=st)
    assert r.status_code == 200, r.text
    p = r.json()
    assert p["change"]["summary"] == "merged “public speaking” into “Python programming”"
    assert p["change"]["affected"] == {"people": 1, "goals": 1}  # m1's skill, p2's goal
    assert p["affected_now"] == {"holders": 1, "mentors": 1, "goals": 1}
    whats = {(d["node_id"], d["what"], d["field"]) for d in p["change"]["diff"]}
    assert ("s-present", "field", "status") in whats
    assert ("s-python", "alias added", "") in whats
    assert ("s-present", "holders moved", "") in whats
    assert api_store.data_version() == version and len(api_store.list_audit()) == audit
    assert api_store.get_node("s-present").status == "active"
    # applying it records the same diff
    applied = client.post("/v1/taxonomy/nodes/s-present/merge", json=req["body"], headers=st)
    assert applied.status_code == 201
    hist = client.get("/v1/taxonomy/history?node=s-present&limit=1", headers=st).json()["data"][0]
    assert hist["diff"] == p["change"]["diff"] and hist["summary"] == p["change"]["summary"]
    # and a revert previews back
    rv = client.post(
        "/v1/taxonomy/preview",
        json={"op": "revert", "change_id": hist["id"], "body": {"reason": "undo"}},
        headers=st,
    ).json()
    assert rv["change"]["op"] == "revert" and rv["change"]["affected"]["people"] == 1


def test_preview_gives_the_edits_own_errors(client: TestClient, keys: Keys) -> None:
    st = keys.auth("steward")

    def preview(req: dict[str, object], who: dict[str, str] = st) -> tuple[int, dict]:  # type: ignore[type-arg]
        r = client.post("/v1/taxonomy/preview", json=req, headers=who)
        return r.status_code, r.json()

    code, body = preview({"op": "rename", "node_id": "s-present", "body": {"label": "x"}})
    assert code == 200 and body["change"]["summary"] == "renamed “public speaking” -> “x”"
    code, _ = preview({"op": "rename", "node_id": "s-present", "body": {}}, keys.auth("mentor"))
    assert code == 403
    code, body = preview({"op": "rename", "node_id": "nope", "body": {"label": "x"}})
    assert code == 404 and "nope" in body["error"]["message"]
    code, body = preview({"op": "rename", "node_id": "s-present", "body": {"label": ""}})
    assert code == 422 and body["error"]["details"][0]["field"] == "body.label"
    code, body = preview({"op": "merge", "node_id": "s-present", "body": {"into": "s-present"}})
    assert code == 422 and "itself" in body["error"]["message"]
    code, body = preview(
        {"op": "add_alias", "node_id": "s-present", "body": {"alias": "presenting"}}
    )
    assert code == 409 and "already has the label or alias" in body["error"]["message"]
    code, body = preview({"op": "revert", "body": {}})
    assert code == 422 and body["error"]["details"][0]["field"] == "body.change_id"
    code, body = preview({"op": "explode", "node_id": "s-present", "body": {}})
    assert code == 422


def test_history_summaries_name_the_alias_the_old_name_and_what_a_revert_undid(
    client: TestClient, keys: Keys
) -> None:
    """The summary of an alias edit names the alias (and the node it was added to or removed
    from), a rename both names, a revert the change it undid (in its own words)."""
    st = keys.auth("steward")
    add = {"alias": "consultas SQL", "reason": "x"}
    r = client.post("/v1/taxonomy/nodes/s-python/aliases", json=add, headers=st)
    assert r.status_code == 201, r.text
    added = r.json()["id"]
    r = client.post("/v1/taxonomy/nodes/s-python/aliases/remove", json=add, headers=st)
    assert r.status_code == 201, r.text
    ren = {"label": "Python", "reason": "shorter"}
    r = client.post("/v1/taxonomy/nodes/s-present/rename", json=ren, headers=st)
    assert r.status_code == 201, r.text
    renamed = r.json()["id"]
    r = client.post(f"/v1/taxonomy/changes/{renamed}/revert", json={"reason": "no"}, headers=st)
    assert r.status_code == 201, r.text
    page = client.get("/v1/taxonomy/history", headers=st).json()
    assert [e["summary"] for e in page["data"]] == [
        "reverted: renamed “public speaking” -> “Python”",
        "renamed “public speaking” -> “Python”",
        "alias “consultas SQL” removed from “Python programming”",
        "alias “consultas SQL” added to “Python programming”",
    ]
    diff = client.get(f"/v1/taxonomy/changes/{added}/diff", headers=st).json()
    assert diff["summary"] == "alias “consultas SQL” added to “Python programming”"
