"""Real servers for the tests that need one: a free port on loopback, and gunicorn started and
stopped with the project's own gunicorn.conf.py."""

import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(env: dict, log: Path, *, port: int, workers: int, options: tuple[str, ...] = (), ready_path: str = "/hubs"):
    """gunicorn serving wsgi:app on `port` with `env`, its errors in `log`; yields its base URL once it answers."""
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), *options, "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(log, "wb"),
    )
    deadline = time.monotonic() + 90
    while True:
        try:
            urllib.request.urlopen(base + ready_path, timeout=2).read()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError(log.read_text())
            time.sleep(0.2)
    try:
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
