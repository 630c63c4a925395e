"""The asyncio client: the calls of vitrine.Client as coroutines that never block the event loop.

    import asyncio
    import vitrine.aio

    async def main():
        async with vitrine.aio.connect() as screen:
            name = await screen.ask("Your name?")    # other tasks run while the person types
            await screen.post_html("<h1>Hello %s</h1>" % name)

    asyncio.run(main())

How: each call is encoded by the generated client's `send_X` into an
in-memory buffer, written as one frame on an asyncio stream
(asyncio.open_unix_connection / open_connection, with ssl= for a `tls:`
address), and its answer read as
one frame with `readexactly` and decoded by `recv_X` from memory. No thread
is involved, so a call that waits for a person (ask, say_and_wait, the
choosers) or for events costs the program nothing while it waits.

One call at a time per connection (an asyncio.Lock queues the others): for
calls that must run side by side, e.g. closing a dialog another task is
waiting on, open a second client. A call whose task is cancelled, or that
runs past the timeout, drops the connection so its late answer is never
read as another call's; the next call reconnects (a connection the server
closed while idle is replaced the same way).
"""

import asyncio
import select
import ssl
import sys
import time
from typing import Any, AsyncIterator, Awaitable, Generator, List, Optional, Sequence, Tuple, TypeVar

from . import _auth, _calls, _tls, _wire
from ._address import Address, AddressLike, resolve_address
from ._calls import ActionsLike, ColorLike
from ._values import Event, PushResult, ServerInfo, Window
from .client import DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, _png_to_image, not_running_message, read_timeout
from .errors import ServerNotRunning, TlsError, VitrineError

#: What a call answers (see _wire.Call).
T = TypeVar("T")

__all__ = ["AsyncClient", "connect"]

if sys.version_info >= (3, 11):
    async def _within(seconds: Optional[float], awaitable: Awaitable[T]) -> T:
        """`await awaitable`, or asyncio.TimeoutError after `seconds` (None: no limit), in the calling task."""
        async with asyncio.timeout(seconds):
            return await awaitable
else:  # asyncio.timeout() is new in Python 3.11; wait_for() runs the awaitable in a task of its own
    async def _within(seconds: Optional[float], awaitable: Awaitable[T]) -> T:
        return await asyncio.wait_for(awaitable, seconds)


class AsyncClient:
    """A connection to a vitrine server for asyncio programs; the arguments are Client's.

    Every method is a coroutine and otherwise behaves as the Client method of
    the same name (see vitrine.Client for what each does and raises). Use it
    from one event loop.
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
        self._reader: Optional[asyncio.StreamReader] = None
        self._writer: Optional[asyncio.StreamWriter] = None
        self._idle_check: Optional[select.poll] = None  # polls the connection's socket (see _is_stale)
        self._lock: Optional[asyncio.Lock] = None  # made on first use, inside the loop

    def __repr__(self) -> str:
        return "<vitrine.aio.AsyncClient %s%s>" % (self.address, "" if self._writer else " (not connected)")

    async def __aenter__(self) -> "AsyncClient":
        return await self.connect()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.disconnect()

    # ------------------------------------------------------------ connection

    @property
    def connected(self) -> bool:
        """True while a connection is open (the server may have closed it since; the next call checks)."""
        return self._writer is not None

    def _locked(self) -> asyncio.Lock:
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    async def connect(self) -> "AsyncClient":
        """Opens the connection now if it is not open; ServerNotRunning when nothing answers. Returns self."""
        async with self._locked():
            await self._ensure_open()
        return self

    async def disconnect(self) -> None:
        """Closes the connection, if open. The next call opens a new one."""
        writer = self._writer
        self._drop()
        if writer is not None:
            try:
                await writer.wait_closed()
            except OSError:
                pass  # it was broken anyway

    def _drop(self) -> None:
        """Closes the connection at once, without waiting (for use on any error path)."""
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = self._idle_check = None

    def _is_stale(self) -> bool:
        """True when the idle connection must not carry the next call: the server closed it
        (a restart), reset it, or sent bytes nobody asked for."""
        reader, writer = self._reader, self._writer
        assert reader is not None and writer is not None  # only asked of an open connection
        if reader.at_eof() or reader.exception() is not None or writer.is_closing():
            return True
        # The event loop may not have run since the peer closed: ask the socket itself.
        return self._idle_check is not None and bool(self._idle_check.poll(0))

    async def _ensure_open(self) -> Tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._writer is not None:
            if not self._is_stale():
                assert self._reader is not None  # opened with the writer
                return self._reader, self._writer
            self._drop()
        address = self.address
        try:
            if address.kind == "unix":
                opening = asyncio.open_unix_connection(address.path)
            elif self._tls is None:
                opening = asyncio.open_connection(address.host, address.port)  # asyncio sets TCP_NODELAY
            else:
                if self._tls_context is None:
                    self._tls_context = _tls.context(self._tls, address)  # TlsError for a file it cannot use
                # The handshake is part of connecting: within connect_timeout.
                opening = asyncio.open_connection(address.host, address.port, ssl=self._tls_context,
                                                  server_hostname=_tls.server_name(self._tls, address))
            reader, writer = await asyncio.wait_for(opening, self.connect_timeout)
            self._reader, self._writer = reader, writer
        except TlsError:  # before OSError, which it is (a ConnectionError)
            raise
        except ssl.SSLError as error:  # before OSError, which it is
            assert self._tls is not None  # only a tls: address does a handshake
            raise _tls.handshake_failed(self._tls, address, error) from None
        except (OSError, asyncio.TimeoutError) as error:
            raise ServerNotRunning(not_running_message(address, error)) from None
        sock = writer.get_extra_info("socket")
        if sock is not None:
            self._idle_check = select.poll()
            self._idle_check.register(sock.fileno(), select.POLLIN)
        if self._token is not None:
            await self._authenticate(reader, writer)
        return reader, writer

    async def _authenticate(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Sends the token on the connection just opened; closes it on any failure."""
        assert self._token is not None  # called when there is a token only
        call = _auth.call(self._token)
        seqid, frame = self._codec.encode(call)
        try:
            writer.write(frame)
            await _within(self.timeout, writer.drain())
            body = await _within(self.timeout, self._read_frame(reader))
            _auth.check_answer(self._codec, call, seqid, body, self.address)
        except asyncio.TimeoutError:  # before OSError: it is one since Python 3.11
            self._drop()
            raise _wire.timed_out(self.address, self.timeout) from None
        except asyncio.IncompleteReadError:
            self._drop()
            raise _wire.lost(self.address, "the server closed it") from None
        except VitrineError:
            self._drop()
            raise
        except OSError as error:
            self._drop()
            raise _wire.lost(self.address, str(error) + _tls.refusal_hint(error)) from None
        except BaseException:  # cancelled
            self._drop()
            raise

    async def _run(self, call: "_wire.Call[T]") -> T:
        async with self._locked():
            seqid, frame = self._codec.encode(call)  # a bad argument fails here, before anything is sent
            reader, writer = await self._ensure_open()
            try:
                writer.write(frame)  # sends at once what the socket takes
                if writer.transport.get_write_buffer_size():  # the rest waits for the server to read
                    await _within(self.timeout, writer.drain())
                body = await self._read_answer(reader, read_timeout(self.timeout, call))
            except asyncio.TimeoutError:  # before OSError: it is one since Python 3.11
                self._drop()
                raise _wire.timed_out(self.address, read_timeout(self.timeout, call)) from None
            except asyncio.IncompleteReadError:
                self._drop()
                raise _wire.lost(self.address, "the server closed it") from None
            except (_wire.OutOfStep, OSError) as error:
                self._drop()
                raise _wire.lost(self.address, str(error) + _tls.refusal_hint(error)) from None
            except BaseException:  # cancelled: the answer may still come, so drop the connection
                self._drop()
                raise
            return _wire.decode_answer(self._codec, call, seqid, body, self.address, self._drop)

    @staticmethod
    async def _read_frame(reader: asyncio.StreamReader) -> bytes:
        header = await reader.readexactly(_wire.HEADER.size)
        return await reader.readexactly(_wire.frame_length(header))

    async def _read_answer(self, reader: asyncio.StreamReader, seconds: Optional[float]) -> bytes:
        """The body of the next frame; asyncio.TimeoutError when it has not come within `seconds` (None: no limit).

        The timer fails the reader rather than the task: asyncio.wait_for()
        runs the read in a task of its own and asyncio.timeout() cancels and
        uncancels this one, each several microseconds a call (docs/performance.md,
        P5). A reader that timed out goes with its connection anyway.
        """
        if seconds is None:
            return await self._read_frame(reader)
        alarm = asyncio.get_running_loop().call_later(seconds, reader.set_exception, asyncio.TimeoutError())
        try:
            return await self._read_frame(reader)
        finally:
            alarm.cancel()

    async def call(self, method: str, *args: Any) -> Any:
        """Calls any method of the IDL by its name with the generated types; see Client.call."""
        return await self._run(_wire.Call(method, args))

    # ------------------------------------------------------------ the stage

    async def fetch_url(self, url: str, name: Optional[str] = None, timeout: Optional[float] = None) -> PushResult:
        """Loads `url` on the stage; see Client.fetch_url."""
        return await self._run(_calls.fetch_url(url, name, timeout))

    async def post_html(self, html: str, name: str = "html", timeout: Optional[float] = None) -> PushResult:
        """Shows an HTML document on the stage; see Client.post_html."""
        return await self._run(_calls.post_html(html, name, timeout))

    async def whats_loaded(self) -> str:
        """The name of what the stage shows."""
        return await self._run(_calls.whats_loaded())

    async def current_url(self) -> str:
        """The URL the stage shows."""
        return await self._run(_calls.current_url())

    async def ping(self) -> None:
        """Checks that the server answers."""
        await self._run(_calls.ping())

    async def server_info(self) -> ServerInfo:
        """Version, uptime and counters of the server (see Client.server_info())."""
        return await self._run(_calls.server_info())

    async def reset_longest_turn(self) -> None:
        """Starts a new record of the server's longest GUI-thread turn."""
        await self._run(_calls.reset_longest_turn())

    async def screenshot(self, window_id: int = 0) -> bytes:
        """A PNG of window `window_id` (0: the stage)."""
        return await self._run(_calls.screenshot(window_id))

    async def screenshot_image(self, window_id: int = 0) -> Any:
        """screenshot() as a PIL Image (needs Pillow)."""
        return _png_to_image(await self.screenshot(window_id))

    # ------------------------------------------------------------ popups and questions

    async def say(self, text: str, title: Optional[str] = None, timeout: Optional[float] = None,
                  actions: Optional[ActionsLike] = None, name: Optional[str] = None) -> int:
        """Opens a popup and returns its window id; see Client.say."""
        return await self._run(_calls.say(text, title, timeout, actions, name))

    async def say_and_wait(self, text: str, title: Optional[str] = None, timeout: Optional[float] = None,
                           actions: Optional[ActionsLike] = None, name: Optional[str] = None) -> Optional[str]:
        """Opens a popup and returns the key of the action pressed (None otherwise) once it closes."""
        return await self._run(_calls.say_and_wait(text, title, timeout, actions, name))

    async def ask(self, prompt: str, kind: str = "text", default: Any = None, minimum: Optional[float] = None,
                  maximum: Optional[float] = None, choices: Optional[Sequence[str]] = None,
                  title: Optional[str] = None, timeout: Optional[float] = None) -> Any:
        """Asks the person at the screen; other tasks run while they answer. See Client.ask."""
        return await self._run(_calls.ask(prompt, kind, default, minimum, maximum, choices, title, timeout))

    async def choose_file(self, mode: str = "open", directory: Optional[str] = None,
                          filters: Optional[Sequence[str]] = None, title: Optional[str] = None,
                          default_name: Optional[str] = None, timeout: Optional[float] = None) -> str:
        """Lets the person pick a file; see Client.choose_file."""
        return await self._run(_calls.choose_file(mode, directory, filters, title, default_name, timeout))

    async def choose_color(self, initial: ColorLike = (255, 255, 255), title: Optional[str] = None,
                           timeout: Optional[float] = None, alpha: bool = False) -> Tuple[int, ...]:
        """Lets the person pick a colour; see Client.choose_color."""
        return await self._run(_calls.choose_color(initial, title, timeout, alpha))

    # ------------------------------------------------------------ pictures and windows

    async def show(self, picture: Any, title: Optional[str] = None, inspectable: bool = False,
                   name: Optional[str] = None) -> int:
        """Opens a picture window and returns its id; see Client.show for what a picture may be."""
        return await self._run(_calls.show(picture, title, inspectable, name))

    async def update(self, window_id: int, picture: Any) -> None:
        """Replaces the picture in window `window_id`."""
        await self._run(_calls.update(window_id, picture))

    async def close(self, window_id: Optional[int] = None) -> None:
        """close(window_id) closes that window; close() without an id closes the connection."""
        if window_id is None:
            await self.disconnect()
        else:
            await self._run(_calls.close(window_id))

    async def is_closed(self, window_id: int) -> bool:
        """True when window `window_id` is not open."""
        return await self._run(_calls.is_closed(window_id))

    async def windows(self) -> List[Window]:
        """Every open window, the stage first."""
        return await self._run(_calls.windows())

    # ------------------------------------------------------------ events

    async def last_sequence(self) -> int:
        """The sequence number of the newest event the server keeps (0 when there is none)."""
        after, done = 0, False
        while not done:
            after, done = _calls.newest_sequence_step(after, await self._run(_calls.wait_events(after, 0)))
        return after

    async def wait_events(self, after: int = -1, timeout: float = 0.0) -> List[Event]:
        """One long-poll; see Client.wait_events."""
        return await self._run(_calls.wait_events(after, timeout))

    async def events(self, after: int = -1, timeout: Optional[float] = None) -> AsyncIterator[Event]:
        """`async for event in client.events():` events as they happen; see Client.events.

        An async generator starts when iteration does, so after=-1 means "after the first
        `async for` step began". To miss nothing that happens before, take
        `after = await client.last_sequence()` first and pass it.
        """
        if after < 0:
            after = await self.last_sequence()
        deadline = None if timeout is None else time.monotonic() + timeout
        cursor = _calls.EventCursor(after, deadline)
        while True:
            call = cursor.next_call(time.monotonic())
            if call is None:
                return
            for event in cursor.take(await self._run(call)):
                yield event


class _Connecting:
    """What connect() returns: await it for a connected client, or use it in `async with`."""

    def __init__(self, client: AsyncClient):
        self._client = client

    def __await__(self) -> Generator[Any, None, AsyncClient]:
        return self._client.connect().__await__()

    async def __aenter__(self) -> AsyncClient:
        return await self._client.connect()

    async def __aexit__(self, *exc_info: object) -> None:
        await self._client.disconnect()


def connect(address: Optional[AddressLike] = None, timeout: Optional[float] = DEFAULT_TIMEOUT, *,
            connect_timeout: Optional[float] = DEFAULT_CONNECT_TIMEOUT, protocol: str = "binary",
            token: Optional[str] = None, tls_ca: Optional[str] = None, tls_cert: Optional[str] = None,
            tls_key: Optional[str] = None, tls_server_name: Optional[str] = None) -> _Connecting:
    """A connected AsyncClient: `client = await vitrine.aio.connect()`, or
    `async with vitrine.aio.connect() as client:` (which closes it at the end).

    ServerNotRunning when nothing answers at `address`, TlsError when a tls: connection cannot be
    set up, AuthenticationFailed when the server refuses the token. See vitrine.Client for the
    arguments.
    """
    return _Connecting(AsyncClient(address, timeout=timeout, connect_timeout=connect_timeout, protocol=protocol,
                                   token=token, tls_ca=tls_ca, tls_cert=tls_cert, tls_key=tls_key,
                                   tls_server_name=tls_server_name))
