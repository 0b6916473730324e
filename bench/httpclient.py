"""A small browser for the HTTP benchmark: the standard library's
http.client with a cookie jar and the CSRF token, signing in through the
real login form. (The venv has no requests/httpx, and the benchmarks add no
packages.) One Browser per thread; not thread-safe.
"""
from __future__ import annotations

import http.client
import re
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode

_CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


class HTTPError(Exception):
    pass


class Browser:
    # Flash messages are dropped as a browser that follows the redirect and
    # shows the next page would: kept, they would pile up in the cookie (then
    # the session) of a client that only POSTs.
    ignored_cookies = {"messages"}

    def __init__(self, host: str, port: int, *, timeout: float = 30.0):
        self.host, self.port, self.timeout = host, port, timeout
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self.connection

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def request(self, method: str, path: str, body: dict | None = None,
                headers: dict | None = None) -> tuple[int, dict, bytes]:
        """One request, cookies sent and kept; redirects are not followed.
        Retries once on a connection the server closed (gunicorn's sync
        workers close after every answer)."""
        sent = {"Host": f"{self.host}:{self.port}", "Accept": "text/html", "Accept-Language": "vi"}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            sent["Referer"] = f"http://{self.host}:{self.port}{path}"
        sent.update(headers or {})
        for attempt in (1, 2):
            connection = self._connection()
            try:
                connection.request(method, path, body=data, headers=sent)
                response = connection.getresponse()
                content = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                    http.client.CannotSendRequest, http.client.ResponseNotReady):
                self.close()
                if attempt == 2:
                    raise
        for header in response.headers.get_all("Set-Cookie") or ():
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if name in self.ignored_cookies:
                    continue
                if morsel.value == "" or morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        if response.will_close:
            self.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, content

    def get(self, path: str) -> tuple[int, dict, bytes]:
        return self.request("GET", path)

    def post(self, path: str, data: dict) -> tuple[int, dict, bytes]:
        return self.request("POST", path, {"csrfmiddlewaretoken": self.csrf_token(), **data})

    def csrf_token(self) -> str:
        token = self.cookies.get("csrftoken")
        if not token:
            raise HTTPError("no csrftoken cookie: sign in first")
        return token

    def login(self, username: str, password: str) -> float:
        """Sign in through the form; returns the seconds it took (GET + POST)."""
        started = time.perf_counter()
        status, _headers, content = self.get("/accounts/login/")
        if status != 200:
            raise HTTPError(f"GET /accounts/login/ answered {status}")
        match = _CSRF_INPUT.search(content)
        if not match or "csrftoken" not in self.cookies:
            raise HTTPError("the login form has no CSRF token")
        status, headers, content = self.request("POST", "/accounts/login/", {
            "csrfmiddlewaretoken": match.group(1).decode(), "username": username, "password": password,
        })
        if status != 302 or "sessionid" not in self.cookies:
            raise HTTPError(f"signing in as {username} failed: {status} {content[:200]!r}")
        return time.perf_counter() - started
