"""Writing WebSocket messages without a task switch per message, where the server allows it.

A subscription event goes to thousands of connections. Through ASGI every message is an awaited
`send` (a writer task wakes, Starlette and uvicorn check their states, the frame is built): tens of
microseconds each. Under uvicorn's websockets-sansio protocol the same work is synchronous as long
as the transport is writable, so we do exactly what its `send` does for a text message — frame it
with the connection's own protocol object (which keeps its state, and any negotiated extension,
right) and write it — and fall back to the awaited ASGI path whenever that is not the case
(another server implementation, back-pressure, a closing connection).
"""

from __future__ import annotations

import struct
from typing import Any


class DirectWrite:
    """Synchronous writes to one connection; each returns False when the ASGI path must serve."""

    __slots__ = ("_conn", "_proto", "_transport", "_writable")

    def __init__(self, proto: Any) -> None:
        self._proto = proto
        self._conn = proto.conn
        self._transport = proto.transport
        self._writable = proto.writable

    def _open(self) -> bool:
        proto = self._proto
        return not (
            not proto.handshake_complete
            or proto.disconnected
            or proto.close_sent
            or not self._writable.is_set()
            or self._transport.is_closing()
        )

    def __call__(self, text: str) -> bool:
        if not self._open():
            return False
        self._conn.send_text(text.encode())
        self._transport.write(b"".join(self._conn.data_to_send()))
        return True

    def joined(self, prefix: bytes, body: bytes, suffix: bytes) -> bool:
        """One text message `prefix + body + suffix` (UTF-8), framed without copying `body` twice."""
        if not self._open():
            return False
        if self._conn.extensions:  # negotiated in the handshake (permessage-deflate): let it frame
            self._conn.send_text(prefix + body + suffix)
            self._transport.write(b"".join(self._conn.data_to_send()))
            return True
        # Without an extension a server's text frame is a header and the payload, unmasked (RFC 6455
        # 5.1-5.2): framing it here avoids decoding, concatenating and re-encoding the shared event
        # body per subscriber.
        n = len(prefix) + len(body) + len(suffix)
        if n < 126:
            head = bytes((0x81, n))
        elif n < 65536:
            head = b"\x81\x7e" + struct.pack("!H", n)
        else:
            head = b"\x81\x7f" + struct.pack("!Q", n)
        self._transport.write(b"".join((head, prefix, body, suffix)))
        return True


def direct_writer(send: Any) -> DirectWrite | None:
    """A synchronous writer for the connection behind the ASGI `send`, or None."""
    try:
        from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
    except ImportError:  # another uvicorn version or server: the ASGI path serves
        return None
    proto = getattr(send, "__self__", None)
    if not isinstance(proto, WebSocketsSansIOProtocol):
        return None
    return DirectWrite(proto)
