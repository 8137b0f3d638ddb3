"""A local webhook receiver for tests: a threaded HTTP server on a free 127.0.0.1 port recording every POST.

It answers ``fail_status`` to the first ``fail_first`` requests and then ``status``; ``delay`` seconds of
wall time before each answer (for the multi-worker test, so that deliveries overlap).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    """Lower-case names."""
    body: bytes
    status: int
    """What the receiver answered."""
    peer_port: int
    extra: Any = None
    """What ``Receiver.on_request`` returned for it."""

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def delivery(self) -> str:
        return self.headers.get("x-omnimeet-delivery", "")


class Receiver:
    def __init__(
        self,
        *,
        fail_first: int = 0,
        fail_status: int = 500,
        status: int = 200,
        delay: float = 0.0,
        fail_if: Callable[[bytes], bool] | None = None,
    ):
        """``fail_if``: only requests whose body it accepts count towards (and get) the first failures."""
        self.fail_first = fail_first
        self.fail_if = fail_if
        self.fail_status = fail_status
        self.status = status
        self.delay = delay
        self.requests: list[Received] = []
        self.on_request: Callable[[int], Any] | None = None
        """Called with the peer's port while its connection is open; the result lands in ``extra``."""
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        server_class = type("Server", (ThreadingHTTPServer,), {"request_queue_size": 256})
        self._server = server_class(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.port: int = self._server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.base}/hook"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                extra = receiver.on_request(self.client_address[1]) if receiver.on_request else None
                if receiver.delay:
                    time.sleep(receiver.delay)
                with receiver._lock:
                    failing = receiver.fail_first > 0 and (receiver.fail_if is None or receiver.fail_if(body))
                    if failing:
                        receiver.fail_first -= 1
                    status = receiver.fail_status if failing else receiver.status
                    headers = {name.lower(): value for name, value in self.headers.items()}
                    receiver.requests.append(
                        Received(self.path, headers, body, status, self.client_address[1], extra)
                    )
                answer = b'{"received": true}' if status < 300 else b'{"error": "try again"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        return Handler

    def received(self) -> list[Received]:
        with self._lock:
            return list(self.requests)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()


@contextmanager
def running_receiver(**options: Any) -> Iterator[Receiver]:
    receiver = Receiver(**options)
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()
