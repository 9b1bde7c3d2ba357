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
import uvicorn
from rich.console import Console
from rich.table import Table

from api.main import create_app
from api.state import AppState, close_state, open_state
from api.usecases import cohorts, imports, keys
from graph.errors import MentorgraphError
from graph.model import Role, utcnow
from graph.recommend import RecommendOptions, Weights, recommend, why_no_mentor
from graph.settings import Settings
from graph.store import GraphStore
from loaders.demo_org import load_demo
from loaders.esco import bundled_esco_dir
from loaders.people import PeopleImportOptions

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


CLI = "cli"  # how audit entries and history name the command line


def settings() -> Settings:
    """Fresh settings from the environment (never cached: tests change the environment)."""
    return Settings()


@contextmanager
def opened_state() -> Iterator[AppState]:
    """The app state for one command, lazy: the goal mapper (the embedding model) and the
    recommender snapshot are built only if the command needs them."""
    state = open_state(settings(), lazy=True, progress=True)
    try:
        yield state
    finally:
        close_state(state)


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

    when = parse_expiry(expires)
    with opened_state() as state:
        key, token = keys.create_key(
            state, CLI, role, person_id=person, label=label, expires_at=when
        )
    err.print(f"created {key.id} ({', '.join(key.roles)}); the secret is shown only now:")
    print(token)


@keys_app.command("list")
def keys_list() -> None:
    """List keys (ids, roles, person, expiry, revoked); secrets are never shown."""
    with opened_state() as state:
        rows = state.store.list_api_keys()
    table = Table("id", "roles", "person", "label", "expires", "revoked")
    for k in rows:
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

    with opened_state() as state:
        key = keys.revoke_key(state, CLI, key_id)
    err.print(f"revoked {key.id}")


# --- serve ----------------------------------------------------------------------------------


@app.command()
def serve(
    demo: Annotated[
        bool, typer.Option(help="first start: load ESCO + a 1k-person demo org, print a key")
    ] = False,
    host: Annotated[str, typer.Option(help="interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port", min=1, max=65535)] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            help="worker processes (uvicorn workers); each holds its own snapshot and goal "
            "mapper and follows the store, all state lives in the store",
            min=1,
            max=64,
        ),
    ] = 1,
) -> None:
    """Run the HTTP API (OpenAPI docs at /docs)."""

    cfg = settings()
    if demo:
        prepare_demo(cfg)
        base = f"http://{host}:{port}"
        err.print(
            f"API docs: {base}/docs   L&D dashboard: {base}/dashboard "
            f"(paste the key from {cfg.data_dir / DEMO_KEY_FILE})"
        )
    # h11 bounds request header size (httptools does not), see docs/limits.md
    if workers == 1:
        uvicorn.run(create_app(cfg), host=host, port=port, log_level="info", http="h11")
        return
    # Several processes: each builds its app from the environment (api.main:create_app).
    # A worker's start loads the snapshot and the goal mapper (minutes with the real model on
    # a first start): the supervisor waits that long before it calls a worker dead.
    uvicorn.run(
        "api.main:create_app",
        factory=True,
        workers=workers,
        timeout_worker_healthcheck=WORKER_START_TIMEOUT_S,
        host=host,
        port=port,
        log_level="info",
        http="h11",
    )


WORKER_START_TIMEOUT_S = 600
DEMO_KEY_FILE = "demo-admin-key"
DEMO_SIZE = 1000
DEMO_SEED = 7


def prepare_demo(cfg: Settings) -> None:
    """First start: bundled ESCO + a 1k-person demo org with mapped goals + an admin key.

    Idempotent: the taxonomy and the org are loaded only when missing; the key only once.
    """

    with opened_state() as state:
        if state.store.count_skills() == 0:
            import_esco_from(state, None)
        if state.store.count_people() == 0:
            err.print("indexing the taxonomy for goal mapping...")
            mapper = state.goal_mapper()
            err.print(f"generating a demo org of {DEMO_SIZE} people and mapping their goals...")
            report = load_demo(
                state.store, size=DEMO_SIZE, seed=DEMO_SEED, progress=True, mapper=mapper
            )
            err.print(
                f"demo org: {report.people} people, {report.person_skills} skills, "
                f"{report.goals} goals ({report.goals_mapped} mapped)"
            )
        key_file = cfg.data_dir / DEMO_KEY_FILE
        if not key_file.exists():
            _, token = keys.create_key(
                state, CLI, [Role.admin], label="demo admin", note={"demo": True}
            )
            key_file.parent.mkdir(parents=True, exist_ok=True)
            key_file.touch(mode=0o600)
            key_file.write_text(token + "\n", encoding="utf-8")
            err.print(f"demo admin key written to {key_file} (shown once):")
            print(token)
        else:
            err.print(f"demo admin key: see {key_file}")


# --- imports --------------------------------------------------------------------------------


def import_esco_from(
    state: AppState, directory: Path | None, *, dry_run: bool = False, language: str = "en"
) -> Any:
    err.print(f"reading ESCO ({language}) from {directory or bundled_esco_dir()}...")
    return imports.import_esco(state, CLI, directory, language=language, dry_run=dry_run)


def print_counts(what: str, counts: dict[str, int]) -> None:
    err.print(what + ": " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@import_app.command("esco")
def import_esco(
    directory: Annotated[
        Path | None,
        typer.Argument(help="folder with the ESCO CSVs (default: the bundled v1.1.1 copy)"),
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="show what would change, write nothing")] = False,
    language: Annotated[
        str,
        typer.Option(
            help="ESCO language code of the files (skills_<lang>.csv ...); onto a taxonomy "
            "stored in another language only its labels are added, as tagged aliases"
        ),
    ] = "en",
) -> None:
    """Import (or update) the ESCO skills pillar: skills, groups and broader relations."""

    if directory is not None and not directory.is_dir():
        raise typer.BadParameter(f"{directory} is not a folder", param_hint="DIRECTORY")
    with opened_state() as state:
        report = import_esco_from(state, directory, dry_run=dry_run, language=language)
    print_counts("ESCO" + (" (dry run)" if dry_run else ""), report.counts())


@import_app.command("taxonomy")
def import_framework(
    file: Annotated[Path, typer.Argument(help="company framework, .csv/.csv.gz/.json")],
    source: Annotated[str, typer.Option(help="source name the nodes belong to")] = "company",
    dry_run: Annotated[bool, typer.Option(help="show what would change, write nothing")] = False,
) -> None:
    """Import a company competency framework (may hang its nodes under ESCO groups)."""

    if not file.is_file():
        raise typer.BadParameter(f"{file} does not exist", param_hint="FILE")
    with opened_state() as state:
        report = imports.import_framework(state, CLI, file, source=source, dry_run=dry_run)
    print_counts(f"{file.name}" + (" (dry run)" if dry_run else ""), report.counts())


@import_app.command("people")
def import_people_cmd(
    file: Annotated[
        Path, typer.Argument(help="people export, .csv or .jsonl (docs/people-format.md)")
    ],
    dry_run: Annotated[bool, typer.Option(help="check and report, write nothing")] = False,
    allow_partial: Annotated[
        bool, typer.Option(help="write the good records, put the bad ones in --reject-file")
    ] = False,
    reject_file: Annotated[
        Path | None, typer.Option(help="where rejected records go (with --allow-partial)")
    ] = None,
    map_goals: Annotated[
        bool, typer.Option(help="map imported goals that have no taxonomy targets yet")
    ] = True,
    columns: Annotated[
        str | None,
        typer.Option(
            help="the file's header names -> people columns, e.g. \"Employee ID=id,Full "
            'Name=name,Manager=manager_id"; "Hire Date=" ignores a column'
        ),
    ] = None,
    delimiter: Annotated[
        str | None,
        typer.Option(help="CSV delimiter: one character or tab (default: detected)"),
    ] = None,
) -> None:
    """Import people with their skills, availability, preferences and goals.

    Exit codes: 0 every record imported (or, with --dry-run, would be); 1 the file or a
    record was refused (with --allow-partial: any record was rejected, even when others
    were written); 2 usage error (bad option, missing file, bad --columns/--delimiter).
    """

    if not file.is_file():
        raise typer.BadParameter(f"{file} does not exist", param_hint="FILE")
    if reject_file is not None and not allow_partial:
        raise typer.BadParameter("--reject-file needs --allow-partial", param_hint="--reject-file")
    options = people_import_options(columns, delimiter)
    with opened_state() as state:
        report = imports.import_people(
            state,
            CLI,
            file,
            dry_run=dry_run,
            allow_partial=allow_partial,
            reject_file=reject_file,
            map_goals=map_goals,
            options=options,
        )
    # one line each, never wrapped: "file:line: column: reason" stays greppable
    err.print(report.summary(), markup=False, highlight=False, soft_wrap=True)
    if report.goals_mapped:
        err.print(f"mapped {report.goals_mapped} goals onto the taxonomy")
    for label, lines in (("warning", report.warnings), ("note", report.notes)):
        for w in lines[:20]:
            err.print(f"  {label}: {w}", markup=False, highlight=False, soft_wrap=True)
    if report.problems:
        for p in report.problems[:20]:
            err.print(f"  {p}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1)


def people_import_options(columns: str | None, delimiter: str | None) -> PeopleImportOptions:
    """--columns/--delimiter (and the import size limit) as the loader's options; bad
    syntax is a usage error (exit 2)."""
    try:
        return PeopleImportOptions.build(
            columns=columns, delimiter=delimiter, max_bytes=settings().max_import_bytes
        )
    except MentorgraphError as exc:
        raise typer.BadParameter(exc.message, param_hint="--columns/--delimiter") from None


@import_app.command("availability")
def import_availability_cmd(
    path: Annotated[Path, typer.Argument(help="an .ics file or a folder of them (one per person)")],
    as_of: Annotated[
        datetime | None,
        typer.Option(help="first date read, YYYY-MM-DD (default: today)", formats=["%Y-%m-%d"]),
    ] = None,
) -> None:
    """Import free windows (dated, per clock-change period) and leave from iCalendar files."""

    if not path.exists():
        raise typer.BadParameter(f"{path} does not exist", param_hint="PATH")
    with opened_state() as state:
        report = imports.import_availability(
            state, CLI, path, as_of=as_of.date() if as_of else None
        )
    err.print(report.summary(), markup=False, highlight=False)
    if report.failed:
        raise typer.Exit(1)


# --- mapping, recommending, matching --------------------------------------------------------


@app.command("map-goal")
def map_goal_cmd(
    text: Annotated[str, typer.Argument(help="a development goal in plain words")],
    k: Annotated[int, typer.Option(help="how many nodes", min=1, max=100)] = 5,
) -> None:
    """Show the taxonomy nodes a goal text maps to."""

    with opened_state() as state:
        result = state.goal_mapper().map(text, k)
    table = Table("score", "kind", "label", "id")
    for c in result.candidates:
        table.add_row(f"{c.score:.3f}", c.kind, c.label, c.id)
    out.print(table)
    if result.fell_back:
        err.print(f"fell back to broader clusters: {result.reason}", markup=False)


@app.command("recommend")
def recommend_cmd(
    person_id: Annotated[str, typer.Argument(help="the mentee's id")],
    k: Annotated[int, typer.Option(help="how many mentors", min=1, max=1000)] = 10,
    asynchronous: Annotated[bool, typer.Option(help="do not require overlapping hours")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """Rank mentors for a mentee, with the reasons."""

    with opened_state() as state:
        snap = state.current_snapshot()
        weights = Weights.with_overrides(state.settings.ranking_weights)
    options = RecommendOptions(asynchronous=asynchronous, weights=weights)
    now = utcnow()
    recs = recommend(snap, person_id, k=k, options=options, now=now)
    if as_json:
        print(json.dumps([r.model_dump(mode="json") for r in recs], indent=2))
        return
    table = Table("#", "mentor", "score", "skill", "avail", "reasons")
    for i, r in enumerate(recs, 1):
        table.add_row(
            str(i),
            f"{r.mentor_name} ({r.mentor_id})",
            f"{r.score:.3f}",
            f"{r.components.get('skill_fit', 0):.2f}",
            f"{r.components.get('availability', 0):.2f}",
            "; ".join(r.reasons[:3]),
        )
    out.print(table)
    if not recs:
        err.print("no mentor passes the guardrails and filters for this mentee:")
        for line in why_no_mentor(snap, person_id, options=options, now=now):
            err.print(f"  {line}", markup=False)


@app.command("match-cohort")
def match_cohort_cmd(
    program: Annotated[str, typer.Argument(help="program name, as in people's `programs`")],
    publish: Annotated[bool, typer.Option(help="store the proposals as proposed pairings")] = False,
    asynchronous: Annotated[bool, typer.Option(help="do not require overlapping hours")] = False,
) -> None:
    """Match all open mentees of a program optimally; review, then --publish."""

    with opened_state() as state:
        run = cohorts.match(state, CLI, program, asynchronous=asynchronous)
        result = run.result
        table = Table("mentee", "mentor", "score", "reasons")
        for p in result.proposals:
            table.add_row(p.mentee_id, p.mentor_id, f"{p.score:.3f}", "; ".join(p.reasons[:2]))
        out.print(table)
        err.print(
            f"{result.matched} matched (greedy baseline {result.greedy_matched}), "
            f"{len(result.unmatched)} unmatched; total score {result.total_score:.3f} "
            f"(greedy {result.greedy_total:.3f})"
        )
        for u in result.unmatched[:20]:
            err.print(f"  unmatched {u.mentee_id}: {u.reason}", markup=False)
        if publish:
            pairings = cohorts.publish(state, CLI, run.run_id)
            err.print(f"published {len(pairings)} proposed pairings")


# --- export ---------------------------------------------------------------------------------


@app.command("export")
def export(
    what: Annotated[str, typer.Argument(help="people, pairings or taxonomy")],
    file: Annotated[Path, typer.Argument(help="JSON Lines file to write")],
) -> None:
    """Write people, pairings or the taxonomy as JSON Lines (one record a line)."""
    if what not in {"people", "pairings", "taxonomy"}:
        raise typer.BadParameter("choose people, pairings or taxonomy", param_hint="WHAT")
    with opened_state() as state:
        rows = list(_export_rows(state.store, what))
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
        for sk in dump.skills:
            yield sk.model_dump(mode="json")
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
    except OSError as exc:  # unreadable input, unwritable output, full disk
        err.print(f"error: {exc}", markup=False, highlight=False)
        sys.exit(1)


if __name__ == "__main__":
    main()
