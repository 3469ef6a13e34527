"""One Daftar window per database: a second start brings the running window forward.

The first GUI on a database listens on a local socket (``QLocalServer``: a named pipe on
Windows, a socket file on Linux) whose name is a hash of the database's path and the
user; a second start connects, asks the first to come forward, and exits. The command
line asks the same socket whether the GUI is open (``daftar restore`` refuses then).

A socket left behind by a crashed run (Linux) is recognised (nobody answers it) and
replaced.
"""

from __future__ import annotations

import getpass
import hashlib
import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QAbstractSocket, QLocalServer, QLocalSocket

log = logging.getLogger("daftar.gui")

#: What a second start sends: bring the window forward.
ACTIVATE = b"activate\n"
#: What the command line sends: only asking whether the GUI is there.
PING = b"ping\n"
CONNECT_TIMEOUT_MS = 500


def server_name(db_path: Path) -> str:
    """The local socket's name for the database at ``db_path`` (and this user)."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError, ImportError):  # no user name in the environment or passwd
        user = ""
    key = f"{user}\n{Path(db_path).expanduser().resolve()}".encode()
    return "daftar-" + hashlib.sha256(key).hexdigest()[:32]


def _send(name: str, message: bytes, timeout_ms: int = CONNECT_TIMEOUT_MS) -> bool:
    """Connect to ``name`` and send ``message``; True if someone was listening."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(timeout_ms):
        return False
    socket.write(message)
    socket.waitForBytesWritten(timeout_ms)
    socket.disconnectFromServer()
    if socket.state() != QLocalSocket.LocalSocketState.UnconnectedState:
        socket.waitForDisconnected(timeout_ms)
    return True


def gui_running(db_path: Path) -> bool:
    """Whether a Daftar window has the database at ``db_path`` open (any thread, no
    event loop needed)."""
    return _send(server_name(db_path), PING)


class SingleInstance(QObject):
    """Claims the database for this GUI, or hands the start over to the running one."""

    #: A second start asked this window to come forward.
    sig_activation_requested = Signal()

    def __init__(self, db_path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = server_name(db_path)
        self.server: QLocalServer | None = None

    def claim(self) -> bool:
        """True: this process is the database's GUI now. False: another one is (it
        has been asked to come forward)."""
        if _send(self.name, ACTIVATE):
            return False
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            if server.serverError() == QAbstractSocket.SocketError.AddressInUseError:
                if _send(self.name, ACTIVATE):  # it started just now
                    return False
                QLocalServer.removeServer(self.name)  # left by a run that crashed
            if not server.listen(self.name):
                # Not fatal: the window opens; only the second-start check is missing.
                log.warning("single instance: cannot listen (%s)", server.errorString())
                return True
        server.newConnection.connect(self.on_server_new_connection)
        self.server = server
        return True

    def on_server_new_connection(self) -> None:
        """Another start (or the command line) knocked: read what it wants."""
        assert self.server is not None
        while self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()
            socket.readyRead.connect(self.on_socket_ready_read)
            socket.disconnected.connect(socket.deleteLater)
            self._read(socket)

    def on_socket_ready_read(self) -> None:
        """A knocking start sent its line."""
        socket = self.sender()
        if isinstance(socket, QLocalSocket):
            self._read(socket)

    def _read(self, socket: QLocalSocket) -> None:
        if not socket.canReadLine():
            return
        message = bytes(socket.readLine().data())
        if message == ACTIVATE:
            self.sig_activation_requested.emit()

    def release(self) -> None:
        """Stop listening (the window closes)."""
        server, self.server = self.server, None
        if server is not None:
            server.newConnection.disconnect(self.on_server_new_connection)
            server.close()
            for socket in server.findChildren(QLocalSocket):
                socket.readyRead.disconnect(self.on_socket_ready_read)
                socket.abort()
            server.deleteLater()
