"""`mentorgraph serve --workers N` as a child process, and a client that reaches each worker.

Each request goes on a fresh connection (no keep-alive), so the kernel hands it to whichever
worker accepts first; the `X-Worker-Pid` response header says which one answered. `each()`
sends a request until every worker has answered it once.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
PID_HEADER = "x-worker-pid"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServedWorkers:
    """`serve --workers n` on 127.0.0.1:`port` with `env` (MENTORGRAPH_* settings)."""

    def __init__(self, env: Mapping[str, str], *, n: int, log: Path, port: int | None = None):
        self.n = n
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.pids: set[str] = set()
        full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **env}
        full_env["PYTHONPATH"] = str(REPO_ROOT)
        self._log_file = log.open("w")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "api.cli",
                "serve",
                "--workers",
                str(n),
                "--port",
                str(self.port),
            ],
            cwd=REPO_ROOT,
            env=full_env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        """One request on a fresh connection (any worker may take it)."""
        with httpx.Client(base_url=self.base, timeout=30.0) as c:
            r = c.request(
                method, path, headers={"Connection": "close", **kw.pop("headers", {})}, **kw
            )
        pid = r.headers.get(PID_HEADER)
        if pid:
            self.pids.add(pid)
        return r

    def wait_ready(self, timeout: float = 180.0) -> None:
        """Until every worker answered /readyz with 200 (all n distinct pids seen)."""
        deadline = time.monotonic() + timeout
        ready: set[str] = set()
        while len(ready) < self.n:
            if self.proc.poll() is not None:
                raise AssertionError(f"serve exited with {self.proc.returncode}: {self.tail()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"only {len(ready)} of {self.n} workers ready: {self.tail()}")
            try:
                r = self.request("GET", "/readyz")
                if r.status_code == 200:
                    ready.add(r.headers[PID_HEADER])
            except httpx.TransportError:
                time.sleep(0.2)

    def each(
        self, method: str, path: str, *, tries: int = 400, **kw: Any
    ) -> dict[str, httpx.Response]:
        """The request sent until each worker answered it once: {pid: response}."""
        out: dict[str, httpx.Response] = {}
        with ThreadPoolExecutor(2 * self.n) as pool:
            for _ in range(0, tries, 2 * self.n):
                answers = list(
                    pool.map(lambda _: self.request(method, path, **dict(kw)), range(2 * self.n))
                )
                for r in answers:
                    out.setdefault(r.headers[PID_HEADER], r)
                if len(out) == self.n:
                    return out
        raise AssertionError(f"only workers {sorted(out)} of {self.n} answered {path}")

    def until_all(
        self,
        method: str,
        path: str,
        ok: Callable[[httpx.Response], bool],
        *,
        within: float,
        **kw: Any,
    ) -> float:
        """Seconds until every worker answered `ok` at least once since the call. Requests go
        in rounds of 2n concurrent ones; fails when no round started within `within` seconds
        (the time a write made through one worker may take to reach all) found every worker
        answering `ok` (a round's own latency comes on top: on a loaded box, most of it)."""
        start = time.monotonic()
        good: set[str] = set()
        last: dict[str, str] = {}
        with ThreadPoolExecutor(2 * self.n) as pool:
            while time.monotonic() - start <= within:
                # Several connections at once: a busy worker leaves the others to accept.
                answers = list(
                    pool.map(lambda _: self.request(method, path, **dict(kw)), range(2 * self.n))
                )
                for r in answers:
                    pid = r.headers[PID_HEADER]
                    if ok(r):
                        good.add(pid)
                    else:
                        good.discard(pid)
                        last[pid] = f"{r.status_code} {r.text[:300]}"
                if len(good) == self.n:
                    return time.monotonic() - start
        raise AssertionError(
            f"after {within}s only workers {sorted(good)} of {self.n} answered {path} as "
            f"expected; others: {last}"
        )

    def tail(self, n: int = 4000) -> str:
        self._log_file.flush()
        return self.log.read_text()[-n:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._log_file.close()


class TcpProxy:
    """A TCP forwarder 127.0.0.1:`port` -> 127.0.0.1:`target_port`, in threads of the test
    process: `stop()` closes the port and cuts every open connection (the store's server
    gone, as far as the service can tell); `start()` opens the same port again."""

    def __init__(self, target_port: int, port: int | None = None) -> None:
        self.target_port = target_port
        self.port = port or free_port()
        self._listener: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # stopped
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        if self._listener is not None:
            # shutdown wakes the thread blocked in accept() (close alone would not on Linux)
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        with self._lock:
            conns, self._conns = self._conns, []
        for c in conns:
            with contextlib.suppress(OSError):
                c.shutdown(socket.SHUT_RDWR)
            c.close()
