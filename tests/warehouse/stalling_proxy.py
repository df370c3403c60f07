"""A TCP proxy on loopback that forwards an HTTP request's head and only the first bytes of its body, then holds the
rest: a client is caught in the middle of an upload for as long as a test needs, to be killed there."""
from __future__ import annotations

import socket
import threading
from types import TracebackType

HEAD_END = b"\r\n\r\n"


class StallingProxy:
    """Forwards the first request of one connection to `upstream` (host, port); after `body_bytes` of its body it
    stops reading from the client, so the client blocks mid-send. Nothing is sent back: the request never completes.
    `abort()` then ends the request towards the server half-sent."""

    def __init__(self, upstream: tuple[str, int], body_bytes: int) -> None:
        self.upstream = upstream
        self.body_bytes = body_bytes
        self.content_length: int | None = None  # the request's declared body size
        self.forwarded = 0  # body bytes the server received
        self.stalled = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._client: socket.socket | None = None
        self._server: socket.socket | None = None
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def __enter__(self) -> StallingProxy:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.abort()
        self._listener.close()
        self._thread.join(timeout=10)

    def abort(self) -> None:
        """Tell the server the request ends here, and wait until it has answered or hung up: whatever it does with
        a half-sent body has happened when this returns."""
        if self._client is not None:
            self._client.close()
        if self._server is None:
            return
        try:
            self._server.shutdown(socket.SHUT_WR)
            self._server.settimeout(10)
            while self._server.recv(65536):
                pass
        except OSError:
            pass  # it hung up first
        self._server.close()
        self._server = None

    def _serve(self) -> None:
        try:
            client, _ = self._listener.accept()
        except OSError:
            return  # closed before any client came
        self._client = client
        self._server = socket.create_connection(self.upstream)
        try:
            self._forward_head_and_part_of_body(client, self._server)
        except OSError:
            return  # the test aborted first
        self.stalled.set()  # the client's socket is not read again: its upload blocks here

    def _forward_head_and_part_of_body(self, client: socket.socket, server: socket.socket) -> None:
        head = b""
        while HEAD_END not in head:
            chunk = client.recv(65536)
            if not chunk:
                raise ConnectionResetError("the client left before sending a request")
            head += chunk
        head, body = head.split(HEAD_END, 1)
        self.content_length = _content_length(head)
        server.sendall(head + HEAD_END)
        while self.forwarded < self.body_bytes:
            if not body:
                body = client.recv(min(65536, self.body_bytes - self.forwarded))
                if not body:
                    raise ConnectionResetError("the client left mid-body")
            part, body = body[:self.body_bytes - self.forwarded], body[self.body_bytes - self.forwarded:]
            server.sendall(part)
            self.forwarded += len(part)


def _content_length(head: bytes) -> int | None:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return None
