"""The `mentorgraph` command line.

Exit codes scripts can trust: 0 ok, 1 a domain error (bad data, not found, conflict, store
down), 2 a usage error (unknown option, missing argument). Errors go to stderr as one line
(plus per-row problems), never as a traceback.
"""

from __future__ import annotations

import contextlib
import csv
import json
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text
from uvicorn.supervisors import Multiprocess

from api.analytics_data import org_data
from api.main import create_app
from api.state import AppState, close_state, open_state
from api.usecases import (
    cohorts,
    growth,
    guides,
    imports,
    keys,
    leavers,
    programs,
    ranking,
    recommendations,
)
from api.usecases import pairings as pairing_cases
from api.usecases.ranking import current_weights
from graph.analytics.recognition import CSV_COLUMNS, recognition_report
from graph.errors import MentorgraphError, NotFound
from graph.model import Format, MentoringModel, Pairing, Program, Role, utcnow
from graph.settings import Settings
from graph.store import GraphStore
from loaders.demo_org import load_demo
from loaders.esco import bundled_esco_dir
from loaders.invite import CADENCE_WEEKS
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
people_app = typer.Typer(
    help="Off-board people, export one person's data (leavers, GDPR).", no_args_is_help=True
)
app.add_typer(keys_app, name="keys")
app.add_typer(import_app, name="import")
programs_app = typer.Typer(
    help="Programs and their formats: declare, propose groups, peer circles and micro "
    "sessions, accept and close them.",
    no_args_is_help=True,
)
app.add_typer(programs_app, name="programs")
app.add_typer(people_app, name="people")
mentors_app = typer.Typer(
    help="Mentees grown into mentors: suggestions, opt-in.", no_args_is_help=True
)
weights_app = typer.Typer(help="Ranking weights taught by outcomes.")
app.add_typer(mentors_app, name="mentors")
app.add_typer(weights_app, name="weights")

out = Console()
_MIN_READABLE = 12  # characters a table column keeps before ids may fold
err = Console(stderr=True)


CLI = "cli"  # how audit entries and history name the command line


def settings() -> Settings:
    """Fresh settings from the environment (never cached: tests change the environment)."""
    return Settings()


@dataclass
class RunOptions:
    """Options of the whole command line (`mentorgraph --verbose ...`)."""

    verbose: bool = False


RUN = RunOptions()


@app.callback()
def main_options(
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            help="progress on stderr (loading the recommender's snapshot and the embedding "
            "model, embedding); without it only imports and the first demo start show "
            "progress, and only on a terminal",
        ),
    ] = False,
) -> None:
    RUN.verbose = verbose


def show_progress(*, long: bool = False) -> bool:
    """Progress bars and loading lines on stderr: with --verbose, or for a `long` command
    (imports, the demo's first start) when stderr is a terminal. Never for short commands
    otherwise (a script reading stderr gets only what the command says)."""
    return RUN.verbose or (long and err.is_terminal)


@contextmanager
def opened_state(*, long: bool = False) -> Iterator[AppState]:
    """The app state for one command, lazy: the goal mapper (the embedding model) and the
    recommender snapshot are built only if the command needs them; progress per
    `show_progress`."""
    state = open_state(settings(), lazy=True, progress=show_progress(long=long))
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


def print_json(data: Any) -> None:
    """`--json`: the data as the API would answer it, on stdout (nothing else there)."""
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def table(
    headers: list[str], rows: list[list[str]], ids: frozenset[str] = frozenset()
) -> RenderableType:
    """A rich table whose `ids` columns are never cut: each is as wide as its longest value
    and kept on one line (other columns wrap instead) while every other column keeps room
    to be read (its header's width, `_MIN_READABLE` characters or its longest value). A
    terminal too narrow for both gets the rows as a list instead: each row's other values
    on one line, then each id whole on a line of its own."""
    longest = [max((len(r[i]) for r in rows), default=0) for i in range(len(headers))]
    readable = [
        min(max(len(h), _MIN_READABLE), max(n, len(h)))
        for h, n in zip(headers, longest, strict=True)
    ]
    widths = [
        max(n, len(h)) if h in ids else w
        for h, n, w in zip(headers, longest, readable, strict=True)
    ]
    if ids and sum(widths) + 3 * len(headers) + 1 > out.width:
        lines: list[Text] = []
        for r in rows:
            lines.append(
                Text("  ".join(v for h, v in zip(headers, r, strict=True) if h not in ids))
            )
            lines.extend(
                Text(f"    {h}: {v}", no_wrap=True, overflow="ignore")
                for h, v in zip(headers, r, strict=True)
                if h in ids
            )
        return Group(*lines)
    t = Table()
    for head, width in zip(headers, widths, strict=True):
        if head in ids:
            t.add_column(head, min_width=width, no_wrap=True, overflow="fold")
        else:
            t.add_column(head, min_width=width, overflow="fold")
    for r in rows:
        t.add_row(*r)
    return t


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
def keys_list(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """List keys (ids, roles, person, expiry, revoked); secrets are never shown."""
    with opened_state() as state:
        rows = state.store.list_api_keys()
    if as_json:
        data = [k.model_dump(mode="json", exclude={"key_hash"}) for k in rows]
        print_json({"data": data, "count": len(data)})
        return
    cells = [
        [
            k.id,
            ",".join(k.roles),
            k.person_id or "",
            k.label,
            k.expires_at.isoformat() if k.expires_at else "",
            k.revoked_at.isoformat() if k.revoked_at else "",
        ]
        for k in rows
    ]
    headers = ["id", "roles", "person", "label", "expires", "revoked"]
    out.print(table(headers, cells, ids=frozenset({"id", "person"})))


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
    access_log: Annotated[
        bool, typer.Option(help="log every request (uvicorn's access log) on stderr")
    ] = True,
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
        uvicorn.run(
            create_app(cfg),
            host=host,
            port=port,
            log_level="info",
            http="h11",
            access_log=access_log,
        )
        return
    # Several processes: each builds its app from the environment (api.main:create_app).
    # A worker's start loads the snapshot and the goal mapper (minutes with the real model on
    # a first start): the supervisor waits that long before it calls a worker dead.
    config = uvicorn.Config(
        "api.main:create_app",
        factory=True,
        workers=workers,
        timeout_worker_healthcheck=WORKER_START_TIMEOUT_S,
        host=host,
        port=port,
        log_level="info",
        http="h11",
        access_log=access_log,
    )
    with contextlib.suppress(KeyboardInterrupt):
        Multiprocess(config, sockets=[tcp_listener(config.bind_socket())]).run()


def tcp_listener(sock: socket.socket) -> socket.socket:
    """The supervisor's listening socket, marked as TCP (`proto` IPPROTO_TCP).

    uvicorn's `Config.bind_socket` leaves `proto` at 0 (uvicorn issue #3149); connections
    accepted by the workers inherit it, and asyncio sets TCP_NODELAY only on sockets whose
    proto is IPPROTO_TCP. Without it Nagle's algorithm holds back the second write of each
    response until the client's delayed ACK: every keep-alive request after the first took
    40-44 ms with `--workers 2` (1-8 ms with one worker, which binds through asyncio). The
    same descriptor is wrapped again (multiprocessing hands `proto` on to the workers); a
    Unix socket or one already marked is returned as it is."""
    if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto != socket.IPPROTO_TCP:
        return socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
    return sock


WORKER_START_TIMEOUT_S = 600
DEMO_KEY_FILE = "demo-admin-key"
DEMO_SIZE = 1000
DEMO_SEED = 7


def prepare_demo(cfg: Settings) -> None:
    """First start: bundled ESCO + a 1k-person demo org with mapped goals + an admin key.

    Idempotent: the taxonomy and the org are loaded only when missing; the key only once.
    """

    with opened_state(long=True) as state:
        if state.store.count_skills() == 0:
            import_esco_from(state, None)
        if state.store.count_people() == 0:
            err.print("indexing the taxonomy for goal mapping...")
            mapper = state.goal_mapper()
            err.print(f"generating a demo org of {DEMO_SIZE} people and mapping their goals...")
            report = load_demo(
                state.store,
                size=DEMO_SIZE,
                seed=DEMO_SEED,
                progress=show_progress(long=True),
                mapper=mapper,
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
    with opened_state(long=True) as state:
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
    with opened_state(long=True) as state:
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
    full_export: Annotated[
        bool,
        typer.Option(
            "--full-export", help="the file lists everyone: off-board stored people it leaves out"
        ),
    ] = False,
) -> None:
    """Import people with their skills, availability, preferences and goals. Leavers (a
    `status` of left or a past `left_on`; with --full-export, people the file leaves out) are
    off-boarded, not imported.

    Exit codes: 0 every record imported (or, with --dry-run, would be); 1 the file or a
    record was refused (with --allow-partial: any record was rejected, even when others
    were written); 2 usage error (bad option, missing file, bad --columns/--delimiter).
    """

    if not file.is_file():
        raise typer.BadParameter(f"{file} does not exist", param_hint="FILE")
    if reject_file is not None and not allow_partial:
        raise typer.BadParameter("--reject-file needs --allow-partial", param_hint="--reject-file")
    options = people_import_options(columns, delimiter)
    with opened_state(long=True) as state:
        report = imports.import_people(
            state,
            CLI,
            file,
            dry_run=dry_run,
            allow_partial=allow_partial,
            reject_file=reject_file,
            map_goals=map_goals,
            options=options,
            full_export=full_export,
        )
    # one line each, never wrapped: "file:line: column: reason" stays greppable
    err.print(report.summary(), markup=False, highlight=False, soft_wrap=True)
    if report.goals_mapped:
        err.print(f"mapped {report.goals_mapped} goals onto the taxonomy")
    if report.offboarded:
        err.print(f"off-boarded {len(report.offboarded)}: {', '.join(report.offboarded)}")
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
    with opened_state(long=True) as state:
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
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """Show the taxonomy nodes a goal text maps to."""

    with opened_state() as state:
        result = state.goal_mapper().map(text, k)
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    cells = [[f"{c.score:.3f}", c.kind, c.label, c.id] for c in result.candidates]
    out.print(table(["score", "kind", "label", "id"], cells, ids=frozenset({"id"})))
    if result.fell_back:
        err.print(f"fell back to broader clusters: {result.reason}", markup=False)


@app.command("recommend")
def recommend_cmd(
    person_id: Annotated[str, typer.Argument(help="the mentee's id")],
    k: Annotated[int, typer.Option(help="how many mentors (at most MENTORGRAPH_MAX_K)")] = 10,
    model: Annotated[
        MentoringModel, typer.Option(help="one_to_one, group, peer or reverse")
    ] = MentoringModel.one_to_one,
    format: Annotated[
        Format | None,
        typer.Option(help="in_person (same location), video, or async (no shared hours)"),
    ] = None,
    asynchronous: Annotated[bool, typer.Option(help="alias of --format async")] = False,
    min_overlap_hours: Annotated[
        float, typer.Option(help="shared hours a week needed (0 .. 168)")
    ] = 1.0,
    as_json: Annotated[
        bool, typer.Option("--json", help="print the API's JSON answer instead of a table")
    ] = False,
) -> None:
    """Rank mentors for a mentee, with the reasons: the options and checks of
    GET /v1/people/{id}/recommendations, and with --json its answer."""

    with opened_state() as state:
        recommendations.check_k(state.settings, k)
        options = recommendations.options(
            state.settings,
            model=model,
            format=format,
            asynchronous=asynchronous,
            min_overlap_hours=min_overlap_hours,
            weights=current_weights(state),
        )
        snap = state.current_snapshot()
    if person_id not in snap.state.people:
        raise NotFound(f"person {person_id!r} not found")
    answer = recommendations.answer(snap, person_id, k, options, utcnow())
    if as_json:
        print_json(answer.model_dump(mode="json"))
        return
    cells = [
        [
            str(i),
            r.mentor_name,
            r.mentor_id,
            f"{r.score:.3f}",
            f"{r.components.get('skill_fit', 0):.2f}",
            f"{r.components.get('availability', 0):.2f}",
            "; ".join(r.reasons[:3]),
        ]
        for i, r in enumerate(answer.data, 1)
    ]
    headers = ["#", "mentor", "id", "score", "skill", "avail", "reasons"]
    out.print(table(headers, cells, ids=frozenset({"id"})))
    if not answer.data:
        err.print("no mentor passes the guardrails and filters for this mentee:")
        for line in answer.why_none:
            err.print(f"  {line}", markup=False)
    elif answer.why_few:
        err.print(f"only {answer.count} of the {k} asked for:")
        for line in answer.why_few:
            err.print(f"  {line}", markup=False)


@app.command("match-cohort")
def match_cohort_cmd(
    program: Annotated[str, typer.Argument(help="program name, as in people's `programs`")],
    publish: Annotated[bool, typer.Option(help="store the proposals as proposed pairings")] = False,
    asynchronous: Annotated[bool, typer.Option(help="do not require overlapping hours")] = False,
    formats: Annotated[
        list[MentoringModel] | None,
        typer.Option("--form", help="circle and/or group: form these first (repeat, in order)"),
    ] = None,
    pairs: Annotated[
        bool, typer.Option(help="match the rest in one-to-one pairs (--no-pairs: only --form)")
    ] = True,
    as_json: Annotated[
        bool, typer.Option("--json", help="print the run as JSON instead of a table")
    ] = False,
) -> None:
    """Match all open mentees of a program optimally; review, then --publish. With --form,
    peer circles and/or groups are formed first, each member with their own reasons."""

    with opened_state() as state:
        run = cohorts.match(
            state,
            CLI,
            program,
            asynchronous=asynchronous,
            formats=formats or [],
            model=MentoringModel.one_to_one if pairs else None,
        )
        result = run.result
        for c in run.formed.circles:
            err.print(f"circle ({c.hours_per_month:g} h/month): {', '.join(c.member_ids)}")
            for m in c.member_ids:
                err.print(f"  {m}: {'; '.join(c.reasons.get(m, [])[:3])}", markup=False)
        for g in run.formed.groups:
            err.print(
                f"group led by {g.mentor_id} ({g.hours_per_month:g} h/month, score "
                f"{g.score:.3f}): {', '.join(g.mentee_ids)}"
            )
            for m in g.mentee_ids:
                err.print(f"  {m}: {'; '.join(g.reasons.get(m, [])[:2])}", markup=False)
        for note in run.formed.notes:
            err.print(note, markup=False)
        if as_json:
            print_json({"run_id": run.run_id, **asdict(result), "matched": result.matched})
        else:
            cells = [
                [p.mentee_id, p.mentor_id, f"{p.score:.3f}", "; ".join(p.reasons[:2])]
                for p in result.proposals
            ]
            headers = ["mentee", "mentor", "score", "reasons"]
            out.print(table(headers, cells, ids=frozenset({"mentee", "mentor"})))
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


# --- programs and formats -------------------------------------------------------------------


def _print_pairing(p: Pairing, what: str) -> None:
    out.print(p.id)
    extra = f", {p.session_minutes} min on {p.skill_id}" if p.session_minutes else ""
    err.print(
        f"{what} {p.id} ({p.model.value}, {p.status.value}{extra}): {', '.join(p.members)}",
        markup=False,
    )


@programs_app.command("declare")
def programs_declare(
    program: Annotated[str, typer.Argument(help="program id, as in people's `programs`")],
    model: Annotated[
        list[MentoringModel],
        typer.Option("--model", "-m", help="a format it runs (repeat)", min=1),
    ],
    name: Annotated[str, typer.Option(help="display name")] = "",
    hours: Annotated[float, typer.Option(help="hours a month a pairing/group/circle meets")] = 2.0,
    months: Annotated[int | None, typer.Option(help="duration in months")] = None,
    max_group_size: Annotated[int, typer.Option(help="most mentees in a group (2-N)")] = 5,
    max_circle_size: Annotated[int, typer.Option(help="most members of a circle (3-6)")] = 6,
    micro_minutes: Annotated[int, typer.Option(help="a micro session's length (30-60)")] = 45,
) -> None:
    """Declare (or re-declare) a program's formats and intensity."""
    try:
        row = Program(
            id=program,
            name=name,
            models=model,
            hours_per_month=hours,
            months=months,
            max_group_size=max_group_size,
            max_circle_size=max_circle_size,
            micro_session_minutes=micro_minutes,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc).splitlines()[-1] if str(exc) else "bad value") from exc
    with opened_state() as state:
        saved = programs.put_program(state, CLI, row)
    err.print(f"declared {saved.id}: {', '.join(m.value for m in saved.models)}")


@programs_app.command("show")
def programs_show(
    program: Annotated[str | None, typer.Argument(help="one program; none: every declared")] = None,
) -> None:
    """Print program declarations as JSON (an undeclared program: what it allows)."""
    with opened_state() as state:
        rows = [programs.get_program(state, program)] if program else state.store.list_programs()
    print(json.dumps([r.model_dump(mode="json") for r in rows], indent=2))


@programs_app.command("group")
def programs_group(
    program: Annotated[str, typer.Argument(help="program id")],
    mentor: Annotated[str, typer.Option(help="the mentor who leads the group")],
    mentee: Annotated[list[str], typer.Option(help="a mentee (repeat: 2..max_group_size)")],
    goal: Annotated[list[str] | None, typer.Option(help="a mentee's goal it serves")] = None,
    hours: Annotated[float | None, typer.Option(help="default: the program's hours")] = None,
    format: Annotated[Format, typer.Option(help="video, in_person or async")] = Format.video,
) -> None:
    """Propose a group (the CLI proposes for the program: every member accepts)."""
    with opened_state() as state:
        p = programs.propose_group(
            state,
            CLI,
            program,
            mentor,
            mentee,
            goal_ids=goal or [],
            hours_per_month=hours,
            format=format,
        )
    _print_pairing(p, "proposed group")


@programs_app.command("circle")
def programs_circle(
    program: Annotated[str, typer.Argument(help="program id")],
    members: Annotated[list[str], typer.Argument(help="3..6 members; the first convenes")],
    hours: Annotated[float | None, typer.Option(help="default: the program's hours")] = None,
    format: Annotated[Format, typer.Option(help="video, in_person or async")] = Format.video,
) -> None:
    """Propose a peer circle of equals."""
    with opened_state() as state:
        p = programs.propose_circle(
            state, CLI, program, members, hours_per_month=hours, format=format
        )
    _print_pairing(p, "proposed circle")


@programs_app.command("micro")
def programs_micro(
    program: Annotated[str, typer.Argument(help="program id")],
    mentor: Annotated[str, typer.Option(help="a mentor who offers micro sessions")],
    mentee: Annotated[str, typer.Option(help="the mentee")],
    skill: Annotated[str, typer.Option(help="the one skill (id)")],
    minutes: Annotated[int | None, typer.Option(help="30-60; default: the program's")] = None,
) -> None:
    """Propose one micro session (no place held; its check-in closes it)."""
    with opened_state() as state:
        p = programs.propose_micro(
            state, CLI, program, mentor, mentee, skill, session_minutes=minutes
        )
    _print_pairing(p, "proposed micro session")


@programs_app.command("micro-mentors")
def programs_micro_mentors(
    program: Annotated[str, typer.Argument(help="program id")],
    person: Annotated[str, typer.Argument(help="the mentee")],
    skill: Annotated[str, typer.Argument(help="the skill (id)")],
    k: Annotated[int, typer.Option(help="how many", min=1, max=50)] = 5,
) -> None:
    """Mentors who offer micro sessions on the skill and could give this person one now."""
    with opened_state() as state:
        found = programs.find_micro_mentors(state, program, person, skill, k=k)
    table = Table("mentor", "level", "hours free", "reasons")
    for c in found:
        table.add_row(c.mentor_id, str(c.level), f"{c.hours_free:g}", "; ".join(c.reasons))
    out.print(table)
    if not found:
        err.print("no mentor who offers micro sessions fits")


@programs_app.command("accept")
def programs_accept(
    pairing_id: Annotated[str, typer.Argument(help="a group, circle, micro session or pairing")],
    activate: Annotated[bool, typer.Option(help="also mark it started")] = False,
    reason: Annotated[str, typer.Option(help="why")] = "",
) -> None:
    """Accept for the program (recorded as side `program`): every member at once."""
    with opened_state() as state:
        p = pairing_cases.accept(state, CLI, pairing_id, reason=reason, activate=activate)
    _print_pairing(p, "accepted")


@programs_app.command("close")
def programs_close(
    pairing_id: Annotated[str, typer.Argument(help="a group, circle, micro session or pairing")],
    reason: Annotated[str, typer.Option(help="why")] = "",
) -> None:
    """Close it for the program."""
    with opened_state() as state:
        p = pairing_cases.close(state, CLI, pairing_id, reason=reason)
    _print_pairing(p, "closed")


# --- guides, skill gaps, growth, recognition (issue 14) ---------------------------------------


def _print_json(model: Any) -> None:
    print(json.dumps(model.model_dump(mode="json"), indent=2, ensure_ascii=False))


@app.command("guide")
def guide_cmd(
    pairing_id: Annotated[str, typer.Argument(help="the pairing's id")],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """A first-meeting guide: target skills, levels, bridges, topics, milestones, slots."""
    with opened_state() as state:
        g = guides.guide(state, CLI, pairing_id)
    if as_json:
        _print_json(g)
        return
    for goal in g.goals:
        out.print(f"[bold]goal {goal.goal_id}[/bold]: {goal.text or '(not shown)'}")
        for m in goal.milestones:
            out.print(f"  milestone: {m.title} ({m.status})", markup=False)
    for t in g.targets:
        levels = ", ".join(f"{x.person_id}: {x.level or '-'}" for x in t.mentee_levels)
        out.print(f"[bold]{t.label}[/bold] (mentee levels {levels})")
        for ms in t.mentor_skills:
            out.print(f"  mentor: {ms.label} level {ms.level} ({ms.relation})", markup=False)
        for b in t.bridges:
            out.print(f"  bridge ({b.relation}): {b.label}", markup=False)
        for topic in t.topics:
            out.print(f"  - {topic}", markup=False)
    for slot in g.slots:
        local = "; ".join(
            f"{x.person_id} {x.start:%a %d %b %H:%M} {x.timezone}" for x in slot.local
        )
        out.print(f"slot {slot.start_utc:%Y-%m-%d %H:%M} UTC: {local}", markup=False)
    for note in g.notes:
        err.print(f"note: {note}", markup=False)


@app.command("invite")
def invite_cmd(
    pairing_id: Annotated[str, typer.Argument(help="the pairing's id")],
    file: Annotated[Path, typer.Argument(help=".ics file to write")],
    cadence: Annotated[
        str | None, typer.Option(help=f"one of {', '.join(CADENCE_WEEKS)}; default from hours")
    ] = None,
) -> None:
    """Write an iCalendar invitation for the pairing's first shared slot."""
    if cadence is not None and cadence not in CADENCE_WEEKS:
        raise typer.BadParameter(
            f"choose one of {', '.join(CADENCE_WEEKS)}", param_hint="--cadence"
        )
    with opened_state() as state:
        body = guides.invite(state, pairing_id, cadence=cadence)  # type: ignore[arg-type]
    file.write_bytes(body)
    err.print(f"wrote the invitation to {file}")


@app.command("skill-gap")
def skill_gap_cmd(
    person_id: Annotated[str, typer.Argument(help="the person's id")],
    role: Annotated[str | None, typer.Option(help="a job title to compare with")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """What a person has, what their goals need, what a role here typically has."""
    with opened_state() as state:
        gap = guides.person_skill_gap(state, person_id, title=role)
    if as_json:
        _print_json(gap)
        return
    table = Table("goal", "skill", "level", "needed", "gap")
    for n in gap.goals:
        table.add_row(n.goal_id, n.label, str(n.level or "-"), str(n.needed_level), str(n.gap))
    out.print(table)
    if gap.role is not None:
        out.print(gap.role.message, markup=False)
        rt = Table("skill", "share", "median", "yours", "gap")
        for r in [*gap.role.skills, *gap.role.below_threshold]:
            share = f"{r.prevalence:.0%} ({r.holders} of {gap.role.group_size})"
            if r.below_threshold:
                share += f", below {gap.role.min_prevalence:.0%}"
            rt.add_row(
                r.label, share, f"{r.median_level:g}", str(r.your_level or "-"),
                "-" if r.below_threshold else str(r.gap),
            )  # fmt: skip
        if rt.rows:
            out.print(rt)
    for p in gap.proposals:
        out.print(f"proposed goal: {p.text} ({p.why})", markup=False)


@mentors_app.command("suggested")
def mentors_suggested_cmd(
    threshold: Annotated[int, typer.Option(min=1, max=5, help="level to reach")] = 4,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Mentees whose achieved goal brought a skill to the mentoring level."""
    with opened_state() as state:
        rows, grown = guides.suggested(state, threshold=threshold)
    if as_json:
        print(json.dumps([r.model_dump(mode="json") for r in rows], indent=2))
        return
    table = Table("person", "skill", "level", "goal", "mentored by")
    for r in rows:
        table.add_row(f"{r.name} ({r.person_id})", r.skill_label, str(r.level), r.goal_id,
                      r.mentored_by)  # fmt: skip
    out.print(table)
    err.print(f"{len(rows)} suggestions; {grown} mentors so far grew from mentees")


@mentors_app.command("opt-in")
def mentors_opt_in_cmd(
    person_id: Annotated[str, typer.Argument(help="the person who asked to mentor")],
    skill: Annotated[list[str], typer.Option("--skill", help="skill id to offer (repeat)")],
    consent: Annotated[
        bool, typer.Option("--consent", help="confirm the person asked for this themselves")
    ] = False,
) -> None:
    """Record a person's own opt-in to mentor skills they hold (never on their behalf)."""
    if not consent:
        raise typer.BadParameter(
            "a person opts in themselves; pass --consent only when they asked for it",
            param_hint="--consent",
        )
    with opened_state() as state:
        person, rows = growth.opt_in(state, CLI, person_id, skill)
    err.print(f"{person.name} now mentors {', '.join(r.skill_id for r in rows)}")


@app.command("recognition")
def recognition_cmd(
    csv_file: Annotated[Path | None, typer.Option("--csv", help="write the rows as CSV")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Impact per mentor and program: mentees, hours, goals, skills transferred, ratings."""
    with opened_state() as state:
        report = recognition_report(org_data(state), now=utcnow())
    if csv_file is not None:
        with csv_file.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(CSV_COLUMNS)
            for r in report.by_program:
                data = r.model_dump()
                writer.writerow([data[c] for c in CSV_COLUMNS])
        err.print(f"wrote {len(report.by_program)} rows to {csv_file}")
        return
    if as_json:
        _print_json(report)
        return
    table = Table("mentor", "program", "mentees", "hours", "goals", "skills", "rating")
    for r in report.by_program:
        table.add_row(
            r.name, r.program, str(r.mentees_supported), f"{r.hours_given:g}",
            str(r.goals_achieved), str(r.skills_transferred),
            "-" if r.avg_mentee_rating is None else f"{r.avg_mentee_rating:.2f}",
        )  # fmt: skip
    out.print(table)
    err.print(f"{report.grown_count} mentors grew from mentees")


@weights_app.command("show")
def weights_show_cmd() -> None:
    """The ranking weights in effect and the decisions so far."""
    with opened_state() as state:
        now = ranking.weights_in_effect(state)
    print(json.dumps(now.model_dump(mode="json"), indent=2))


@weights_app.command("fit")
def weights_fit_cmd(
    min_outcomes: Annotated[int, typer.Option(min=10, help="closed pairings needed")] = 30,
) -> None:
    """Fit weights on closed pairings; prints current vs proposed (held-out AUC)."""
    with opened_state() as state:
        proposal = ranking.fit(state, CLI, min_outcomes=min_outcomes)
    fit = proposal.fit
    table = Table("component", "coefficient", "current", "proposed")
    for c, w in fit.current.items():
        proposed = fit.proposed or {}
        coef = fit.coefficients.get(c)
        table.add_row(
            c, "left out" if coef is None else f"{coef:+.3f}", f"{w:.3f}",
            f"{proposed.get(c, 0):.3f}",
        )  # fmt: skip
    out.print(table)

    def three(v: float | None) -> str:
        return "n/a" if v is None else f"{v:.3f}"

    ci = fit.auc_difference_ci
    interval = "" if ci is None else f"  difference 95% interval {ci[0]:+.3f} to {ci[1]:+.3f}"
    out.print(
        f"AUC  current {three(fit.auc_current)}  proposed {three(fit.auc_proposed)}{interval}",
        markup=False,
    )
    accept = f"mentorgraph weights accept {proposal.proposal_id}"
    if fit.recommend:
        err.print(f"{fit.message}; accept with: {accept}", markup=False)
    else:
        err.print(f"{fit.message} (to accept it anyway: {accept})", markup=False)


@weights_app.command("accept")
def weights_accept_cmd(proposal_id: Annotated[str, typer.Argument()]) -> None:
    """Apply a proposal's weights (audited; `weights revert` goes back)."""
    with opened_state() as state:
        w = ranking.accept(state, CLI, proposal_id)
    print(json.dumps(w.as_dict()))


@weights_app.command("set")
def weights_set_cmd(
    pairs: Annotated[list[str], typer.Argument(help="component=value, every component")],
) -> None:
    """Set weights by hand: skill_fit=.5 availability=.2 capacity=.1 preferences=.1 feedback=.1"""
    raw: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        try:
            raw[name] = float(value) if sep else None
        except ValueError:
            raw[name] = value
    with opened_state() as state:
        w = ranking.set_weights(state, CLI, raw)
    print(json.dumps(w.as_dict()))


@weights_app.command("revert")
def weights_revert_cmd() -> None:
    """Go back to the weights before the last change."""
    with opened_state() as state:
        w = ranking.revert(state, CLI)
    print(json.dumps(w.as_dict()))


# --- export ---------------------------------------------------------------------------------


@app.command("export")
def export(
    what: Annotated[str, typer.Argument(help="people, pairings or taxonomy")],
    file: Annotated[Path, typer.Argument(help="JSON Lines file to write")],
    goal_text: Annotated[
        bool,
        typer.Option(
            help="people: write each goal's text, outcome and milestones (confidential: for "
            "coordinators); --no-goal-text keeps ids, dates, status and mapped skills only"
        ),
    ] = True,
) -> None:
    """Write people (with skills and goals), pairings or the taxonomy as JSON Lines (one
    record a line)."""
    if what not in {"people", "pairings", "taxonomy"}:
        raise typer.BadParameter("choose people, pairings or taxonomy", param_hint="WHAT")
    with opened_state() as state:
        rows = list(_export_rows(state.store, what, goal_text=goal_text))
    tmp = file.with_suffix(file.suffix + ".part")
    with tmp.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, default=str, ensure_ascii=False) + "\n")
    tmp.replace(file)
    err.print(f"wrote {len(rows)} {what} records to {file}")


def _export_rows(
    store: GraphStore, what: str, *, goal_text: bool = True
) -> Iterator[dict[str, Any]]:
    if what == "people":
        skills: dict[str, list[dict[str, Any]]] = {}
        for batch in store.iter_person_skills():
            for s in batch:
                skills.setdefault(s.person_id, []).append(
                    s.model_dump(mode="json", exclude={"person_id"})
                )
        goals = _export_goals(store, goal_text=goal_text)
        for p in store.list_people(include_departed=False):  # leavers are in no listing
            row = p.model_dump(mode="json")
            if p.opt_out_analytics:
                row["attributes"] = {}  # consent: self-reported attributes stay out of exports
            row["skills"] = skills.get(p.id, [])
            row["goals"] = goals.get(p.id, [])
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


# --- people: leavers, one's own data, maintenance ---------------------------------------------


@people_app.command("remove")
def people_remove(
    person_id: Annotated[str, typer.Argument(help="the person's id")],
    now: Annotated[
        bool, typer.Option("--now", help="erase their personal data now, not after the grace")
    ] = False,
) -> None:
    """Off-board a person: open pairings end, API keys are revoked, they leave every listing;
    their personal data is erased after the grace period (MENTORGRAPH_ERASE_AFTER_DAYS) or,
    with --now, at once. Prints the result as JSON."""
    with opened_state() as state:
        done = leavers.remove_person(state, CLI, person_id, erase_now=now)
    report = {
        "person_id": person_id,
        "left_on": done.left_on.isoformat(),
        "already_left": done.already,
        "ended_pairings": [
            {"id": p.id, "status": p.status.value, "close_reason": p.close_reason}
            for p in done.ended
        ],
        "left_pairings": [p.id for p in done.left],
        "keys_revoked": done.keys_revoked,
        "alternates": done.alternates,
        "erased": done.erased is not None,
        "erase_after": done.erase_after.isoformat() if done.erase_after else None,
        "erased_counts": dict(done.erased.counts) if done.erased else {},
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))


@people_app.command("export-data")
def people_export_data(
    person_id: Annotated[str, typer.Argument(help="the person's id")],
    file: Annotated[
        Path | None, typer.Option("--out", "-o", help="write here instead of stdout")
    ] = None,
) -> None:
    """Everything stored about one person as JSON (what GET /v1/me/export gives them): for a
    coordinator answering an access request."""
    with opened_state() as state:
        data = leavers.export_person_data(state, person_id)
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    if file is None:
        print(text)
        return
    tmp = file.with_suffix(file.suffix + ".part")
    tmp.write_text(text + "\n", encoding="utf-8")
    tmp.replace(file)
    err.print(f"wrote the data of {person_id} to {file}")


@app.command("maintenance")
def maintenance_cmd() -> None:
    """Erase leavers past the grace period and apply the retention settings (what the
    service runs daily); one transaction per batch. Prints what was removed as JSON."""
    with opened_state() as state:
        report = leavers.run_maintenance(state, CLI)
    print(json.dumps(report.as_dict(), indent=2))


def _export_goals(store: GraphStore, *, goal_text: bool) -> dict[str, list[dict[str, Any]]]:
    """Each person's goals, by person id, in id order: the goal's fields and its mapped
    `targets` (node id, confidence, source); without `goal_text` the confidential fields
    (text, measurable outcome, milestones) are left out, as the API hides them from callers
    not entitled to read them."""
    targets: dict[str, list[dict[str, Any]]] = {}
    for t in store.all_goal_targets():
        targets.setdefault(t.goal_id, []).append(t.model_dump(mode="json", exclude={"goal_id"}))
    secret = set() if goal_text else {"text", "measurable_outcome", "milestones"}
    out: dict[str, list[dict[str, Any]]] = {}
    for g in sorted(store.list_goals(), key=lambda g: g.id):
        row = g.model_dump(mode="json", exclude={"person_id", *secret})
        row["targets"] = targets.get(g.id, [])
        out.setdefault(g.person_id, []).append(row)
    return out


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
