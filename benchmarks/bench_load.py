"""Load benchmark: a steady request rate against the real service on loopback.

    python benchmarks/bench_load.py                      # 300 req/s for 60 s, demo org of 1000
    python benchmarks/bench_load.py --rate 500 --duration 30 --people 5000
    python benchmarks/bench_load.py --path "/v1/people/{id}/goals"
    python benchmarks/bench_load.py --workers 1 2 --json load.json   # capacity per worker count

Capacity mode (`--workers 1 2`, or `--capacity`): for each worker count in one run, on the
same data, the rate is stepped up `--ramp` (`--step` s a step) for two scenarios, GET
recommendations only and a mix with 5% writes (PATCH a person: every write moves the
store's data_version, so the other workers reload), until a step misses p99 <= 100 ms or has
an error; the table gives the highest rate that met both, per worker count and scenario.

What it does, all on 127.0.0.1 and bounded in time (it stops by itself):
1. builds a fresh embedded store in a temp dir: the bundled ESCO taxonomy plus the seeded demo
   org (loaders.demo_org.load_demo, goals mapped with the fake embedder), and an admin key;
2. starts `uvicorn api.main:create_app --factory` as a separate process on a free port;
3. sends requests open-loop at a fixed rate (asyncio + httpx; each request has its own
   scheduled start, and latency is measured from that scheduled time, so a server that falls
   behind shows up in the percentiles instead of silently slowing the generator down);
4. runs a short baseline phase against GET /healthz at the same rate (the cost of HTTP,
   routing and the generator itself), then the target path for --duration seconds;
5. prints one table: throughput, p50/p90/p99/max, errors by status, CPU seconds per request
   of the server (all its processes; independent of what else runs on the box) and of the
   generator, os.getloadavg() at the end, and the goal check (>= 300 req/s, p99 <= 100 ms).

The generator shares the cores with the server: the httpx generator costs about as much CPU
per request as the server does, so on 2 cores it caps what can be measured. `--generator wrk`
(Debian package `wrk`, closed loop over --connections keep-alive connections, no fixed rate)
is far leaner and shows the server's capacity; its latencies come from wrk's own percentiles.
The server is started like `mentorgraph serve` (h11 parser) unless --http says otherwise.

`{id}` in --path is replaced by a mentee id (people with goals), chosen at random per request.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
from rich.console import Console
from rich.table import Table

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

DEFAULT_PATH = "/v1/people/{id}/recommendations?k=10"
WRITE_PATH = "/v1/people/{id}"  # the write of the mixed scenario (PATCH a person's title)
GOAL_RATE = 300.0
GOAL_P99_MS = 100.0
console = Console(stderr=True)


@dataclass
class Phase:
    name: str
    path: str
    rate: float
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    wall_s: float = 0.0
    server_cpu_s: float = float("nan")
    generator_cpu_s: float = float("nan")
    loadavg: tuple[float, float, float] = (0.0, 0.0, 0.0)
    write_share: float = 0.0  # this share of requests are writes (PATCH a person's title)
    pcts: dict[float, float] | None = None  # from wrk (which reports percentiles, not samples)
    requests: int | None = None  # wrk: completed requests (statuses hold only the non-2xx)

    @property
    def sent(self) -> int:
        return sum(self.statuses.values())

    @property
    def ok(self) -> int:
        return self.statuses.get("200", 0)

    def per_request_ms(self, cpu_s: float) -> float:
        return cpu_s / self.sent * 1000.0 if self.sent else float("nan")

    @property
    def errors(self) -> int:
        return self.sent - self.ok

    def pct(self, q: float) -> float:
        if self.pcts is not None:
            return self.pcts.get(q, float("nan"))
        return float(np.percentile(self.latencies_ms, q)) if self.latencies_ms else float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of `pid` and its child processes (uvicorn workers), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")

    def stat(p: int) -> list[str] | None:
        try:
            return Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None

    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = stat(int(entry.name))
        if fields and (int(entry.name) == pid or int(fields[1]) == pid):
            total += int(fields[11]) + int(fields[12])
    return total / tick


# --- data and server --------------------------------------------------------------------------


def prepare(data_dir: Path, people: int, seed: int) -> tuple[str, list[str]]:
    """ESCO + demo org + admin key in data_dir; returns the key and the ids of mentees with an
    open goal."""
    from api.auth import create_key
    from api.state import build_mapper, make_embedder
    from graph.model import Role
    from graph.settings import Settings
    from graph.stores.embedded import EmbeddedStore
    from loaders.demo_org import load_demo

    settings = Settings(environment="development", data_dir=data_dir, embedding_model="fake")
    store = EmbeddedStore(settings.embedded_file)
    try:
        started = time.perf_counter()
        from loaders.esco import bundled_esco_dir, read_esco
        from taxonomy.importer import import_taxonomy

        import_taxonomy(store, read_esco(bundled_esco_dir()), actor="bench", source="esco")
        mapper = build_mapper(settings, store, make_embedder(settings))
        report = load_demo(store, size=people, seed=seed, mapper=mapper)
        _, token = create_key(store, [Role.admin], label="bench_load")
        # people with an open goal (the others are answered 422 "no open goals")
        mentees = sorted({g.person_id for g in store.list_goals() if g.status == "open"})
        console.print(
            f"data: {store.count_skills()} skills, {report.people} people, {report.goals} goals "
            f"({report.goals_mapped} mapped), {len(mentees)} mentees "
            f"in {time.perf_counter() - started:.1f} s"
        )
    finally:
        store.close()
    return token, mentees


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    data_dir: Path, port: int, workers: int, http: str = "h11"
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "MENTORGRAPH_DATA_DIR": str(data_dir),
        "MENTORGRAPH_STORE": "embedded",
        "MENTORGRAPH_EMBEDDING_MODEL": "fake",
        "MENTORGRAPH_ENVIRONMENT": "development",
        "PYTHONPATH": str(REPO_ROOT),
    }
    env.pop("MENTORGRAPH_EMBEDDED_PATH", None)
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "api.main:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--timeout-worker-healthcheck",
        "600",
        "--http",
        http,
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    return subprocess.Popen(cmd, cwd=REPO_ROOT, env=env)


def wait_ready(base_url: str, proc: subprocess.Popen[bytes], timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise SystemExit("server not ready in time")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- load generator ---------------------------------------------------------------------------


async def run_phase(
    client: httpx.AsyncClient,
    phase: Phase,
    ids: list[str],
    max_in_flight: int,
    seed: int,
    grace_s: float = 15.0,
) -> None:
    rng = random.Random(seed)
    limit = asyncio.Semaphore(max_in_flight)
    total = int(phase.rate * phase.seconds)
    interval = 1.0 / phase.rate
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.05

    async def one(at: float, path: str, write: dict[str, str] | None) -> None:
        async with limit:
            try:
                if write is None:
                    r = await client.get(path)
                else:
                    r = await client.patch(path, json=write)
                status = str(r.status_code)
            except httpx.HTTPError as exc:
                status = type(exc).__name__
        phase.latencies_ms.append((loop.time() - at) * 1000.0)
        phase.statuses[status] += 1

    tasks = []
    for i in range(total):
        at = start + i * interval
        delay = at - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        who = rng.choice(ids)
        if phase.write_share and rng.random() < phase.write_share:
            write: dict[str, str] | None = {"title": f"bench {i}"}
            path = WRITE_PATH.replace("{id}", who)
        else:
            write, path = None, phase.path.replace("{id}", who)
        tasks.append(asyncio.create_task(one(at, path, write)))
    # Bounded: whatever has not finished `grace_s` after the schedule ended is cancelled and
    # counted as "dropped" (a server that cannot keep up must not stretch the run).
    _, pending = await asyncio.wait(tasks, timeout=grace_s) if tasks else (set(), set())
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.gather(*pending, return_exceptions=True)
        phase.statuses["dropped"] += len(pending)
    phase.wall_s = loop.time() - start


async def drive(
    base_url: str,
    token: str,
    ids: list[str],
    phases: list[Phase],
    max_in_flight: int,
    server_pid: int,
) -> None:
    limits = httpx.Limits(max_connections=max_in_flight, max_keepalive_connections=max_in_flight)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, timeout=10.0, limits=limits
    ) as client:
        for n, phase in enumerate(phases):
            console.print(
                f"{phase.name}: {phase.path} at {phase.rate:g} req/s for {phase.seconds:g} s"
            )
            server0, gen0 = cpu_seconds(server_pid), time.process_time()
            await run_phase(client, phase, ids, max_in_flight, seed=n)
            phase.server_cpu_s = cpu_seconds(server_pid) - server0
            phase.generator_cpu_s = time.process_time() - gen0
            phase.loadavg = os.getloadavg()


# --- wrk (closed loop, lean) ------------------------------------------------------------------

WRK_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def wrk_script(path: str, token: str, ids: list[str]) -> str:
    """Lua for wrk: the Bearer header, and `{id}` in `path` rotating over the mentee ids."""
    pre, _, post = path.partition("{id}")
    quoted = ",".join(f'"{i}"' for i in ids) if "{id}" in path else '""'
    lua_path = f'"{pre}" .. ids[n % #ids + 1] .. "{post}"' if "{id}" in path else f'"{path}"'
    return (
        f'wrk.headers["Authorization"] = "Bearer {token}"\n'
        f"local ids = {{{quoted}}}\nlocal n = 0\n"
        f'request = function()\n  n = n + 1\n  return wrk.format("GET", {lua_path})\nend\n'
    )


def parse_wrk(out: str, phase: Phase) -> None:
    import re

    pcts = {}
    for q, value, unit in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M):
        pcts[float(q)] = float(value) * WRK_UNITS[unit]
    phase.pcts = pcts
    done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m),", out)
    phase.requests = int(done.group(1)) if done else 0
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    bad = int(non2xx.group(1)) if non2xx else 0
    phase.statuses["200"] = phase.requests - bad
    if bad:
        phase.statuses["non-2xx"] = bad
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if sock and sum(map(int, sock.groups())):
        phase.statuses["socket"] = sum(map(int, sock.groups()))
    phase.latencies_ms = []


def drive_wrk(
    base_url: str,
    token: str,
    ids: list[str],
    phases: list[Phase],
    connections: int,
    server_pid: int,
    workdir: Path,
) -> None:
    import resource
    import shutil

    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("--generator wrk needs the wrk binary (Debian: apt-get install wrk)")
    for phase in phases:
        console.print(
            f"{phase.name}: {phase.path} with wrk, {connections} connections, {phase.seconds:g} s"
        )
        script = workdir / f"wrk-{phase.name}.lua"
        script.write_text(wrk_script(phase.path, token, ids))
        cmd = [wrk, "-t1", f"-c{connections}", f"-d{max(1, round(phase.seconds))}s", "--latency"]
        cmd += ["-s", str(script), "--timeout", "10s", base_url]
        server0 = cpu_seconds(server_pid)
        gen0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.monotonic()
        out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=700).stdout
        phase.wall_s = time.monotonic() - started
        gen1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        phase.server_cpu_s = cpu_seconds(server_pid) - server0
        phase.generator_cpu_s = gen1.ru_utime + gen1.ru_stime - gen0.ru_utime - gen0.ru_stime
        phase.loadavg = os.getloadavg()
        parse_wrk(out, phase)


def report(phases: list[Phase], cores: int | None) -> None:
    table = Table(title=f"bench_load on 127.0.0.1 ({cores} CPU cores visible)")
    columns = ["phase", "path", "target/s", "sent", "ok/s", "p50 ms", "p90 ms", "p99 ms", "max ms"]
    columns += ["server CPU ms/req", "generator CPU ms/req", "load 1/5/15 min"]
    for col in (*columns, "errors"):
        table.add_column(col, justify="left" if col in ("phase", "path") else "right")
    for p in phases:
        errs = ", ".join(f"{k}:{v}" for k, v in sorted(p.statuses.items()) if k != "200") or "0"
        table.add_row(
            p.name,
            p.path,
            f"{p.rate:g}" if p.pcts is None else "closed",
            str(p.sent),
            f"{p.ok / p.wall_s:.0f}" if p.wall_s else "-",
            f"{p.pct(50):.1f}",
            f"{p.pct(90):.1f}",
            f"{p.pct(99):.1f}",
            f"{max(p.latencies_ms, default=float('nan')):.1f}",
            f"{p.per_request_ms(p.server_cpu_s):.2f}",
            f"{p.per_request_ms(p.generator_cpu_s):.2f}",
            "/".join(f"{x:.1f}" for x in p.loadavg),
            errs,
        )
    Console(width=160).print(table)
    print(
        "CPU ms/req: user+system seconds of the server processes (or the generator) over the "
        "phase / requests sent; the load average counts every process on the box"
    )
    main, base = phases[-1], phases[0]
    if base is not main and base.pct(50) > 0:
        print(f"p50 ratio target/baseline: {main.pct(50) / base.pct(50):.1f}x")
    throughput = main.ok / main.wall_s if main.wall_s else 0.0
    if main.pcts is None:  # open loop: every request of a >= goal-rate schedule answered 200
        # (wall_s includes the start offset and the last response, so ok/s reads just under
        # the rate even when nothing was lost)
        fast_enough = main.rate >= GOAL_RATE and main.ok == int(main.rate * main.seconds)
    else:
        fast_enough = throughput >= GOAL_RATE
    met = fast_enough and main.pct(99) <= GOAL_P99_MS and main.errors == 0
    print(
        f"goal (>= {GOAL_RATE:g} ok req/s, p99 <= {GOAL_P99_MS:g} ms, no errors): "
        f"{'MET' if met else 'NOT MET'} ({throughput:.0f} req/s, p99 {main.pct(99):.1f} ms, "
        f"{main.errors} errors)"
    )


# --- capacity per worker count (issue 16) ------------------------------------------------------

SCENARIOS = {"recommendations": 0.0, "mix": 0.05}  # scenario -> share of writes
RAMP = [25.0, 50.0, 100.0, 150.0, 200.0, 300.0, 400.0, 600.0]


@dataclass
class Capacity:
    """The highest scheduled rate of a ramp that a server answered with p99 <= 100 ms and
    no error, for one worker count and scenario, with every step measured."""

    workers: int
    scenario: str
    steps: list[Phase] = field(default_factory=list)

    @property
    def passing(self) -> list[Phase]:
        return [p for p in self.steps if p.errors == 0 and p.pct(99) <= GOAL_P99_MS]

    @property
    def best(self) -> Phase | None:
        return max(self.passing, key=lambda p: p.rate, default=None)

    def as_json(self) -> dict[str, object]:
        best = self.best
        return {
            "workers": self.workers,
            "scenario": self.scenario,
            "write_share": SCENARIOS[self.scenario],
            "rate_at_p99_le_100ms": best.rate if best else 0.0,
            "ok_per_s_at_best": round(best.ok / best.wall_s, 1) if best and best.wall_s else 0.0,
            "p50_ms_at_best": round(best.pct(50), 2) if best else None,
            "p99_ms_at_best": round(best.pct(99), 2) if best else None,
            "errors_at_best": best.errors if best else None,
            "steps": [
                {
                    "rate": p.rate,
                    "sent": p.sent,
                    "ok_per_s": round(p.ok / p.wall_s, 1) if p.wall_s else 0.0,
                    "p50_ms": round(p.pct(50), 2),
                    "p99_ms": round(p.pct(99), 2),
                    "errors": p.errors,
                    "statuses": dict(p.statuses),
                    "server_cpu_ms_per_req": round(p.per_request_ms(p.server_cpu_s), 3),
                    "loadavg_1_5_15": [round(x, 2) for x in p.loadavg],
                }
                for p in self.steps
            ],
        }


def capacity_run(
    args: argparse.Namespace, data_dir: Path, token: str, mentees: list[str]
) -> list[Capacity]:
    """For each worker count: start the server, warm it up, then per scenario step the rate
    up the ramp (each step `--step` seconds) until a step misses p99 <= 100 ms or errs."""
    out: list[Capacity] = []
    for workers in args.workers:
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        proc = start_server(data_dir, port, workers, args.http)
        try:
            wait_ready(base_url, proc, timeout_s=600.0)
            warm = Phase("warm-up", args.path, args.ramp[0], args.warmup)
            asyncio.run(drive(base_url, token, mentees, [warm], args.max_in_flight, proc.pid))
            for scenario in args.scenarios:
                cap = Capacity(workers, scenario)
                for rate in args.ramp:
                    step = Phase(
                        f"{workers}w {scenario}",
                        args.path,
                        rate,
                        args.step,
                        write_share=SCENARIOS[scenario],
                    )
                    asyncio.run(
                        drive(base_url, token, mentees, [step], args.max_in_flight, proc.pid)
                    )
                    cap.steps.append(step)
                    console.print(
                        f"  {rate:g}/s: p50 {step.pct(50):.1f} ms, p99 {step.pct(99):.1f} ms, "
                        f"{step.errors} errors"
                    )
                    if step.errors or step.pct(99) > GOAL_P99_MS:
                        break
                out.append(cap)
        finally:
            stop_server(proc)
    return out


def capacity_report(caps: list[Capacity], cores: int | None) -> None:
    table = Table(title=f"requests/s at p99 <= {GOAL_P99_MS:g} ms, no errors ({cores} cores)")
    for col in ("workers", "scenario", "rate/s", "ok/s", "p50 ms", "p99 ms", "errors", "next"):
        table.add_column(col, justify="left" if col == "scenario" else "right")
    for cap in caps:
        best = cap.best
        over = next((p for p in cap.steps if p.errors or p.pct(99) > GOAL_P99_MS), None)
        nxt = (
            f"{over.rate:g}/s: p99 {over.pct(99):.0f} ms, {over.errors} err" if over else "ramp end"
        )
        table.add_row(
            str(cap.workers),
            f"{cap.scenario} ({SCENARIOS[cap.scenario]:.0%} writes)",
            f"{best.rate:g}" if best else "0",
            f"{best.ok / best.wall_s:.0f}" if best and best.wall_s else "-",
            f"{best.pct(50):.1f}" if best else "-",
            f"{best.pct(99):.1f}" if best else "-",
            str(best.errors) if best else "-",
            nxt,
        )
    Console(width=160).print(table)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--path", default=DEFAULT_PATH, help="target path; {id} = a mentee id")
    ap.add_argument("--rate", type=float, default=GOAL_RATE, help="requests per second")
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of the main phase")
    ap.add_argument("--warmup", type=float, default=5.0, help="seconds of warm-up (not counted)")
    ap.add_argument("--baseline", type=float, default=10.0, help="seconds against /healthz")
    ap.add_argument("--people", type=int, default=1000, help="size of the demo org")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--max-in-flight", type=int, default=64, help="concurrent requests at most")
    ap.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=[1],
        help="uvicorn worker processes; several (e.g. 1 2) measure capacity per count",
    )
    ap.add_argument(
        "--capacity",
        action="store_true",
        help="ramp the rate and report the highest with p99 <= 100 ms and no errors "
        "(implied by several --workers)",
    )
    ap.add_argument(
        "--scenarios",
        nargs="+",
        default=list(SCENARIOS),
        choices=list(SCENARIOS),
        help="capacity: recommendations only, and a mix with 5%% writes",
    )
    ap.add_argument("--ramp", type=float, nargs="+", default=RAMP, help="capacity: rates")
    ap.add_argument("--step", type=float, default=8.0, help="capacity: seconds per rate")
    ap.add_argument("--json", type=Path, default=None, help="capacity: write a JSON summary")
    ap.add_argument("--http", default="h11", choices=["h11", "httptools"], help="HTTP parser")
    ap.add_argument("--generator", default="httpx", choices=["httpx", "wrk"])
    ap.add_argument("--connections", type=int, default=8, help="wrk: keep-alive connections")
    args = ap.parse_args(argv)
    if not 0 < args.duration <= 600 or not 0 < args.rate <= 5000:
        ap.error("--duration must be in (0, 600] s and --rate in (0, 5000] req/s")

    if args.capacity or len(args.workers) > 1:
        with tempfile.TemporaryDirectory(prefix="mg-bench-load-") as tmp:
            data_dir = Path(tmp)
            token, mentees = prepare(data_dir, args.people, args.seed)
            caps = capacity_run(args, data_dir, token, mentees)
        capacity_report(caps, os.cpu_count())
        if args.json is not None:
            summary = {
                "cpu_cores": os.cpu_count(),
                "people": args.people,
                "step_s": args.step,
                "ramp": args.ramp,
                "p99_goal_ms": GOAL_P99_MS,
                "write": f"PATCH {WRITE_PATH} (title)",
                "results": [c.as_json() for c in caps],
            }
            args.json.write_text(json.dumps(summary, indent=2))
        return 0

    with tempfile.TemporaryDirectory(prefix="mg-bench-load-") as tmp:
        data_dir = Path(tmp)
        token, mentees = prepare(data_dir, args.people, args.seed)
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        proc = start_server(data_dir, port, args.workers[0], args.http)
        try:
            wait_ready(base_url, proc)
            phases = [
                Phase("warm-up", args.path, args.rate, args.warmup),
                Phase("baseline", "/healthz", args.rate, args.baseline),
                Phase("target", args.path, args.rate, args.duration),
            ]
            if args.generator == "wrk":
                drive_wrk(base_url, token, mentees, phases, args.connections, proc.pid, data_dir)
            else:
                asyncio.run(drive(base_url, token, mentees, phases, args.max_in_flight, proc.pid))
        finally:
            stop_server(proc)
    report([p for p in phases if p.name != "warm-up" and p.seconds > 0], os.cpu_count())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
