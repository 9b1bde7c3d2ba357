"""The `mentorgraph` command line.

Exit codes scripts can trust: 0 ok, 1 a domain error (bad data, not found, conflict, store
down), 2 a usage error (unknown option, missing argument). Errors go to stderr as one line
(plus per-row problems), never as a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from graph.errors import MentorgraphError
from graph.model import Role
from graph.settings import Settings
from graph.store import GraphStore

app = typer.Typer(
    name="mentorgraph",
    help="Graph-based competency map and mentor recommender.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
import_app = typer.Typer(help="Import taxonomies, people and availability.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(import_app, name="import")

out = Console()
err = Console(stderr=True)


def settings() -> Settings:
    """Fresh settings from the environment (never cached: tests change the environment)."""
    return Settings()


@contextmanager
def opened_store() -> Iterator[GraphStore]:
    from graph.stores import open_store

    store = open_store(settings())
    try:
        store.init_schema()
        yield store
    finally:
        store.close()


def fail(message: str, details: list[dict[str, Any]] | None = None) -> None:
    err.print(f"error: {message}", markup=False, highlight=False)
    for d in (details or [])[:20]:
        where = d.get("source") or (f"row {d['row']}" if "row" in d else "")
        err.print(f"  {where} {d.get('field', '')}: {d.get('reason', '')}".rstrip(), markup=False)
    raise typer.Exit(1)


# --- keys -----------------------------------------------------------------------------------


def parse_expiry(text: str | None) -> datetime | None:
    """'30d', '12h' or an ISO date/time (UTC if no offset)."""
    if not text:
        return None
    units = {"d": "days", "h": "hours", "m": "minutes"}
    if text[-1:] in units and text[:-1].isdigit():
        return datetime.now(UTC) + timedelta(**{units[text[-1]]: int(text[:-1])})
    try:
        when = datetime.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter("use 30d, 12h or an ISO date such as 2027-01-31") from exc
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@keys_app.command("create")
def keys_create(
    role: Annotated[
        list[Role], typer.Option("--role", "-r", help="repeat for several roles", min=1)
    ],
    person: Annotated[str | None, typer.Option(help="person id the key acts for")] = None,
    label: Annotated[str, typer.Option(help="a note to recognise the key by")] = "",
    expires: Annotated[str | None, typer.Option(help="30d, 12h or an ISO date")] = None,
) -> None:
    """Create a key and print its secret once (only its hash is stored)."""
    from api.auth import create_key

    when = parse_expiry(expires)
    with opened_store() as store:
        key, token = create_key(store, role, person_id=person, label=label, expires_at=when)
        from api import audit

        audit.record(store, "cli", "key.create", key.id, {"roles": list(key.roles)})
    err.print(f"created {key.id} ({', '.join(key.roles)}); the secret is shown only now:")
    print(token)


@keys_app.command("list")
def keys_list() -> None:
    """List keys (ids, roles, person, expiry, revoked); secrets are never shown."""
    with opened_store() as store:
        keys = store.list_api_keys()
    table = Table("id", "roles", "person", "label", "expires", "revoked")
    for k in keys:
        table.add_row(
            k.id,
            ",".join(k.roles),
            k.person_id or "",
            k.label,
            k.expires_at.isoformat() if k.expires_at else "",
            k.revoked_at.isoformat() if k.revoked_at else "",
        )
    out.print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="key id, as in `keys list`")]) -> None:
    """Revoke a key; it stops working at once."""
    from api import audit
    from api.auth import revoke_key

    with opened_store() as store:
        key = revoke_key(store, key_id)
        audit.record(store, "cli", "key.revoke", key.id)
    err.print(f"revoked {key.id}")


# --- serve ----------------------------------------------------------------------------------


@app.command()
def serve(
    demo: Annotated[
        bool, typer.Option(help="first start: load ESCO + a 1k-person demo org, print a key")
    ] = False,
    host: Annotated[str, typer.Option(help="interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port", min=1, max=65535)] = 8000,
) -> None:
    """Run the HTTP API (OpenAPI docs at /docs)."""
    import uvicorn

    from api.main import create_app

    cfg = settings()
    if demo:
        prepare_demo(cfg)
    uvicorn.run(create_app(cfg), host=host, port=port, log_level="info")


DEMO_KEY_FILE = "demo-admin-key"
DEMO_SIZE = 1000
DEMO_SEED = 7


def prepare_demo(cfg: Settings) -> None:
    """First start: bundled ESCO + a 1k-person demo org + an admin key in <data_dir>.

    Idempotent: each step runs only while its part of the store is still empty.
    """
    from api import audit
    from api.auth import create_key

    with opened_store() as store:
        if store.count_skills() == 0:
            from loaders.esco import bundled_esco_dir, read_esco
            from taxonomy.importer import import_taxonomy

            err.print("loading the bundled ESCO v1.1.1 skills pillar...")
            dump = read_esco(bundled_esco_dir(), progress=True)
            import_taxonomy(store, dump, actor="demo", source="esco", progress=True)
        if store.count_people() == 0:
            from loaders.demo_org import load_demo

            err.print(f"generating a demo org of {DEMO_SIZE} people...")
            load_demo(store, DEMO_SIZE, DEMO_SEED)
        key_file = cfg.data_dir / DEMO_KEY_FILE
        if not key_file.exists():
            key, token = create_key(store, [Role.admin], label="demo admin")
            audit.record(store, "cli", "key.create", key.id, {"roles": ["admin"], "demo": True})
            key_file.parent.mkdir(parents=True, exist_ok=True)
            key_file.touch(mode=0o600)
            key_file.write_text(token + "\n", encoding="utf-8")
            err.print(f"demo admin key written to {key_file} (shown once):")
            print(token)
        else:
            err.print(f"demo admin key: see {key_file}")


# --- export ---------------------------------------------------------------------------------


@app.command("export")
def export(
    what: Annotated[str, typer.Argument(help="people, pairings or taxonomy")],
    file: Annotated[Path, typer.Argument(help="JSON Lines file to write")],
) -> None:
    """Write people, pairings or the taxonomy as JSON Lines (one record a line)."""
    if what not in {"people", "pairings", "taxonomy"}:
        raise typer.BadParameter("choose people, pairings or taxonomy", param_hint="WHAT")
    with opened_store() as store:
        rows = list(_export_rows(store, what))
    tmp = file.with_suffix(file.suffix + ".part")
    with tmp.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, default=str, ensure_ascii=False) + "\n")
    tmp.replace(file)
    err.print(f"wrote {len(rows)} {what} records to {file}")


def _export_rows(store: GraphStore, what: str) -> Iterator[dict[str, Any]]:
    if what == "people":
        skills: dict[str, list[dict[str, Any]]] = {}
        for batch in store.iter_person_skills():
            for s in batch:
                skills.setdefault(s.person_id, []).append(
                    s.model_dump(mode="json", exclude={"person_id"})
                )
        for p in store.list_people():
            row = p.model_dump(mode="json")
            if p.opt_out_analytics:
                row["attributes"] = {}  # consent: self-reported attributes stay out of exports
            row["skills"] = skills.get(p.id, [])
            yield row
    elif what == "pairings":
        for pr in store.list_pairings():
            yield pr.model_dump(mode="json")
    else:
        dump = store.taxonomy()
        for c in dump.clusters:
            yield c.model_dump(mode="json")
        for s in dump.skills:
            yield s.model_dump(mode="json")
        for b in dump.broader:
            yield {"kind": "broader", **b.model_dump(mode="json")}


# --- entry point ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    """Console-script entry: domain errors -> one line on stderr and exit 1."""
    try:
        app(args=argv, standalone_mode=True)
    except MentorgraphError as exc:
        try:
            fail(exc.message, exc.details)
        except typer.Exit as done:
            sys.exit(done.exit_code)


if __name__ == "__main__":
    main()
