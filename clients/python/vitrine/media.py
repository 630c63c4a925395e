"""Media functions in the PyGraphics style, for a REPL or a first program.

    >>> from vitrine import media
    >>> name = media.ask("What is your name?")
    >>> media.say("Hello, " + name)
    >>> picture = media.choose_file(filters=["Images (*.png *.jpg)"])
    >>> window = media.show(picture)

The functions share one connection, opened on first use. When no server
answers at $VITRINE_ADDRESS (else the default socket), the first call
starts one there: `vitrine-server` from $VITRINE_SERVER, PATH or the build/
bin of the source tree, detached, so it outlives this Python session and
the next one finds it (stop it with `disconnect(stop_server=True)`). It shows
its windows on the display when there is one, else runs offscreen.

The windows live in the server's process, never in yours: the REPL stays
free, and nothing here needs a GUI event loop. A dialog the person cancels
(or that times out) answers None instead of raising.
"""

import sys
import threading
from typing import Any, Optional, Sequence, Tuple, cast

from ._calls import ColorLike
from .client import Client
from .errors import DialogCanceled, ServerNotRunning
from .server import LocalServer

__all__ = ["say", "ask", "show", "update", "close", "choose_file", "choose_folder", "choose_save_filename",
           "choose_color", "client", "disconnect"]

_lock = threading.RLock()
_client: Optional[Client] = None
_server: Optional[LocalServer] = None  # the server this module started, if any


def _start_server(client: Client) -> None:
    """Starts a detached server at the client's address, unless one answers there by now."""
    global _server
    server = LocalServer(client.address, headless=False, detached=True)
    try:
        server.start()
    except ServerNotRunning:
        # Another program may have started one at the same address meanwhile
        # (the second server cannot listen and exits): use theirs.
        try:
            client.connect()
            return
        except ServerNotRunning:
            pass
        raise
    _server = server
    print("vitrine: started vitrine-server (pid %s) at %s; it keeps running after Python exits "
          "(stop it with vitrine.media.disconnect(stop_server=True))" % (server.pid, client.address), file=sys.stderr)
    client.connect()


def client() -> Client:
    """The vitrine.Client the functions use (for everything else it can do), opened on first
    use; starts a server when none answers."""
    global _client
    with _lock:
        if _client is None:
            fresh = Client()
            try:
                fresh.connect()
            except ServerNotRunning:
                _start_server(fresh)
            _client = fresh
        return _client


def _call(method: str, *args: Any, **kwargs: Any) -> Any:
    connection = client()
    try:
        return getattr(connection, method)(*args, **kwargs)
    except ServerNotRunning:
        # The server went away since the last call (ServerNotRunning is
        # raised before anything is sent, so trying again is safe).
        with _lock:
            _start_server(connection)
        return getattr(connection, method)(*args, **kwargs)


def _answer_or_none(method: str, *args: Any, **kwargs: Any) -> Any:
    try:
        return _call(method, *args, **kwargs)
    except DialogCanceled:
        return None


def disconnect(stop_server: bool = False) -> None:
    """Closes the connection; with `stop_server`, also stops the server this module started (if it did)."""
    global _client, _server
    with _lock:
        if _client is not None:
            _client.disconnect()
            _client = None
        if stop_server and _server is not None:
            _server.stop()
            _server = None


def say(text: str, title: Optional[str] = None, timeout: Optional[float] = None) -> int:
    """Shows `text` in a popup with an OK button and returns its window id at once.
    `timeout`: seconds after which it closes by itself."""
    return cast(int, _call("say", str(text), title=title, timeout=timeout))


def ask(prompt: str, kind: str = "text", default: Any = None, choices: Optional[Sequence[str]] = None,
        minimum: Optional[float] = None, maximum: Optional[float] = None, title: Optional[str] = None,
        timeout: Optional[float] = None) -> Any:
    """Asks a question and returns the answer: a str for kind "text" (the default) and
    "password", an int for "integer", a float for "number", one of `choices` for "choice",
    a list of them for "multi_choice", True or False for "yes_no". None when canceled."""
    return _answer_or_none("ask", str(prompt), kind=kind, default=default, minimum=minimum, maximum=maximum,
                           choices=choices, title=title, timeout=timeout)


def show(picture: Any, title: Optional[str] = None, inspectable: bool = False) -> int:
    """Shows a picture (a file name, PNG/JPEG bytes, a PIL Image or a numpy array) in a new
    window and returns its id. `inspectable`: clicking shows the pixel's colour."""
    return cast(int, _call("show", picture, title=title, inspectable=inspectable))


def update(window_id: int, picture: Any) -> None:
    """Replaces the picture in window `window_id`."""
    _call("update", window_id, picture)


def close(window_id: int) -> None:
    """Closes window `window_id`."""
    _call("close", window_id)


def choose_file(directory: Optional[str] = None, filters: Optional[Sequence[str]] = None,
                title: Optional[str] = None, timeout: Optional[float] = None) -> Optional[str]:
    """Lets the person pick an existing file; returns its path, or None when canceled.
    `filters` e.g. ["Images (*.png *.jpg)", "All files (*)"]."""
    return cast(Optional[str], _answer_or_none("choose_file", "open", directory=directory, filters=filters, title=title,
                           timeout=timeout))


def choose_folder(directory: Optional[str] = None, title: Optional[str] = None,
                  timeout: Optional[float] = None) -> Optional[str]:
    """Lets the person pick a folder; returns its path, or None when canceled."""
    return cast(Optional[str], _answer_or_none("choose_file", "directory", directory=directory, title=title, timeout=timeout))


def choose_save_filename(directory: Optional[str] = None, default_name: Optional[str] = None,
                         filters: Optional[Sequence[str]] = None, title: Optional[str] = None,
                         timeout: Optional[float] = None) -> Optional[str]:
    """Lets the person pick a file name to save to (it may not exist yet); None when canceled."""
    return cast(Optional[str], _answer_or_none("choose_file", "save", directory=directory, filters=filters, title=title,
                           default_name=default_name, timeout=timeout))


def choose_color(initial: ColorLike = (255, 255, 255), title: Optional[str] = None,
                 timeout: Optional[float] = None) -> Optional[Tuple[int, ...]]:
    """Lets the person pick a colour; returns (r, g, b), or None when canceled."""
    return cast(Optional[Tuple[int, ...]], _answer_or_none("choose_color", initial, title=title, timeout=timeout))
