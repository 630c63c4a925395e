"""The exceptions of the vitrine package. All derive from VitrineError.

Four mirror the exceptions the IDL declares (the server raises them on
purpose; the connection stays usable): DialogCanceled, WindowNotFound,
InvalidArgument, LimitExceeded. The others are the client's own:
ServerNotRunning (no connection could be opened), TlsError (a tls:
connection could not be set up), AuthenticationFailed (the server refused
the token), Timeout and
ConnectionLost (a call got no usable answer; the connection has been
dropped, and the next call opens a new one), ServerError (the server could
not run the call at all).
"""

from typing import Optional


class VitrineError(Exception):
    """Base class of every error the vitrine package raises."""


class DialogCanceled(VitrineError):
    """A dialog (ask, choose_file, choose_color) ended without an answer.

    `reason` is the name of the IDL's CloseReason: "CANCELED" (Cancel or
    Escape), "USER_CLOSED" (the window's close button), "CLOSED_BY_CLIENT"
    (someone called close() on it), "TIMED_OUT" (its own timeout),
    "CLIENT_DISCONNECTED" or "SERVER_STOPPING".
    """

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.message = message
        self.reason = reason

    def __str__(self) -> str:
        return "%s (%s)" % (self.message, self.reason) if self.reason not in self.message else self.message


class WindowNotFound(VitrineError, LookupError):
    """No window with this id is open: it was never opened, or it has closed. `window_id` says which."""

    def __init__(self, message: str, window_id: Optional[int] = None):
        super().__init__(message)
        self.message = message
        self.window_id = window_id

    def __str__(self) -> str:
        return self.message


class InvalidArgument(VitrineError, ValueError):
    """A value the server (or the client, before sending) cannot act on; the message says which and why."""


class LimitExceeded(VitrineError):
    """A limit of the server (open windows, picture size or memory, a request over --max-frame...) would be
    exceeded; the message names the flag."""


class NotAllowed(VitrineError, PermissionError):
    """The server does not let this client make the call: a remote client may not browse its files
    (chooseFile, a file chooser's screenshot) unless it runs with --remote-files."""


class ServerNotRunning(VitrineError, ConnectionError):
    """No vitrine server answers at the address; the message says how to start one."""


class TlsError(VitrineError, ConnectionError):
    """A `tls:` connection could not be set up: a TLS file (tls_ca=, tls_cert=, tls_key=) cannot be used, the
    server's certificate is not trusted or does not name the server, or the handshake failed (the server refused
    the client's certificate, or does not speak TLS). No call was sent."""


class AuthenticationFailed(VitrineError, ConnectionError):
    """The server refused the token (token= or $VITRINE_TOKEN) and closed the connection; no call was sent."""


class Timeout(VitrineError, TimeoutError):
    """No answer came within the client's timeout. The connection was dropped; the next call reconnects."""


class ConnectionLost(VitrineError, ConnectionError):
    """The connection broke during a call, or the answer made no sense. The next call reconnects.

    A call that fails this way may or may not have taken effect; it is not retried.
    """


class ServerError(VitrineError):
    """The server could not run the call at all (an unknown method: an older server; or an internal error)."""
