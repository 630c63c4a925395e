"""The synchronous client: `vitrine.connect()` returns a Client.

    import vitrine

    with vitrine.connect() as screen:
        screen.post_html("<h1>Hello</h1>", name="hello")
        age = screen.ask("How old are you?", kind="integer", minimum=0)

One Client is one connection over a Unix socket, TCP, or TCP with TLS
(`tls:HOST:PORT`, through the standard ssl module), with Thrift's framed
transport and binary (or compact) protocol; to a server with a --token-file
it authenticates first (token=, or $VITRINE_TOKEN). It is opened on
the first call and opened again after a failure: after a Timeout or a
ConnectionLost the connection is dropped at once, so a late answer can
never be read as the answer to the next call, and an idle connection the
server closed (a restart) is noticed and replaced before the next call is
sent. Calls are never retried.

A Client may be shared between threads (calls are serialized by a lock),
but a call blocks its thread until the answer comes: for programs with an
event loop, use vitrine.aio instead.
"""

import math
import select
import socket
import ssl
import struct
import threading
import time
from typing import Any, Iterator, List, Optional, Sequence, Tuple, TypeVar, cast

from . import _auth, _calls, _tls, _wire
from ._address import Address, AddressLike, default_socket_path, resolve_address
from ._calls import ActionsLike, ColorLike
from ._values import Event, PushResult, ServerInfo, Window
from .errors import ConnectionLost, ServerNotRunning, TlsError, VitrineError

#: What a call answers (see _wire.Call).
T = TypeVar("T")

DEFAULT_TIMEOUT = 60.0
DEFAULT_CONNECT_TIMEOUT = 5.0

# The kernel enforces a call's timeouts (SO_SNDTIMEO, SO_RCVTIMEO on a
# blocking socket): Python's own socket timeouts cost a poll() before every
# send and recv, and settimeout() a system call of its own. The options take
# a struct timeval: two C longs on Linux, the BSDs and 64-bit macOS.
# Not over TLS: a blocking ssl.SSLSocket retries a read the kernel timed out
# for ever, so TLS connections use Python's timeouts.
_TIMEVAL = struct.Struct("@ll")
_LONGEST_TIMEOUT = 2**31 - 1  # seconds (68 years): fits any C long
# The first read of an answer, into a buffer the client keeps: a small
# answer (most are) arrives whole in one recv.
_FIRST_READ = 64 * 1024
_NOT_SET = object()


def not_running_message(address: Address, error: BaseException) -> str:
    """Why nothing answers at `address`, and how to start a server there."""
    if isinstance(error, FileNotFoundError):
        why = "the socket file %s does not exist" % address.path
    elif isinstance(error, ConnectionRefusedError):
        why = "connection refused"
    elif isinstance(error, (socket.timeout, TimeoutError)):
        why = "the connection was not accepted in time"
    else:
        why = str(error) or type(error).__name__
    if address.kind == "unix" and address.path == default_socket_path():
        how = ("start one with `vitrine-server` (or `make run` in the vitrine source tree), "
               "or set VITRINE_ADDRESS to where one listens")
    else:
        how = ("start one with `vitrine-server --listen %s` (`make run` in the vitrine source tree "
               "starts one on the default socket)" % address)
    return "no vitrine server is running at %s (%s); %s" % (address, why, how)


def read_timeout(timeout: Optional[float], call: "_wire.Call[Any]") -> Optional[float]:
    """How long a call's answer may stay silent: the client's timeout plus the wait the call asked for."""
    if timeout is None or (call.wait is not None and math.isinf(call.wait)):
        return None
    return timeout + (call.wait or 0.0)


def timeval(seconds: Optional[float]) -> bytes:
    """`seconds` as the struct timeval of SO_SNDTIMEO and SO_RCVTIMEO; None: no timeout.

    Rounded up to a microsecond, so that a tiny timeout does not become 0,
    which the kernel reads as none. ValueError when negative (as settimeout()).
    """
    if seconds is None:
        return _TIMEVAL.pack(0, 0)
    if not seconds >= 0:
        raise ValueError("Timeout value out of range")
    if seconds >= _LONGEST_TIMEOUT:
        return _TIMEVAL.pack(_LONGEST_TIMEOUT, 0)
    whole = int(seconds)
    micros = math.ceil((seconds - whole) * 1e6)
    if micros >= 1000000:
        whole, micros = whole + 1, 0
    return _TIMEVAL.pack(whole, micros if whole or micros else 1)


class Client:
    """A connection to a vitrine server. See the module's documentation.

    `address`: "unix:PATH", "tcp:HOST:PORT", a path object (a Unix socket),
    or None for $VITRINE_ADDRESS, else the default socket.
    `timeout`: seconds an answer may take beyond any wait the call itself
    asks for (a dialog's or a page load's own timeout, a long-poll); None
    waits for ever. Keep it above the server's --load-timeout (30 s by
    default) for pushes without a timeout of their own. Questions and
    choosers without a timeout of their own wait for the person as long as
    they take.
    `connect_timeout`: seconds to wait for the connection to be accepted.
    `protocol`: "binary" or "compact".
    `token`: sent with `authenticate` right after every connect, for a
    server started with --token-file (see docs/security.md); None for
    $VITRINE_TOKEN, else none. AuthenticationFailed when the server
    refuses it. Over TLS it travels encrypted.
    `tls_ca`, `tls_cert`, `tls_key`, `tls_server_name`: for a `tls:`
    address. The CA file the server's certificate must chain to (None:
    $VITRINE_TLS_CA, else the system's CAs); the client's own certificate and
    key, for a server with --tls-client-ca (None: $VITRINE_TLS_CERT and
    $VITRINE_TLS_KEY; the key may be in the certificate's file); the name the
    server's certificate must carry (None: the address's host). TlsError when
    a file cannot be used or the handshake fails; the handshake is part of
    connecting (connect_timeout).
    """

    def __init__(self, address: Optional[AddressLike] = None, *, timeout: Optional[float] = DEFAULT_TIMEOUT,
                 connect_timeout: Optional[float] = DEFAULT_CONNECT_TIMEOUT, protocol: str = "binary",
                 token: Optional[str] = None, tls_ca: Optional[str] = None, tls_cert: Optional[str] = None,
                 tls_key: Optional[str] = None, tls_server_name: Optional[str] = None):
        self.address: Address = resolve_address(address)
        self._token = _auth.resolve_token(token)
        self._tls = _tls.resolve(tls_ca, tls_cert, tls_key, tls_server_name) if self.address.kind == "tls" else None
        self._tls_context: Optional[ssl.SSLContext] = None  # made on the first connect, kept for reconnects
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self._codec = _wire.Codec(protocol)
        self._socket: Optional[socket.socket] = None
        self._idle_check: Optional[select.poll] = None  # polls self._socket for bytes nobody asked for
        self._stray_bytes = False  # True once bytes nobody asked for came after an answer
        self._send_timeout: Any = _NOT_SET  # the SO_SNDTIMEO and SO_RCVTIMEO set on self._socket, in seconds
        self._receive_timeout: Any = _NOT_SET
        self._inbox = bytearray(_FIRST_READ)
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return "<vitrine.Client %s%s>" % (self.address, "" if self._socket else " (not connected)")

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.disconnect()

    # ------------------------------------------------------------ connection

    @property
    def connected(self) -> bool:
        """True while a connection is open (the server may have closed it since; the next call checks)."""
        return self._socket is not None

    def connect(self) -> "Client":
        """Opens the connection now if it is not open; ServerNotRunning when nothing answers. Returns self."""
        with self._lock:
            self._ensure_open()
        return self

    def disconnect(self) -> None:
        """Closes the connection, if open (as close() without an id). The next call opens a new one."""
        with self._lock:
            if self._socket is not None:
                try:
                    self._socket.close()
                finally:
                    self._socket = self._idle_check = None

    def _ensure_open(self) -> socket.socket:
        if self._socket is not None:
            # An idle connection with something to read has been closed by
            # the server (EOF), reset, or sent bytes nobody asked for (over
            # TLS, maybe decrypted already, where poll cannot see them): it
            # must not carry the next call.
            assert self._idle_check is not None  # made with the socket
            if (not self._stray_bytes and not self._idle_check.poll(0)
                    and (self._tls is None or not cast(ssl.SSLSocket, self._socket).pending())):
                return self._socket
            self.disconnect()
        address = self.address
        try:
            if address.kind == "unix":
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    sock.settimeout(self.connect_timeout)
                    sock.connect(address.path)
                except BaseException:
                    sock.close()
                    raise
            else:
                sock = socket.create_connection((address.host, address.port), timeout=self.connect_timeout)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError as error:
            raise ServerNotRunning(not_running_message(address, error)) from None
        if self._tls is not None:
            sock = self._wrap(sock)  # Python's timeouts (see _TIMEVAL), set by _set_send_timeout and the like
        else:
            sock.settimeout(None)  # blocking: the kernel keeps the timeouts of calls (see _TIMEVAL)
        self._send_timeout = self._receive_timeout = _NOT_SET
        self._stray_bytes = False
        self._idle_check = select.poll()
        self._idle_check.register(sock, select.POLLIN)
        self._socket = sock
        if self._token is not None:
            self._authenticate(sock)
        return sock

    def _wrap(self, sock: socket.socket) -> ssl.SSLSocket:
        """`sock` inside TLS, its handshake done within connect_timeout; closes it and raises TlsError on failure."""
        settings = self._tls
        assert settings is not None  # called for tls: addresses only
        try:
            if self._tls_context is None:
                self._tls_context = _tls.context(settings, self.address)
            return self._tls_context.wrap_socket(sock, server_hostname=_tls.server_name(settings, self.address))
        except TlsError:  # before OSError, which it is (a ConnectionError)
            sock.close()
            raise
        except ssl.SSLError as error:
            sock.close()
            raise _tls.handshake_failed(settings, self.address, error) from None
        except (socket.timeout, TimeoutError):
            sock.close()
            raise ServerNotRunning("no TLS handshake with the vitrine server at %s within %s s; is it a tls: listener?"
                                   % (self.address, self.connect_timeout)) from None
        except OSError as error:
            sock.close()
            raise ServerNotRunning(not_running_message(self.address, error)) from None
        except BaseException:
            sock.close()
            raise

    def _set_send_timeout(self, sock: socket.socket, timeout: Optional[float]) -> None:
        """Makes `timeout` the socket's send timeout (called when it changes)."""
        if self._tls is not None:
            sock.settimeout(timeout)  # one timeout for both directions
            self._receive_timeout = timeout
        else:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, timeval(timeout))
        self._send_timeout = timeout

    def _set_receive_timeout(self, sock: socket.socket, timeout: Optional[float]) -> None:
        """Makes `timeout` the socket's receive timeout (called when it changes)."""
        if self._tls is not None:
            sock.settimeout(timeout)
            self._send_timeout = timeout
        else:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, timeval(timeout))
        self._receive_timeout = timeout

    def _authenticate(self, sock: socket.socket) -> None:
        """Sends the token on the connection just opened; closes it on any failure."""
        assert self._token is not None  # called when there is a token only
        call = _auth.call(self._token)
        seqid, frame = self._codec.encode(call)
        try:
            self._send(sock, frame)
            _auth.check_answer(self._codec, call, seqid, self._receive(sock, self.timeout), self.address)
        except (socket.timeout, BlockingIOError):
            self.disconnect()
            raise _wire.timed_out(self.address, self.timeout) from None
        except VitrineError:
            self.disconnect()
            raise
        except OSError as error:
            self.disconnect()
            raise _wire.lost(self.address, str(error) + _tls.refusal_hint(error)) from None
        except BaseException:
            self.disconnect()
            raise

    def _send(self, sock: socket.socket, frame: bytes) -> None:
        """Writes `frame` within self.timeout, with one system call unless the server stops reading."""
        timeout = self.timeout
        if timeout != self._send_timeout:
            self._set_send_timeout(sock, timeout)
        started = time.monotonic()
        sent = sock.send(frame)
        if sent < len(frame):  # the server's buffer filled up: the rest within what is left of the timeout
            rest = memoryview(frame)[sent:]
            if timeout is None:
                sock.sendall(rest)
                return
            left = started + timeout - time.monotonic()
            if left <= 0:
                raise socket.timeout("timed out")
            sock.settimeout(left)
            try:
                sock.sendall(rest)
            finally:
                sock.settimeout(timeout if self._tls is not None else None)

    def _receive(self, sock: socket.socket, timeout: Optional[float]) -> bytes:
        """The body of the next frame, each read waiting at most `timeout`; usually one system call."""
        if timeout != self._receive_timeout:
            self._set_receive_timeout(sock, timeout)
        inbox = self._inbox
        count = got = sock.recv_into(inbox)
        while True:
            if not count:
                raise _wire.lost(self.address, "the server closed it")
            if got >= _wire.HEADER.size:
                break
            count = sock.recv_into(memoryview(inbox)[got:])  # a header split between reads
            got += count
        end = _wire.HEADER.size + _wire.frame_length(inbox)
        if got >= end:
            # Bytes after the answer, which nobody asked for (read along with
            # it, so the idle check cannot see them): this connection must not
            # carry the next call.
            self._stray_bytes = got > end
            return bytes(memoryview(inbox)[_wire.HEADER.size:end])
        # A long answer: the rest as it arrives (the buffer grows only with
        # bytes that really came), joined once.
        chunks = [bytes(memoryview(inbox)[_wire.HEADER.size:got])]
        missing = end - got
        while missing:
            chunk = sock.recv(min(missing, 1 << 20))
            if not chunk:
                raise _wire.lost(self.address, "the server closed it")
            chunks.append(chunk)
            missing -= len(chunk)
        return b"".join(chunks)

    def _run(self, call: "_wire.Call[T]") -> T:
        """Sends `call`, waits for its answer and returns it converted."""
        with self._lock:
            seqid, frame = self._codec.encode(call)  # a bad argument fails here, before anything is sent
            sock = self._ensure_open()
            try:
                self._send(sock, frame)
                body = self._receive(sock, read_timeout(self.timeout, call))
            except (socket.timeout, BlockingIOError):  # before OSError; the kernel's timeouts are EAGAIN
                self.disconnect()
                raise _wire.timed_out(self.address, read_timeout(self.timeout, call)) from None
            except ConnectionLost:  # from _receive; before OSError, of which it is one
                self.disconnect()
                raise
            except (_wire.OutOfStep, OSError) as error:
                self.disconnect()
                raise _wire.lost(self.address, str(error) + _tls.refusal_hint(error)) from None
            except BaseException:  # Ctrl-C while waiting: the answer may still come, so drop the connection
                self.disconnect()
                raise
            return _wire.decode_answer(self._codec, call, seqid, body, self.address, self.disconnect)

    def call(self, method: str, *args: Any) -> Any:
        """Calls any method of the IDL by its name with the generated types, e.g.
        `call("listWindows")`, and returns the generated result. Errors as for the other methods."""
        return self._run(_wire.Call(method, args))

    # ------------------------------------------------------------ the stage

    def fetch_url(self, url: str, name: Optional[str] = None, timeout: Optional[float] = None) -> PushResult:
        """Loads `url` on the stage and answers once the outcome is known: OK (loaded and painted),
        LOAD_FAILED, INVALID_ARGUMENT (malformed URL or forbidden scheme), TIMED_OUT or SUPERSEDED.
        `name` labels it for whats_loaded() (default: the URL); `timeout` (seconds) overrides the
        server's load timeout for this push."""
        return self._run(_calls.fetch_url(url, name, timeout))

    def post_html(self, html: str, name: str = "html", timeout: Optional[float] = None) -> PushResult:
        """Shows the HTML document `html` on the stage; answers as fetch_url()."""
        return self._run(_calls.post_html(html, name, timeout))

    def whats_loaded(self) -> str:
        """The name of what the stage shows; "" before anything was pushed."""
        return self._run(_calls.whats_loaded())

    def current_url(self) -> str:
        """The URL the stage shows (for HTML an internal vitrine: URL); "" before anything was pushed."""
        return self._run(_calls.current_url())

    def ping(self) -> None:
        """Checks that the server answers."""
        self._run(_calls.ping())

    def server_info(self) -> ServerInfo:
        """Version, uptime, counters, listeners, platform and pid of the server, and the longest its GUI
        thread worked at a stretch (longest_turn: the figure that says whether anyone was kept waiting)."""
        return self._run(_calls.server_info())

    def reset_longest_turn(self) -> None:
        """Starts a new record of the server's longest GUI-thread turn (server_info().longest_turn)."""
        self._run(_calls.reset_longest_turn())

    def screenshot(self, window_id: int = 0) -> bytes:
        """A PNG of what window `window_id` shows now (0: the stage). WindowNotFound when it is not open."""
        return self._run(_calls.screenshot(window_id))

    def screenshot_image(self, window_id: int = 0) -> Any:
        """screenshot() as a PIL Image (needs Pillow)."""
        return _png_to_image(self.screenshot(window_id))

    # ------------------------------------------------------------ popups and questions

    def say(self, text: str, title: Optional[str] = None, timeout: Optional[float] = None,
            actions: Optional[ActionsLike] = None, name: Optional[str] = None) -> int:
        """Opens a popup showing `text` and returns its window id at once.

        `timeout`: seconds after which it closes by itself. `actions`: buttons, as
        {key: label}, or a list of labels or (key, label) pairs; without them it has an OK
        button. `name`: a label for windows()."""
        return self._run(_calls.say(text, title, timeout, actions, name))

    def say_and_wait(self, text: str, title: Optional[str] = None, timeout: Optional[float] = None,
                     actions: Optional[ActionsLike] = None, name: Optional[str] = None) -> Optional[str]:
        """Like say(), but returns once the popup has closed: the key of the action pressed, or
        None when it closed otherwise (OK, its close button, its timeout, close())."""
        return self._run(_calls.say_and_wait(text, title, timeout, actions, name))

    def ask(self, prompt: str, kind: str = "text", default: Any = None, minimum: Optional[float] = None,
            maximum: Optional[float] = None, choices: Optional[Sequence[str]] = None,
            title: Optional[str] = None, timeout: Optional[float] = None) -> Any:
        """Asks the person at the screen and returns their answer as a plain value.

        `kind` and what it returns: "text" and "password" -> str, "integer" -> int,
        "number" -> float (both within `minimum`..`maximum` when given), "choice" -> the
        chosen str of `choices`, "multi_choice" -> a list of str, "yes_no" -> bool.
        `default` pre-fills it (for choices: a label or an index, or a list of them).
        Waits as long as the person takes, or `timeout` seconds. Raises DialogCanceled
        (with .reason) when it ends without an answer, InvalidArgument for a question
        that makes no sense."""
        return self._run(_calls.ask(prompt, kind, default, minimum, maximum, choices, title, timeout))

    def choose_file(self, mode: str = "open", directory: Optional[str] = None,
                    filters: Optional[Sequence[str]] = None, title: Optional[str] = None,
                    default_name: Optional[str] = None, timeout: Optional[float] = None) -> str:
        """Lets the person pick a file and returns its absolute path.

        `mode`: "open" (an existing file), "save" (a name to save to; `default_name`
        proposes one) or "directory". `filters`: Qt name filters such as
        ["Images (*.png *.jpg)", "All files (*)"]. DialogCanceled when none is picked."""
        return self._run(_calls.choose_file(mode, directory, filters, title, default_name, timeout))

    def choose_color(self, initial: ColorLike = (255, 255, 255), title: Optional[str] = None,
                     timeout: Optional[float] = None, alpha: bool = False) -> Tuple[int, ...]:
        """Lets the person pick a colour, starting from `initial` ((r, g, b), (r, g, b, a) or
        "#rrggbb"); returns (r, g, b), or (r, g, b, a) with `alpha`. DialogCanceled when none is picked."""
        return self._run(_calls.choose_color(initial, title, timeout, alpha))

    # ------------------------------------------------------------ pictures and windows

    def show(self, picture: Any, title: Optional[str] = None, inspectable: bool = False,
             name: Optional[str] = None) -> int:
        """Opens a window showing `picture` and returns its id.

        A picture is a PIL Image (RGB, RGBA and L are sent as they are, other modes
        converted), a numpy uint8 array (H x W grey, H x W x 3 RGB, H x W x 4 RGBA),
        PNG or JPEG bytes, or the path of an image file. `inspectable`: a click shows
        the pixel under the mouse and emits a PIXEL_CLICKED event."""
        return self._run(_calls.show(picture, title, inspectable, name))

    def update(self, window_id: int, picture: Any) -> None:
        """Replaces the picture in window `window_id` (any size); returns once it is shown."""
        self._run(_calls.update(window_id, picture))

    def close(self, window_id: Optional[int] = None) -> None:
        """close(window_id) closes that window (not the stage; WindowNotFound when it is not
        open). A dialog closed this way ends its caller's ask() etc. with DialogCanceled
        "CLOSED_BY_CLIENT". close() without an id closes the connection, as disconnect()."""
        if window_id is None:
            self.disconnect()
        else:
            self._run(_calls.close(window_id))

    def is_closed(self, window_id: int) -> bool:
        """True when window `window_id` is not open (closed, or never opened)."""
        return self._run(_calls.is_closed(window_id))

    def windows(self) -> List[Window]:
        """Every open window, the stage first."""
        return self._run(_calls.windows())

    # ------------------------------------------------------------ events

    def last_sequence(self) -> int:
        """The sequence number of the newest event the server keeps (0 when there is none)."""
        after, done = 0, False
        while not done:
            after, done = _calls.newest_sequence_step(after, self._run(_calls.wait_events(after, 0)))
        return after

    def wait_events(self, after: int = -1, timeout: float = 0.0) -> List[Event]:
        """One long-poll: the events after sequence `after` (0: the oldest kept, -1: only new
        ones), waiting up to `timeout` seconds (at most 60) for the first; [] when none came."""
        return self._run(_calls.wait_events(after, timeout))

    def events(self, after: int = -1, timeout: Optional[float] = None) -> Iterator[Event]:
        """An iterator over events as they happen, oldest first, long-polling the server.

        `after`: the sequence number of the last event already seen; 0 starts with the
        oldest event the server keeps, -1 (default) with the first one after this call.
        `timeout`: seconds after which the iterator ends; None: never (break out of the loop).
        A reader that fell behind the server's bounded log gets an "EVENTS_MISSED" event
        (its `missed` says how many are gone), then the events it can still have."""
        if after < 0:
            after = self.last_sequence()  # now, not when iteration starts
        deadline = None if timeout is None else time.monotonic() + timeout
        return self._iterate_events(_calls.EventCursor(after, deadline))

    def _iterate_events(self, cursor: _calls.EventCursor) -> Iterator[Event]:
        while True:
            call = cursor.next_call(time.monotonic())
            if call is None:
                return
            yield from cursor.take(self._run(call))


def _png_to_image(png: bytes) -> Any:
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("screenshot_image() needs Pillow (apt install python3-pil, "
                          "or pip install 'vitrine[pil]'); screenshot() gives the PNG bytes") from None
    import io

    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def connect(address: Optional[AddressLike] = None, timeout: Optional[float] = DEFAULT_TIMEOUT, *,
            connect_timeout: Optional[float] = DEFAULT_CONNECT_TIMEOUT, protocol: str = "binary",
            token: Optional[str] = None, tls_ca: Optional[str] = None, tls_cert: Optional[str] = None,
            tls_key: Optional[str] = None, tls_server_name: Optional[str] = None) -> Client:
    """A Client connected to the server at `address` ($VITRINE_ADDRESS, else the default socket).

    Raises ServerNotRunning (saying how to start one) when nothing answers there,
    TlsError when a tls: connection cannot be set up (its certificate is refused, say),
    AuthenticationFailed when the server refuses the token ($VITRINE_TOKEN unless `token`).
    See Client for the arguments. Use it as a context manager to close it.
    """
    return Client(address, timeout=timeout, connect_timeout=connect_timeout, protocol=protocol, token=token,
                  tls_ca=tls_ca, tls_cert=tls_cert, tls_key=tls_key, tls_server_name=tls_server_name).connect()
