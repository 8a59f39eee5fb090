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

from collections.abc import Callable
from typing import Any

DirectWrite = Callable[[str], bool]  # True: written now; False: use the ASGI path


def direct_writer(send: Any) -> DirectWrite | None:
    """A synchronous writer for the connection behind the ASGI `send`, or None."""
    try:
        from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
    except ImportError:  # another uvicorn version or server: the ASGI path serves
        return None
    proto = getattr(send, "__self__", None)
    if not isinstance(proto, WebSocketsSansIOProtocol):
        return None
    conn = proto.conn
    transport = proto.transport
    writable = proto.writable

    def write(text: str) -> bool:
        if (
            not proto.handshake_complete
            or proto.disconnected
            or proto.close_sent
            or not writable.is_set()
            or transport.is_closing()
        ):
            return False
        conn.send_text(text.encode())
        transport.write(b"".join(conn.data_to_send()))
        return True

    return write
