"""Helpers for the reliability tests.

- Child-process workers, run as `python -m tests.reliability.helpers <mode> ...`: each prints
  one line (flushed) after every step it has committed, so the parent can SIGKILL it at a
  known point and then check what survived.
- `LiveServer`: the real app under uvicorn on 127.0.0.1 with a kernel-chosen port, in a
  thread of the test process (so tests can also look at the store directly).
"""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]

# --- child processes --------------------------------------------------------------------------

CRASH_SKILL = "s-crash"


def batch_person_id(batch: int, i: int) -> str:
    return f"p-{batch:04d}-{i:04d}"


class Child:
    """A worker subprocess whose stdout lines are read by a background thread."""

    def __init__(self, args: Sequence[str]) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.helpers", *args],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def wait_for(self, prefix: str, *, count: int = 1, timeout: float = 60.0) -> list[str]:
        """Block until `count` lines starting with `prefix` arrived; fail on exit or timeout."""
        seen: list[str] = []
        deadline = time.monotonic() + timeout
        while len(seen) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill()
                raise AssertionError(f"worker gave {len(seen)}/{count} {prefix!r} lines in time")
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                err = self.proc.stderr.read() if self.proc.stderr else ""
                raise AssertionError(f"worker exited early ({self.proc.wait()}): {err[-2000:]}")
            if line.startswith(prefix):
                seen.append(line)
        return seen

    def kill(self) -> int:
        """SIGKILL (no cleanup handlers, no atexit, no rollback) and reap."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        code = self.proc.wait(timeout=30)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()
        return code

    def finish(self, timeout: float = 120.0) -> int:
        code = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=5)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()
        return code


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _worker_people(db: str, batches: str, batch_size: str) -> None:
    """Commit `batches` batches of people, each holding CRASH_SKILL, one apply per batch."""
    from graph.model import Person, PersonSkill
    from graph.store import UpsertPeople, UpsertPersonSkills
    from graph.stores.embedded import EmbeddedStore

    store = EmbeddedStore(Path(db))
    size = int(batch_size)
    _say("ready")
    for b in range(int(batches)):
        ids = [batch_person_id(b, i) for i in range(size)]
        store.apply(
            [
                UpsertPeople([Person(id=p, name=f"Crash {p}") for p in ids]),
                UpsertPersonSkills(
                    [PersonSkill(person_id=p, skill_id=CRASH_SKILL, level=3) for p in ids]
                ),
            ]
        )
        _say(f"committed {b}")
    _say("done")


def _worker_esco(db: str) -> None:
    """Read the bundled ESCO pillar, then import it (one apply) into the store."""
    from graph.stores.embedded import EmbeddedStore
    from loaders.esco import bundled_esco_dir, read_esco
    from taxonomy.importer import import_taxonomy

    dump = read_esco(bundled_esco_dir())
    store = EmbeddedStore(Path(db))
    _say(f"read {len(dump.skills)} {len(dump.clusters)} {len(dump.broader)}")
    import_taxonomy(store, dump, actor="crash-test", source="esco")
    _say("imported")


def _worker_merge(db: str, source_id: str, survivor_id: str) -> None:
    from graph.stores.embedded import EmbeddedStore
    from taxonomy.editing import merge

    store = EmbeddedStore(Path(db))
    _say("merging")
    merge(store, source_id, survivor_id, actor="crash-test", reason="crash test")
    _say("merged")


WORKERS: dict[str, Any] = {
    "people": _worker_people,
    "esco": _worker_esco,
    "merge": _worker_merge,
}


# --- a real server on loopback ----------------------------------------------------------------


class LiveServer:
    """uvicorn serving `app` on 127.0.0.1:<free port> in a daemon thread."""

    def __init__(self, app: Any, *, log_level: str = "warning") -> None:
        import uvicorn

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, log_level=log_level, access_log=False, lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def start(self, timeout: float = 30.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)

    def stop(self, timeout: float = 30.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=timeout)
        self.sock.close()
        if self.thread.is_alive():
            raise RuntimeError("uvicorn did not stop in time")


@contextmanager
def live_server(app: Any) -> Iterator[LiveServer]:
    server = LiveServer(app)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def main(argv: Sequence[str]) -> None:
    mode, *args = argv
    WORKERS[mode](*args)


if __name__ == "__main__":
    main(sys.argv[1:])
