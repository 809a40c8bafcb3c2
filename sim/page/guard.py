"""What the page's server accepts: an ASGI middleware in front of Solara's Starlette app.

The page has no authentication, so by default it trusts no one but this machine:

- **Host.** A request is served only if its ``Host`` header names this server as ``127.0.0.1``,
  ``localhost`` or ``[::1]`` (with the port), or a name given with ``--allow-host``. Anything
  else gets ``400`` — this is what stops DNS rebinding (a web page whose name resolves to
  127.0.0.1 reaching the server from the user's own browser).
- **Origin.** A websocket (the page's live connection, which runs the model) must come from a
  page of this server: its ``Origin`` must be ``http://`` + the request's Host. An HTTP request
  that carries a foreign ``Origin`` (another site's script) is refused too. Refusals are ``403``.
- **Proxy headers.** ``X-Forwarded-*``, ``Forwarded`` and ``(X-)Script-Name`` are dropped: Solara
  would take its base URL and root path from the first request that sends them.
- **Front-end files.** ``/_solara/cdn/...`` is answered from the local cache only
  (``sim.page.assets`` fills it once with npm); a file that is not there is a ``404``, never a
  fetch from the CDN (Solara's own proxy would try the internet, four times per file).

Each refused Host or Origin is logged once (one line, no traceback).
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import parse_qs

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
# Headers a reverse proxy would set; nothing in front of this server does, so they are lies.
PROXY_HEADERS = frozenset({b"x-forwarded-for", b"x-forwarded-host", b"x-forwarded-proto", b"x-forwarded-port",
                           b"x-forwarded-prefix", b"forwarded", b"script-name", b"x-script-name"})
CDN_PREFIX = "/_solara/cdn/"
# Solara's routes that read a query parameter without checking it is there (a KeyError and a
# traceback): (scope type, path prefix) -> the parameter. Such a request is refused instead.
REQUIRED_QUERY = {("websocket", "/jupyter/api/kernels/"): "session_id", ("http", "/_solara/api/close/"): "session_id"}
_MAX_LOGGED = 100  # distinct refused values logged (a scanner must not flood the log)

logger = logging.getLogger("sim.page.guard")


def is_loopback(host: str) -> bool:
    """Whether a bind address (``--host``) reaches this machine only."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_wildcard(host: str) -> bool:
    """``0.0.0.0``, ``::`` or an empty host: every interface."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_unspecified
    except ValueError:
        return host == ""


def host_name(name: str) -> str:
    """A host name as it appears in a Host header: lower case, an IPv6 address in brackets."""
    name = name.strip().lower()
    if ":" in name and not name.startswith("["):
        try:
            return f"[{ipaddress.IPv6Address(name)}]"
        except ValueError:
            pass
    return name


def allowed_hosts(port: int, extra: Iterable[str] = ()) -> frozenset[str]:
    """Host header values to accept: each name with the port (and bare on port 80). A name given
    with its own port (``grid.example:443``, behind a proxy) is taken as it is."""
    values = set()
    for name in (*LOOPBACK_NAMES, *extra):
        name = host_name(name)
        if name.rsplit(":", 1)[-1].isdigit() and not name.endswith("]"):
            values.add(name)  # name:port
            continue
        values.add(f"{name}:{port}")
        if port == 80:
            values.add(name)
    return frozenset(values)


class LocalOnly:
    """ASGI middleware: serve ``app`` only to requests for the allowed hosts, websockets from the
    same origin, and front-end files from ``cdn_cache`` (see the module's docstring)."""

    def __init__(self, app, hosts: Iterable[str], cdn_cache: Path | None = None):
        self.app = app
        self.hosts = frozenset(hosts)
        self.cdn_cache = None if cdn_cache is None else Path(cdn_cache).resolve()
        self._logged: set[tuple[str, str]] = set()

    async def __call__(self, scope, receive, send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):  # lifespan
            await self.app(scope, receive, send)
            return
        headers = scope.get("headers", [])
        host = _header(headers, b"host")
        origin = _header(headers, b"origin")
        if host is None or host.lower() not in self.hosts:
            self._note("host", host)
            await _refuse(kind, receive, send, 400, "Invalid Host header: this page answers only to "
                          "127.0.0.1, localhost and [::1] (start it with --allow-host NAME for other names)\n")
            return
        if (origin is not None or kind == "websocket") and not _same_origin(origin, host):
            self._note("origin", origin)
            await _refuse(kind, receive, send, 403, "Cross-origin request refused\n")
            return
        scope = {**scope, "headers": [(k, v) for k, v in headers if k.lower() not in PROXY_HEADERS]}
        path = scope.get("path", "")
        if kind == "http" and path.startswith(CDN_PREFIX) and not self._cached(path):
            await _refuse(kind, receive, send, 404, "Not in the local front-end cache (no CDN at run time)\n")
            return
        for (where, prefix), name in REQUIRED_QUERY.items():
            if kind == where and path.startswith(prefix) and not _query(scope, name):
                await _refuse(kind, receive, send, 400, f"Missing query parameter {name}\n")
                return
        await self.app(scope, receive, send)

    def _cached(self, path: str) -> bool:
        """Whether Solara's CDN proxy has the file locally (as ``solara.server.cdn_helper`` stores it)."""
        if self.cdn_cache is None:
            return False
        relative = path[len(CDN_PREFIX):]
        parts = relative.split("/")
        if not relative or any(part in ("", ".", "..") for part in parts) or "\\" in relative or "\0" in relative:
            return False
        target = (self.cdn_cache / relative / "__main.js") if len(parts) == 1 else self.cdn_cache / relative
        try:
            target = target.resolve()
        except (OSError, RuntimeError):
            return False
        return target.is_relative_to(self.cdn_cache) and target.is_file()

    def _note(self, what: str, value: str | None) -> None:
        key = (what, value or "")
        if key in self._logged or len(self._logged) >= _MAX_LOGGED:
            return
        self._logged.add(key)
        logger.warning("refused a request with %s %r (accepted hosts: %s)", "Host" if what == "host" else "Origin",
                       value, ", ".join(sorted(self.hosts)))


def _header(headers, name: bytes) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _query(scope, name: str) -> str:
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get(name)
    return values[0] if values else ""


def _same_origin(origin: str | None, host: str) -> bool:
    if not origin:
        return False
    return origin.lower() in (f"http://{host.lower()}", f"https://{host.lower()}")


async def _refuse(kind: str, receive, send, status: int, text: str) -> None:
    if kind == "websocket":
        await receive()  # websocket.connect
        await send({"type": "websocket.close", "code": 1008})  # before accept: the server answers 403
        return
    body = text.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
