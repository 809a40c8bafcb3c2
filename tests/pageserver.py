"""The page's server in a subprocess, for the server and browser tests (kept out of production code).

``served(...)`` starts ``python run.py viz`` on a free port and waits until it listens. The
server's proxy variables point at a ``Recorder``: an HTTP(S) request the server tries to make to
any other machine (Solara's telemetry, its CDN proxy) connects to the recorder instead, which
counts it and hangs up, so a test can assert that nothing left the machine."""

from __future__ import annotations

import base64
import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Recorder:
    """A TCP listener standing in for an HTTP proxy: records the first line of every connection."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.requests: list[str] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            with connection:
                connection.settimeout(2)
                try:
                    first = connection.recv(4096).split(b"\r\n", 1)[0]
                except OSError:
                    first = b""
                self.requests.append(first.decode("latin-1") or "(connection)")

    def close(self) -> None:
        self.socket.close()


@contextlib.contextmanager
def served(*viz_args: str, log: Path):
    """``run.py viz --port P *viz_args`` with stdout and stderr in ``log``; yields (port, recorder)."""
    port = free_port()
    recorder = Recorder()
    proxy = f"http://127.0.0.1:{recorder.port}"
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_PROXY": "", "no_proxy": ""}
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        env[name] = env[name.lower()] = proxy
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, str(REPO / "run.py"), "viz", "--port", str(port), *viz_args],
                                cwd=REPO, stdout=out, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        else:
            raise RuntimeError("server did not start within 60 s")
        yield port, recorder
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        recorder.close()


def status_of(port: int, request: bytes) -> int:
    """Send raw bytes to the server; the status code of its answer (0 if it answered nothing)."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
        s.sendall(request)
        answer = b""
        while b"\r\n" not in answer:
            chunk = s.recv(4096)
            if not chunk:
                break
            answer += chunk
    parts = answer.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def http_get(path: str, host: str, origin: str | None = None) -> bytes:
    origin_line = "" if origin is None else f"Origin: {origin}\r\n"
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{origin_line}Connection: close\r\n\r\n".encode("latin-1")


def websocket_handshake(path: str, host: str, origin: str | None) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    origin_line = "" if origin is None else f"Origin: {origin}\r\n"
    return (f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n{origin_line}\r\n").encode("latin-1")
