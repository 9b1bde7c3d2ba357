"""Access: every bad key is a 401 in the one error shape; secrets never leak.

The role matrix (tests/api/test_role_matrix.py) covers which valid key may do what; here the
keys themselves are bad: revoked, expired, malformed (wrong prefix, truncated, empty Bearer,
Basic auth, non-ASCII, extra words). And a key's secret must not appear in logs, error
messages, audit entries, listings or the database file.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.auth import TOKEN_PREFIX, create_key, revoke_key
from api.cli import app as cli_app
from graph.model import Role, utcnow
from graph.store import GraphStore
from tests.api.conftest import Keys, build_app, make_keys, seed

PROTECTED = [
    ("GET", "/v1/me"),
    ("GET", "/v1/people/p1"),
    ("GET", "/v1/people"),
    ("POST", "/v1/goals/map"),
    ("GET", "/v1/taxonomy/search?q=py"),
    ("POST", "/v1/keys"),
]


@pytest.fixture
def api(
    tmp_path: Path, embedded_store: GraphStore, caplog: pytest.LogCaptureFixture
) -> Iterator[tuple[TestClient, Keys]]:
    caplog.set_level(logging.DEBUG)  # everything any logger says, uvicorn/fastapi included
    seed(embedded_store)
    keys = make_keys(embedded_store)
    with TestClient(build_app(tmp_path, embedded_store), raise_server_exceptions=False) as c:
        yield c, keys


def assert_401(resp: object) -> None:
    r = resp  # httpx.Response
    assert r.status_code == 401, (r.status_code, r.text)  # type: ignore[attr-defined]
    body = r.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"}
    assert set(body["error"]) <= {"code", "message", "details"}
    assert body["error"]["code"] == "unauthorized"
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert r.headers["www-authenticate"] == "Bearer"  # type: ignore[attr-defined]


def call(client: TestClient, method: str, path: str, headers: dict[str, str] | None) -> object:
    json = {"text": "x"} if path.endswith("/map") else {"roles": ["mentee"]}
    if method == "GET":
        return client.get(path, headers=headers)
    return client.post(path, json=json, headers=headers)


def bad_headers(valid: str) -> dict[str, dict[str, str] | None]:
    body = valid[len(TOKEN_PREFIX) :]
    basic = base64.b64encode(f"admin:{valid}".encode()).decode()
    return {
        "no header": None,
        "unknown key": {"Authorization": f"Bearer {TOKEN_PREFIX}{'A' * len(body)}"},
        "wrong prefix": {"Authorization": f"Bearer xx_{body}"},
        "no prefix": {"Authorization": f"Bearer {body}"},
        "truncated": {"Authorization": f"Bearer {valid[:-1]}"},
        "one char more": {"Authorization": f"Bearer {valid}A"},
        "empty bearer": {"Authorization": "Bearer "},
        "bare scheme": {"Authorization": "Bearer"},
        "empty header": {"Authorization": ""},
        "basic auth": {"Authorization": f"Basic {basic}"},
        "token without scheme": {"Authorization": valid},
        "other scheme": {"Authorization": f"Token {valid}"},
        "two tokens": {"Authorization": f"Bearer {valid} {valid}"},
        "key in another header": {"X-Api-Key": valid},
        "sql in token": {"Authorization": "Bearer ' OR '1'='1"},
        "huge token": {"Authorization": f"Bearer {TOKEN_PREFIX}{'x' * 6000}"},
    }


def test_bad_keys_are_401_in_one_shape(api: tuple[TestClient, Keys]) -> None:
    client, keys = api
    for what, headers in bad_headers(keys.admin).items():
        for method, path in PROTECTED:
            r = call(client, method, path, headers)
            assert_401(r)
            assert keys.admin not in r.text, what  # type: ignore[attr-defined]


def test_non_ascii_keys_are_401(api: tuple[TestClient, Keys]) -> None:
    client, keys = api
    for raw in [
        f"Bearer {keys.admin}é".encode(),
        "Bearer mg_ключ".encode(),
        "Bearer mg_\u00ff".encode("latin-1"),
        b"Bearer mg_\xff\xfe\x00",
        "Bearer 🙂".encode(),
    ]:
        r = client.get("/v1/me", headers={"Authorization": raw})  # type: ignore[dict-item]
        assert_401(r)


def test_revoked_key_is_401_at_once(
    api: tuple[TestClient, Keys], embedded_store: GraphStore
) -> None:
    client, _ = api
    key, token = create_key(embedded_store, [Role.admin], label="soon revoked")
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/v1/me", headers=auth).status_code == 200
    revoke_key(embedded_store, key.id)
    for method, path in PROTECTED:
        assert_401(call(client, method, path, auth))
    assert "revoked" in client.get("/v1/me", headers=auth).json()["error"]["message"]


def test_revoked_through_the_api(api: tuple[TestClient, Keys]) -> None:
    client, keys = api
    made = client.post("/v1/keys", json={"roles": ["coordinator"]}, headers=keys.auth("admin"))
    assert made.status_code == 201
    auth = {"Authorization": f"Bearer {made.json()['token']}"}
    assert client.get("/v1/people", headers=auth).status_code == 200
    r = client.delete(f"/v1/keys/{made.json()['id']}", headers=keys.auth("admin"))
    assert r.status_code == 200 and r.json()["revoked_at"]
    assert_401(client.get("/v1/people", headers=auth))


def test_expired_key_is_401(api: tuple[TestClient, Keys], embedded_store: GraphStore) -> None:
    client, _ = api
    _, old = create_key(embedded_store, [Role.admin], expires_at=utcnow() - timedelta(seconds=1))
    _, fresh = create_key(embedded_store, [Role.admin], expires_at=utcnow() + timedelta(hours=1))
    for method, path in PROTECTED:
        assert_401(call(client, method, path, {"Authorization": f"Bearer {old}"}))
    r = client.get("/v1/me", headers={"Authorization": f"Bearer {old}"})
    assert "expired" in r.json()["error"]["message"]
    assert client.get("/v1/me", headers={"Authorization": f"Bearer {fresh}"}).status_code == 200


def test_key_in_the_query_string_is_not_accepted(api: tuple[TestClient, Keys]) -> None:
    client, keys = api
    for name in ("token", "api_key", "key", "access_token"):
        assert_401(client.get("/v1/me", params={name: keys.admin}))


def test_api_keys_never_leak(
    api: tuple[TestClient, Keys],
    embedded_store: GraphStore,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    client, keys = api
    admin = keys.auth("admin")
    made = client.post(
        "/v1/keys", json={"roles": ["mentor"], "person_id": "m1", "label": "l"}, headers=admin
    )
    assert made.status_code == 201
    token = made.json()["token"]
    assert token.startswith(TOKEN_PREFIX)
    bodies: list[str] = []
    auth = {"Authorization": f"Bearer {token}"}
    bodies.append(client.get("/v1/me", headers=auth).text)
    bodies.append(client.get("/v1/keys", headers=admin).text)
    for headers in bad_headers(token).values():
        bodies.append(client.get("/v1/me", headers=headers).text)
    bodies.append(client.delete(f"/v1/keys/{made.json()['id']}", headers=admin).text)
    bodies.append(client.get("/v1/me", headers=auth).text)  # revoked
    bodies.append(client.get("/v1/keys", headers=admin).text)

    secrets = [token, token[len(TOKEN_PREFIX) :], keys.admin]
    audit = [e.model_dump_json() for e in embedded_store.list_audit(limit=1000)]
    listed = [k.model_dump_json(exclude={"key_hash"}) for k in embedded_store.list_api_keys()]
    assert any("key.create" in a for a in audit) and any("key.revoke" in a for a in audit)
    for secret in secrets:
        assert secret not in caplog.text
        assert not any(secret in b for b in bodies)
        assert not any(secret in a for a in audit)
        assert not any(secret in k for k in listed)
    db = b"".join(p.read_bytes() for p in tmp_path.glob("graph.sqlite3*"))
    assert token.encode() not in db and keys.admin.encode() not in db


def test_cli_key_secret_is_printed_once_and_stored_nowhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("MENTORGRAPH_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MENTORGRAPH_STORE", "embedded")
    monkeypatch.delenv("MENTORGRAPH_EMBEDDED_PATH", raising=False)
    runner = CliRunner()
    made = runner.invoke(cli_app, ["keys", "create", "--role", "admin", "--label", "ops"])
    assert made.exit_code == 0, made.output
    token = made.stdout.strip().splitlines()[-1]
    assert token.startswith(TOKEN_PREFIX)
    assert token not in made.stderr
    listed = runner.invoke(cli_app, ["keys", "list"])
    assert listed.exit_code == 0 and token not in listed.output
    key_id = made.stderr.split()[1]
    revoked = runner.invoke(cli_app, ["keys", "revoke", key_id])
    assert revoked.exit_code == 0 and token not in revoked.output
    assert token not in caplog.text
    from graph.settings import Settings
    from graph.stores import open_store

    store = open_store(Settings())
    try:
        audit = [e.model_dump_json() for e in store.list_audit(limit=100)]
        assert [a for a in audit if "key.create" in a] and not [a for a in audit if token in a]
    finally:
        store.close()
    db = b"".join(p.read_bytes() for p in tmp_path.rglob("*.sqlite3*"))
    assert db and token.encode() not in db
