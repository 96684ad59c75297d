"""A real server whose PostgreSQL goes away and comes back: 503s meanwhile, then service.

``mentormatch serve`` reaches its database through a small TCP relay that the test
can cut: every open connection is closed and new ones are refused, as when the
database restarts or the network fails. Meanwhile every route that needs the
database answers 503 with ``Retry-After``, ``/health`` still answers 200 and
``/health/ready`` 503; once the relay is back, the next requests succeed.
"""

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from service.db import normalise_database_url
from tests.factories import mentee_payload
from tests.postgres import reachable_server, scratch_database
from tests.servers import free_port, server_environment, serving


class Relay:
    """Forwards TCP connections from a local port to a target; can be cut and restored."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        """Refuse new connections and close every open one."""
        if self._listener is not None:
            # Shut down first: closing alone does not wake the thread waiting in accept().
            try:
                self._listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._listener.close()
            self._listener = None
        with self._lock:
            for sock in self._open:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
            self._open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


@pytest.fixture
def relayed(tmp_path: Path) -> Iterator[tuple[str, Relay]]:
    """A server on a scratch database, reached through a relay."""
    with scratch_database(reachable_server(), "mentormatch_down") as url:
        relay = Relay((url.host or "127.0.0.1", url.port or 5432))
        relay.start()
        through = make_url(normalise_database_url(url.render_as_string(hide_password=False)))
        through = through.set(host="127.0.0.1", port=relay.port)
        env = server_environment(through.render_as_string(hide_password=False))
        try:
            with serving(env, tmp_path, tmp_path / "server.log") as base:
                yield base, relay
        finally:
            relay.cut()


@pytest.mark.slow
def test_a_database_that_goes_away_is_a_503_and_service_resumes_when_it_is_back(
    relayed: tuple[str, Relay],
) -> None:
    base, relay = relayed
    with httpx.Client(base_url=base, timeout=30) as client:
        assert client.post("/mentees", json=mentee_payload()).status_code == 202

        relay.cut()
        for method, path, kwargs in [
            ("GET", "/taxonomy", {}),
            ("POST", "/mentees", {"json": mentee_payload()}),
            ("GET", "/health/ready", {}),
        ]:
            response = client.request(method, path, **kwargs)
            assert response.status_code == 503, (path, response.text)
            assert int(response.headers["retry-after"]) > 0
            assert response.headers["content-type"] == "application/problem+json"
        assert client.get("/health").status_code == 200

        relay.start()
        deadline = time.monotonic() + 10
        while (answer := client.post("/mentees", json=mentee_payload())).status_code != 202:
            assert answer.status_code == 503, answer.text
            assert time.monotonic() < deadline, "the service did not come back"
            time.sleep(0.2)
        assert client.get("/health/ready").status_code == 200
