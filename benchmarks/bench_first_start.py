"""Time from `mentorgraph serve --demo` on a fresh clone to a ready service (/readyz 200).

    python benchmarks/bench_first_start.py [--repo .] [--keep]

Clones the repository's committed HEAD into a temporary folder (what a new user has after
`git clone` and `pip install`: the installed packages of this environment are used, nothing
is downloaded), starts `serve --demo` there with an empty data folder, polls /readyz every
0.25 s and prints the seconds to ready, with each line the server printed and when.
Target (issue 12): ready within 90 s on the project's 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", type=Path, default=Path(__file__).resolve().parent.parent)
    ap.add_argument("--timeout", type=float, default=600.0)
    ap.add_argument("--keep", action="store_true", help="keep the temporary clone")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="mentorgraph-first-start-"))
    clone = tmp / "clone"
    subprocess.run(["git", "clone", "--quiet", str(args.repo), str(clone)], check=True)
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(clone), "MENTORGRAPH_DATA_DIR": str(tmp / "var")}
    cmd = [sys.executable, "-c", "from api.cli import main; main()", "serve", "--demo"]
    cmd += ["--port", str(port)]
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=clone, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: list[str] = []

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(f"{time.perf_counter() - start:7.1f}s  {line.rstrip()}")

    threading.Thread(target=pump, daemon=True).start()
    ready = None
    try:
        while time.perf_counter() - start < args.timeout and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                    if r.status == 200:
                        ready = time.perf_counter() - start
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.25)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    print("\n".join(line for line in lines if line.strip()))
    load = os.getloadavg()[0]
    if ready is None:
        print(f"NOT READY within {args.timeout:.0f}s (exit code {proc.returncode})")
        sys.exit(1)
    print(
        f"first start (fresh clone, empty data folder): ready in {ready:.1f}s "
        f"(load average {load:.1f} on {os.cpu_count()} cores)"
    )


if __name__ == "__main__":
    main()
