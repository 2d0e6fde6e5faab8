"""Graceful shutdown of the web server (waitress) on SIGTERM or Ctrl-C.

waitress has no graceful stop of its own: closing its sockets from a signal handler while its
loop runs cuts off requests in progress and makes the loop fail on closed descriptors. Here the
loop runs in the main thread under our control, and on the signal, in that same thread:

1. connections already waiting in the listen backlog are taken, then the listening sockets
   close (no new connections);
2. idle keep-alive connections close at once; a connection with a request in progress (being
   received, processed or sent) closes when its response has been sent;
3. after SHUTDOWN_GRACE_SECONDS whatever is left is closed, so shutdown is bounded.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Any

logger = logging.getLogger("mamori.serve")


def _socket_map(server: Any) -> dict[int, Any]:
    # A single listener keeps its map in _map; a MultiSocketServer (several addresses) in map.
    return server._map if hasattr(server, "_map") else server.map  # type: ignore[no-any-return]


def wake(server: Any) -> None:
    """Wake the loop from another thread or a signal handler (so it sees a stop at once)."""
    from waitress.server import BaseWSGIServer

    for dispatcher in list(_socket_map(server).values()):
        if isinstance(dispatcher, BaseWSGIServer):
            try:
                dispatcher.pull_trigger()
            except OSError:
                pass


def _busy(channel: Any) -> bool:
    """A request is being received, processed or its response sent on this connection, or the
    first bytes of one have arrived and wait to be read."""
    with channel.requests_lock:
        if channel.requests or channel.request is not None or channel.total_outbufs_len:
            return True
    if not channel.connected:
        return False
    try:
        waiting = channel.socket.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except (BlockingIOError, InterruptedError):
        return False  # nothing sent: idle
    except OSError:
        return False  # broken: close it
    return bool(waiting)  # b"" means the client closed its side


def _accept_backlog(listener: Any, socket_map: dict[int, Any]) -> None:
    """Take the connections the kernel completed before the stop (closing the listening socket
    would reset them, with their requests already sent)."""
    while True:
        try:
            pair = listener.accept()
        except OSError:
            return
        if pair is None:
            return
        conn, addr = pair
        try:
            listener.set_socket_options(conn)
        except OSError:
            conn.close()
            continue
        listener.channel_class(
            listener, conn, listener.fix_addr(addr), listener.adj, map=socket_map
        )


def serve(server: Any, stop: threading.Event, *, grace_seconds: float) -> bool:
    """Run the waitress server until stop is set, then shut it down gracefully.

    Returns True when every request in progress finished within the grace period.
    """
    from waitress import wasyncore
    from waitress.channel import HTTPChannel
    from waitress.server import BaseWSGIServer

    socket_map = _socket_map(server)
    adj = server.adj
    timeout = min(float(adj.asyncore_loop_timeout), 1.0)
    while not stop.is_set():
        wasyncore.loop(timeout=timeout, map=socket_map, use_poll=adj.asyncore_use_poll, count=1)

    listeners = [d for d in list(socket_map.values()) if isinstance(d, BaseWSGIServer)]
    for listener in listeners:
        _accept_backlog(listener, socket_map)
        listener.accepting = False
        # The dispatcher's own close (not the server's, which would also close the trigger the
        # request threads use to wake this loop).
        wasyncore.dispatcher.close(listener)
    deadline = time.monotonic() + max(grace_seconds, 0.0)
    finished = True
    announced = False
    while True:
        channels = [d for d in list(socket_map.values()) if isinstance(d, HTTPChannel)]
        busy = []
        for channel in channels:
            if _busy(channel):
                busy.append(channel)
            else:
                channel.handle_close()  # idle keep-alive connection
        if not busy:
            break
        if not announced:
            logger.info("waiting for %s request(s) in progress", len(busy))
            announced = True
        if time.monotonic() >= deadline:
            logger.warning(
                "grace period of %s s over: closing %s connection(s) still busy",
                grace_seconds,
                len(busy),
            )
            for channel in busy:
                channel.handle_close()
            finished = False
            break
        wasyncore.loop(timeout=0.2, map=socket_map, use_poll=adj.asyncore_use_poll, count=1)
    server.task_dispatcher.shutdown(cancel_pending=True, timeout=1)
    for listener in listeners:
        listener.trigger.close()
    return finished
