"""Python clients for the vitrine display server.

    import vitrine
    with vitrine.connect() as screen:          # $VITRINE_ADDRESS, else the default socket
        screen.post_html("<h1>Hello</h1>", name="hello")
        window = screen.show("photo.png")
        answer = screen.ask("Like it?", kind="yes_no")

- vitrine.connect() / vitrine.Client: the synchronous client;
- vitrine.aio: the same calls as coroutines that never block the event loop;
- vitrine.media: say(), ask(), show()... for a REPL, starting a server when none runs;
- vitrine.testing: a pytest plugin (fixtures vitrine_server and vitrine_client).

Every error is a vitrine.VitrineError (see vitrine.errors).
"""

from ._address import Address, default_address, default_socket_path, parse_address
from ._values import Event, PushResult, ServerInfo, Window
from .client import Client, connect
from .errors import (AuthenticationFailed, ConnectionLost, DialogCanceled, InvalidArgument, LimitExceeded, NotAllowed,
                     ServerError, ServerNotRunning, Timeout, TlsError, VitrineError, WindowNotFound)

__version__ = "0.1.0"

__all__ = [
    "Address", "AuthenticationFailed", "Client", "ConnectionLost", "DialogCanceled", "Event", "InvalidArgument",
    "LimitExceeded", "NotAllowed", "PushResult", "ServerError", "ServerInfo", "ServerNotRunning", "Timeout", "TlsError",
    "VitrineError", "Window", "WindowNotFound", "connect", "default_address", "default_socket_path", "parse_address",
]
