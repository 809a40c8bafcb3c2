"""The page's server trusts no one by default (sim/page/guard.py): loopback Host names only,
same-origin websockets, no request off the machine, and malformed probes answered with a 4xx
and no traceback. A real server (``run.py viz``) in a subprocess, spoken to with raw sockets."""

from __future__ import annotations

import asyncio

import pytest
from pageserver import http_get, served, status_of, websocket_handshake

from sim.cli.main import main
from sim.page.guard import LocalOnly, allowed_hosts, is_loopback

KERNEL = "/jupyter/api/kernels/0b1c/channels?session_id=page-1"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from sim.page.assets import ensure_assets, missing

    if missing():
        ensure_assets()  # before the server's proxy variables point at the recorder
    log = tmp_path_factory.mktemp("viz") / "server.log"
    with served(log=log) as (port, recorder):
        yield port, recorder, log


def test_a_foreign_host_is_refused_and_the_loopback_names_are_served(server):
    port, _, _ = server
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}", f"[::1]:{port}"):
        assert status_of(port, http_get("/readyz", host)) == 200, host
    # DNS rebinding: a name that resolves to 127.0.0.1 still names another site
    for host in ("evil.example", f"evil.example:{port}", f"127.0.0.1:{port + 1}", f"127.0.0.1.evil.example:{port}"):
        assert status_of(port, http_get("/", host)) == 400, host


def test_a_foreign_origin_is_refused_and_the_pages_own_websocket_is_accepted(server):
    port, _, _ = server
    host = f"127.0.0.1:{port}"
    assert status_of(port, websocket_handshake(KERNEL, host, f"http://{host}")) == 101
    for origin in ("http://evil.example", f"http://localhost:{port}", "null", None):
        assert status_of(port, websocket_handshake(KERNEL, host, origin)) == 403, origin
    assert status_of(port, http_get("/readyz", host, origin="http://evil.example")) == 403  # another site's script


def test_malformed_probes_get_a_4xx_and_leave_no_traceback(server):
    port, _, log = server
    host = f"127.0.0.1:{port}".encode()
    probes = {
        "TLS on the http port": b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03garbage\r\n\r\n",
        "not http": b"HELLO THERE\r\n\r\n",
        "no Host (HTTP/1.0)": b"GET / HTTP/1.0\r\n\r\n",
        "CDN path traversal": http_get("/_solara/cdn/../../../../etc/passwd", host.decode()),
        "CDN file not in the cache": http_get("/_solara/cdn/mermaid@10.8.0/dist/mermaid.min.js", host.decode()),
        "close without session_id": b"POST /_solara/api/close/abc HTTP/1.1\r\nHost: " + host
                                    + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        "websocket without session_id": websocket_handshake("/jupyter/api/kernels/abc/channels", host.decode(),
                                                            f"http://{host.decode()}"),
        "websocket without key": b"GET " + KERNEL.encode() + b" HTTP/1.1\r\nHost: " + host
                                 + b"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
        "bad chunked body": b"POST /_solara/api/close/a?session_id=b HTTP/1.1\r\nHost: " + host
                            + b"\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    }
    for name, probe in probes.items():
        assert 400 <= status_of(port, probe) < 500, name
    text = log.read_text()
    assert "Traceback" not in text and "Exception in ASGI" not in text, text[-3000:]


def test_nothing_leaves_the_machine(server):
    """No telemetry, no CDN: every request the server would send elsewhere goes to the recorder."""
    port, recorder, log = server
    host = f"127.0.0.1:{port}"
    assert status_of(port, http_get("/", host)) == 200
    assert status_of(port, http_get("/_solara/cdn/requirejs@2.3.6/require.js", host)) == 200  # from the cache
    assert status_of(port, http_get("/_solara/cdn/katex@0.16.9/dist/katex.min.js", host)) == 404  # not fetched
    assert recorder.requests == [], recorder.requests
    assert "Could not load URL" not in log.read_text()


def test_proxy_headers_do_not_reach_solara():
    seen = {}

    async def app(scope, receive, send):
        seen.update(dict(scope["headers"]))
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def call(headers):
        sent = []

        async def receive():
            return {"type": "http.request", "body": b""}

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "path": "/", "query_string": b"", "headers": headers}
        await LocalOnly(app, allowed_hosts(8765))(scope, receive, send)
        return sent[0]["status"]

    status = asyncio.run(call([(b"host", b"localhost:8765"), (b"x-script-name", b"/evil"),
                               (b"x-forwarded-host", b"evil.example"), (b"accept", b"*/*")]))
    assert status == 204 and seen == {b"host": b"localhost:8765", b"accept": b"*/*"}


def test_allowed_hosts():
    assert allowed_hosts(8765) == {"127.0.0.1:8765", "localhost:8765", "[::1]:8765"}
    extra = allowed_hosts(80, ["Grid.Example", "fe80::1", "proxy.example:443"])
    assert {"grid.example:80", "grid.example", "[fe80::1]:80", "proxy.example:443"} <= extra
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5") and not is_loopback("grid.example")


@pytest.fixture
def no_serving(monkeypatch):
    """``run.py viz`` up to the point where uvicorn would start: what it would serve, and with what."""
    import uvicorn

    started = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: started.update(app=app, **options))
    monkeypatch.setattr("sim.page.assets.missing", lambda *a: [])
    return started


def test_a_host_other_than_loopback_warns_that_the_page_has_no_authentication(no_serving, capsys):
    assert main(["viz", "--host", "0.0.0.0", "--port", "8123", "--allow-host", "grid.example"]) == 0
    err = capsys.readouterr().err
    assert "warning: --host 0.0.0.0" in err and "no authentication" in err and "--allow-host" in err
    assert no_serving["host"] == "0.0.0.0" and no_serving["proxy_headers"] is False
    assert no_serving["app"].hosts == allowed_hosts(8123, ["grid.example"])

    assert main(["viz", "--host", "192.168.7.7", "--port", "8123"]) == 0  # a named address is accepted as Host
    assert "no authentication" in capsys.readouterr().err
    assert "192.168.7.7:8123" in no_serving["app"].hosts

    assert main(["viz", "--port", "8123"]) == 0  # the default, loopback: no warning
    assert "warning" not in capsys.readouterr().err
    assert no_serving["app"].hosts == allowed_hosts(8123)


@pytest.mark.parametrize("args", [["--allow-host", "evil.example/x"], ["--allow-host", ""], ["--port", "0"]])
def test_bad_viz_options_exit_2_with_one_line(no_serving, capsys, args):
    assert main(["viz", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --") and err.count("\n") == 1 and "app" not in no_serving
