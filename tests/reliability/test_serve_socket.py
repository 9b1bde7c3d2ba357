"""`serve --workers N` answers keep-alive requests without Nagle's delay.

uvicorn's supervisor binds the listening socket itself with `proto` 0 (uvicorn issue #3149);
asyncio then leaves TCP_NODELAY off on every accepted connection, and each keep-alive
response after the first waited for the client's delayed ACK (40 ms at least on Linux;
measured 44 ms for GET /healthz with two workers against 1.4 ms with one).
`api.cli.tcp_listener` marks the socket as TCP; these tests hold the accepted connections to
TCP_NODELAY, in process and through the real CLI.
"""

from __future__ import annotations

import asyncio
import socket
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import uvicorn

from api.cli import tcp_listener
from tests.conftest import make_embedded_store
from tests.reliability.workers import PID_HEADER, ServedWorkers

DELAYED_ACK_MS = 40.0  # Linux's least delayed ACK (TCP_DELACK_MIN)


def accepted_nodelay(listener: socket.socket) -> int:
    """TCP_NODELAY of a connection asyncio accepts on `listener` (as a uvicorn worker does)."""

    async def run() -> int:
        seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        def on_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            sock = writer.get_extra_info("socket")
            seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(on_client, sock=listener)
        host, port = listener.getsockname()[:2]
        _, writer = await asyncio.open_connection(host, port)
        try:
            return await asyncio.wait_for(seen, 10)
        finally:
            writer.close()
            server.close()

    # in a thread of its own: an event loop another test left running in this thread (the
    # whole suite runs in one process) must not stop asyncio.run
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(run())).result()


@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
def test_the_listener_is_marked_tcp_and_connections_get_nodelay(host: str) -> None:
    if host == "::1" and not socket.has_ipv6:
        pytest.fail("no IPv6 on this machine")  # pragma: no cover
    sock = uvicorn.Config("api.main:create_app", host=host, port=0).bind_socket()
    listener = tcp_listener(sock)
    assert listener.proto == socket.IPPROTO_TCP
    assert listener.family == sock.family
    assert accepted_nodelay(listener) == 1


def test_a_unix_socket_is_left_as_it_is(tmp_path: Path) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.bind(str(tmp_path / "s"))
        assert tcp_listener(sock) is sock


@pytest.mark.slow
def test_two_workers_answer_keep_alive_requests_without_the_delayed_ack(tmp_path: Path) -> None:
    make_embedded_store(tmp_path).close()
    env = {
        "MENTORGRAPH_ENVIRONMENT": "test",
        "MENTORGRAPH_DATA_DIR": str(tmp_path),
        "MENTORGRAPH_EMBEDDING_MODEL": "fake",
        "MENTORGRAPH_STORE": "embedded",
        "MENTORGRAPH_EMBEDDED_PATH": str(tmp_path / "graph.sqlite3"),
    }
    w = ServedWorkers(env, n=2, log=tmp_path / "serve.log")
    try:
        w.wait_ready()
        with httpx.Client(base_url=w.base, timeout=10.0) as client:  # one keep-alive connection
            client.get("/healthz").raise_for_status()
            took, pids = [], set()
            for _ in range(20):
                started = time.perf_counter()
                r = client.get("/healthz")
                took.append((time.perf_counter() - started) * 1000.0)
                r.raise_for_status()
                pids.add(r.headers[PID_HEADER])
        assert len(pids) == 1  # one connection, one worker
        assert statistics.median(took) < DELAYED_ACK_MS, took
    finally:
        w.stop()
