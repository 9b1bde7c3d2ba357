"""Load benchmark: a steady request rate against the real service on loopback.

    python benchmarks/bench_load.py                      # 300 req/s for 60 s, demo org of 1000
    python benchmarks/bench_load.py --rate 500 --duration 30 --people 5000
    python benchmarks/bench_load.py --path "/v1/people/{id}/goals"
    python benchmarks/bench_load.py --workers 1 2 --json load.json   # capacity per worker count

Capacity mode (`--workers 1 2`, or `--capacity`): one server per worker count, each on its own
copy of the same prepared data, all started before the first measurement. Each is warmed up
(every mentee asked once of each worker, not counted), then for two scenarios, GET
recommendations only and a mix with 5% writes (PATCH a person's title: every write moves the
store's data_version, so the other workers replay it), the rate is stepped up `--ramp`
(`--step` s a step). At each rate the worker counts take turns (1 worker, then 2, ...), so a
change in what else runs on the box hits both alike; a worker count drops out at its first
step that misses p99 <= 100 ms or has an error. The table gives the highest rate that met
both, per worker count and scenario, with how the requests spread over the workers, server
and generator CPU per request and the load average.

What it does, all on 127.0.0.1 and bounded in time (it stops by itself):
1. builds a fresh embedded store in a temp dir: the bundled ESCO taxonomy plus the seeded demo
   org (loaders.demo_org.load_demo, goals mapped with the fake embedder), and an admin key;
2. starts `mentorgraph serve --workers N --no-access-log` (python -m api.cli) as a separate
   process on a free port, as deployed;
3. sends requests open-loop at a fixed rate from a light asyncio HTTP/1.1 client over a pool
   of keep-alive connections (spread evenly over the workers: each connection's first answer
   names its worker in X-Worker-Pid); each request has its own scheduled start and latency is
   measured from that time, so a server that falls behind shows up in the percentiles
   instead of silently slowing the generator down;
4. runs a short baseline phase against GET /healthz at the same rate (the cost of HTTP,
   routing and the generator itself), then the target path for --duration seconds;
5. prints one table: throughput, p50/p90/p99/max, errors by status, CPU seconds per request
   of the server (all its processes; independent of what else runs on the box) and of the
   generator, os.getloadavg() at the end, and the goal check (>= 300 req/s, p99 <= 100 ms).

`--generator wrk` (Debian package `wrk`, closed loop over --connections keep-alive
connections, no fixed rate) shows the server's capacity without a rate; its latencies come
from wrk's own percentiles.

`{id}` in --path is replaced by a mentee id (people with goals), chosen at random per request.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
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
    by_worker: Counter[str] = field(default_factory=Counter)  # X-Worker-Pid -> answers

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


def start_server(data_dir: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    """`mentorgraph serve` as deployed (its own socket set-up, h11), without the access log."""
    env = {
        **os.environ,
        "MENTORGRAPH_DATA_DIR": str(data_dir),
        "MENTORGRAPH_STORE": "embedded",
        "MENTORGRAPH_EMBEDDING_MODEL": "fake",
        "MENTORGRAPH_ENVIRONMENT": "development",
        "PYTHONPATH": str(REPO_ROOT),
    }
    env.pop("MENTORGRAPH_EMBEDDED_PATH", None)
    cmd = [sys.executable, "-m", "api.cli", "serve", "--port", str(port)]
    cmd += ["--workers", str(workers), "--no-access-log"]
    return subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL)


def wait_ready(
    base_url: str, proc: subprocess.Popen[bytes], workers: int, timeout_s: float = 600.0
) -> None:
    """Until every worker has answered /readyz with 200 (fresh connections, so any worker may
    take each one; X-Worker-Pid tells them apart)."""
    deadline = time.monotonic() + timeout_s
    ready: set[str] = set()
    while len(ready) < workers:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        if time.monotonic() > deadline:
            raise SystemExit(f"only {len(ready)} of {workers} workers ready in time")
        try:
            r = httpx.get(f"{base_url}/readyz", timeout=2, headers={"Connection": "close"})
            if r.status_code == 200:
                ready.add(r.headers.get("x-worker-pid", ""))
                continue
        except httpx.HTTPError:
            pass
        time.sleep(0.25)


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- load generator ---------------------------------------------------------------------------


class Conn:
    """One keep-alive HTTP/1.1 connection: a request is prebuilt bytes, the answer is read by
    Content-Length. A few microseconds of Python a request (httpx costs about a millisecond,
    as much as the server's own work, on the same cores)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.pid = ""

    @classmethod
    async def open(cls, host: str, port: int) -> Conn:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer)

    async def send(self, raw: bytes) -> int:
        """The status of the answer to `raw` (its body read and dropped)."""
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"x-worker-pid":
                self.pid = value.strip().decode()
        if length:
            await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        self.writer.close()


def http_request(method: str, path: str, token: str, body: bytes = b"") -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
    if body:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


async def open_pool(host: str, port: int, size: int, workers: int, token: str) -> list[Conn]:
    """`size` connections, as evenly spread over the workers as the kernel's accepts allow
    (more are opened and the surplus closed, a bounded number of times)."""
    per = max(1, -(-size // workers))
    kept: dict[str, list[Conn]] = {}
    spare: list[Conn] = []
    probe = http_request("GET", "/healthz", token)
    for _ in range(size * 25):
        if sum(len(v) for v in kept.values()) >= per * workers:
            break
        conn = await Conn.open(host, port)
        await conn.send(probe)
        mine = kept.setdefault(conn.pid, [])
        (mine if len(mine) < per else spare).append(conn)
    for conn in spare:
        conn.close()
    return [c for conns in kept.values() for c in conns]


async def run_phase(
    pool: list[Conn],
    host: str,
    port: int,
    token: str,
    phase: Phase,
    ids: list[str],
    seed: int,
    grace_s: float = 15.0,
) -> None:
    rng = random.Random(seed)
    idle: asyncio.Queue[Conn] = asyncio.Queue()
    busy: set[Conn] = set()
    for conn in pool:
        idle.put_nowait(conn)
    total = int(phase.rate * phase.seconds)
    interval = 1.0 / phase.rate
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.05

    async def one(at: float, raw: bytes) -> None:
        conn = await idle.get()
        busy.add(conn)
        try:
            status = str(await conn.send(raw))
            phase.by_worker[conn.pid] += 1
            busy.discard(conn)
            idle.put_nowait(conn)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            status = type(exc).__name__
            busy.discard(conn)
            conn.close()
            try:  # a fresh connection in its place
                fresh = await Conn.open(host, port)
                pool[pool.index(conn)] = fresh
                idle.put_nowait(fresh)
            except OSError:
                pass
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
            body = json.dumps({"title": f"bench {seed} {i}"}).encode()
            raw = http_request("PATCH", WRITE_PATH.replace("{id}", who), token, body)
        else:
            raw = http_request("GET", phase.path.replace("{id}", who), token)
        tasks.append(asyncio.create_task(one(at, raw)))
    # Bounded: whatever has not finished `grace_s` after the schedule ended is cancelled and
    # counted as "dropped" (a server that cannot keep up must not stretch the run).
    _, pending = await asyncio.wait(tasks, timeout=grace_s) if tasks else (set(), set())
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.gather(*pending, return_exceptions=True)
        phase.statuses["dropped"] += len(pending)
        for i, conn in enumerate(pool):  # a cancelled request leaves its connection unusable
            if conn in busy:
                conn.close()
                pool[i] = await Conn.open(host, port)
    phase.wall_s = loop.time() - start


async def measure(
    pool: list[Conn],
    host: str,
    port: int,
    token: str,
    phase: Phase,
    ids: list[str],
    seed: int,
    server_pid: int,
) -> None:
    """One phase, with the CPU it cost the server's processes and this generator."""
    server0, gen0 = cpu_seconds(server_pid), time.process_time()
    await run_phase(pool, host, port, token, phase, ids, seed)
    phase.server_cpu_s = cpu_seconds(server_pid) - server0
    phase.generator_cpu_s = time.process_time() - gen0
    phase.loadavg = os.getloadavg()


async def warm_up(pool: list[Conn], token: str, path: str, ids: list[str]) -> None:
    """Every mentee asked once of every worker (closed loop over each worker's connections),
    not counted: each worker builds its ranking tables here, not in the first measured step."""
    by_worker: dict[str, list[Conn]] = {}
    for conn in pool:
        by_worker.setdefault(conn.pid, []).append(conn)

    async def ask(conns: list[Conn]) -> None:
        todo = list(ids)

        async def one(conn: Conn) -> None:
            while todo:
                await conn.send(http_request("GET", path.replace("{id}", todo.pop()), token))

        await asyncio.gather(*(one(c) for c in conns))

    await asyncio.gather(*(ask(conns) for conns in by_worker.values()))


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


def passed(p: Phase) -> bool:
    return p.errors == 0 and p.pct(99) <= GOAL_P99_MS


@dataclass
class Capacity:
    """The highest scheduled rate of a ramp that a server answered with p99 <= 100 ms and
    no error, for one worker count and scenario, with every step measured."""

    workers: int
    scenario: str
    steps: list[Phase] = field(default_factory=list)

    @property
    def best(self) -> Phase | None:
        return max((p for p in self.steps if passed(p)), key=lambda p: p.rate, default=None)

    @property
    def over(self) -> Phase | None:
        return next((p for p in self.steps if not passed(p)), None)

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
            "by_worker_at_best": dict(best.by_worker) if best else None,
            "steps": [
                {
                    "rate": p.rate,
                    "sent": p.sent,
                    "ok_per_s": round(p.ok / p.wall_s, 1) if p.wall_s else 0.0,
                    "p50_ms": round(p.pct(50), 2),
                    "p90_ms": round(p.pct(90), 2),
                    "p99_ms": round(p.pct(99), 2),
                    "errors": p.errors,
                    "statuses": dict(p.statuses),
                    "by_worker": dict(p.by_worker),
                    "server_cpu_ms_per_req": round(p.per_request_ms(p.server_cpu_s), 3),
                    "generator_cpu_ms_per_req": round(p.per_request_ms(p.generator_cpu_s), 3),
                    "loadavg_1_5_15": [round(x, 2) for x in p.loadavg],
                }
                for p in self.steps
            ],
        }


@dataclass
class Served:
    workers: int
    port: int
    proc: subprocess.Popen[bytes]
    pool: list[Conn] = field(default_factory=list)


async def capacity_steps(
    args: argparse.Namespace, servers: list[Served], token: str, mentees: list[str]
) -> list[Capacity]:
    """Per scenario, the ramp with the worker counts taking turns at each rate; a worker
    count stops at its first failing step."""
    for srv in servers:
        srv.pool = await open_pool("127.0.0.1", srv.port, args.connections, srv.workers, token)
        spread = Counter(c.pid for c in srv.pool)
        console.print(f"{srv.workers} worker(s): {len(srv.pool)} connections, per worker {spread}")
        started = time.perf_counter()
        await warm_up(srv.pool, token, args.path, mentees)
        console.print(f"  warm-up (every mentee once) {time.perf_counter() - started:.1f} s")
    out: list[Capacity] = []
    for scenario in args.scenarios:
        caps = {srv.workers: Capacity(srv.workers, scenario) for srv in servers}
        for n, rate in enumerate(args.ramp):
            for srv in servers:
                cap = caps[srv.workers]
                if cap.over is not None:
                    continue
                step = Phase(
                    f"{srv.workers}w {scenario}",
                    args.path,
                    rate,
                    args.step,
                    write_share=SCENARIOS[scenario],
                )
                # fresh connections: the server closes keep-alive connections idle for 5 s
                # (uvicorn's timeout_keep_alive), as they were during the other servers' turn
                for conn in srv.pool:
                    conn.close()
                srv.pool = await open_pool(
                    "127.0.0.1", srv.port, args.connections, srv.workers, token
                )
                await measure(
                    srv.pool, "127.0.0.1", srv.port, token, step, mentees, n, srv.proc.pid
                )
                cap.steps.append(step)
                console.print(
                    f"  {scenario} {srv.workers}w {rate:g}/s: p50 {step.pct(50):.1f} ms, "
                    f"p99 {step.pct(99):.1f} ms, {step.errors} errors, by worker "
                    f"{sorted(step.by_worker.values(), reverse=True)}, load "
                    f"{step.loadavg[0]:.1f}"
                )
        out += caps.values()
    for srv in servers:
        for conn in srv.pool:
            conn.close()
    return out


def capacity_run(
    args: argparse.Namespace, base_dir: Path, token: str, mentees: list[str]
) -> list[Capacity]:
    """One server per worker count, each on its own copy of the prepared data, all started
    (and ready) before the first step."""
    servers: list[Served] = []
    try:
        for workers in args.workers:
            data_dir = base_dir.parent / f"{base_dir.name}-{workers}w"
            shutil.copytree(base_dir, data_dir)
            port = free_port()
            servers.append(Served(workers, port, start_server(data_dir, port, workers)))
        for srv in servers:
            wait_ready(f"http://127.0.0.1:{srv.port}", srv.proc, srv.workers)
        return asyncio.run(capacity_steps(args, servers, token, mentees))
    finally:
        for srv in servers:
            stop_server(srv.proc)


def capacity_report(caps: list[Capacity], cores: int | None) -> None:
    loads = [p.loadavg[0] for c in caps for p in c.steps]
    title = f"requests/s at p99 <= {GOAL_P99_MS:g} ms, no errors ({cores} cores"
    if loads:
        title += f", 1-min load average {min(loads):.1f}-{max(loads):.1f} during the steps"
    table = Table(title=title + ")")
    columns = ["workers", "scenario", "rate/s", "ok/s", "p50 ms", "p99 ms", "errors"]
    columns += ["by worker", "server CPU ms/req", "gen CPU ms/req", "next step"]
    for col in columns:
        table.add_column(col, justify="left" if col == "scenario" else "right")
    for cap in sorted(caps, key=lambda c: (c.scenario != "recommendations", c.workers)):
        best, over = cap.best, cap.over
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
            "/".join(str(v) for v in sorted(best.by_worker.values(), reverse=True))
            if best
            else "-",
            f"{best.per_request_ms(best.server_cpu_s):.2f}" if best else "-",
            f"{best.per_request_ms(best.generator_cpu_s):.2f}" if best else "-",
            nxt,
        )
    Console(width=180).print(table)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--path", default=DEFAULT_PATH, help="target path; {id} = a mentee id")
    ap.add_argument("--rate", type=float, default=GOAL_RATE, help="requests per second")
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of the main phase")
    ap.add_argument("--baseline", type=float, default=10.0, help="seconds against /healthz")
    ap.add_argument("--people", type=int, default=1000, help="size of the demo org")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--connections",
        type=int,
        default=16,
        help="keep-alive connections (the most requests in flight), spread over the workers",
    )
    ap.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=[1],
        help="serve --workers; several (e.g. 1 2) measure capacity per count in one run",
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
    ap.add_argument("--generator", default="asyncio", choices=["asyncio", "wrk"])
    args = ap.parse_args(argv)
    if not 0 < args.duration <= 600 or not 0 < args.rate <= 5000:
        ap.error("--duration must be in (0, 600] s and --rate in (0, 5000] req/s")

    if args.capacity or len(args.workers) > 1:
        with tempfile.TemporaryDirectory(prefix="mg-bench-load-") as tmp:
            base = Path(tmp) / "data"
            token, mentees = prepare(base, args.people, args.seed)
            caps = capacity_run(args, base, token, mentees)
        capacity_report(caps, os.cpu_count())
        if args.json is not None:
            loads = [p.loadavg for c in caps for p in c.steps]
            summary = {
                "cpu_cores": os.cpu_count(),
                "people": args.people,
                "mentees": len(mentees),
                "step_s": args.step,
                "ramp": args.ramp,
                "connections": args.connections,
                "p99_goal_ms": GOAL_P99_MS,
                "write": f"PATCH {WRITE_PATH} (title)",
                "server": "python -m api.cli serve --workers N --no-access-log",
                "loadavg_1min_min_max": [min(x[0] for x in loads), max(x[0] for x in loads)]
                if loads
                else None,
                "results": [c.as_json() for c in caps],
            }
            args.json.write_text(json.dumps(summary, indent=2))
        return 0

    with tempfile.TemporaryDirectory(prefix="mg-bench-load-") as tmp:
        data_dir = Path(tmp)
        token, mentees = prepare(data_dir, args.people, args.seed)
        port = free_port()
        proc = start_server(data_dir, port, args.workers[0])
        try:
            wait_ready(f"http://127.0.0.1:{port}", proc, args.workers[0])
            phases = [
                Phase("baseline", "/healthz", args.rate, args.baseline),
                Phase("target", args.path, args.rate, args.duration),
            ]
            if args.generator == "wrk":
                drive_wrk(
                    f"http://127.0.0.1:{port}",
                    token,
                    mentees,
                    phases,
                    args.connections,
                    proc.pid,
                    data_dir,
                )
            else:

                async def drive() -> None:
                    pool = await open_pool(
                        "127.0.0.1", port, args.connections, args.workers[0], token
                    )
                    await warm_up(pool, token, args.path, mentees)
                    for n, phase in enumerate(phases):
                        console.print(f"{phase.name}: {phase.path} at {phase.rate:g} req/s")
                        await measure(pool, "127.0.0.1", port, token, phase, mentees, n, proc.pid)
                    for conn in pool:
                        conn.close()

                asyncio.run(drive())
        finally:
            stop_server(proc)
    report([p for p in phases if p.seconds > 0], os.cpu_count())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
