"""Server addresses: `unix:PATH`, `tcp:HOST:PORT` or `tls:HOST:PORT`, and the default one.

The same forms and the same default as the C++ client and the server:
$VITRINE_ADDRESS when set, else the Unix socket `$XDG_RUNTIME_DIR/vitrine.sock`,
else `/tmp/vitrine-UID/vitrine.sock`.
"""

import os
from dataclasses import dataclass
from typing import NoReturn, Optional, Union

from .errors import InvalidArgument

AddressLike = Union[str, "os.PathLike[str]", "Address"]


@dataclass(frozen=True)
class Address:
    """Where a server listens: kind "unix" with `path`, or kind "tcp" or "tls" with `host` and `port`.

    str() gives the `unix:PATH` / `tcp:HOST:PORT` / `tls:HOST:PORT` form.
    """

    kind: str
    path: str = ""
    host: str = ""
    port: int = 0

    def __str__(self) -> str:
        if self.kind == "unix":
            return "unix:" + self.path
        host = "[%s]" % self.host if ":" in self.host else self.host
        return "%s:%s:%d" % (self.kind, host, self.port)


def default_socket_path() -> str:
    """The server's default Unix socket: $XDG_RUNTIME_DIR/vitrine.sock, else /tmp/vitrine-UID/vitrine.sock."""
    runtime_dir = os.environ.get("XDG_RUNTIME_DIR")
    if runtime_dir:
        return os.path.join(runtime_dir, "vitrine.sock")
    return "/tmp/vitrine-%d/vitrine.sock" % os.getuid()


def parse_address(text: str) -> Address:
    """Parses `unix:PATH`, `tcp:HOST:PORT` or `tls:HOST:PORT` (IPv6 hosts in brackets); InvalidArgument names
    what is wrong."""

    def fail(why: str) -> NoReturn:
        raise InvalidArgument("invalid address %r: %s" % (text, why))

    if text.startswith("unix:"):
        path = text[len("unix:"):]
        if not path:
            fail("empty socket path (expected unix:PATH)")
        if "\0" in path:
            fail("socket path contains a NUL character")
        return Address("unix", path=path)
    scheme = text[:4]
    if scheme in ("tcp:", "tls:"):
        rest = text[len(scheme):]
        if rest.startswith("["):
            host, bracket, after = rest[1:].partition("]")
            if not bracket:
                fail("missing ']' after IPv6 address")
            if not after.startswith(":"):
                fail("expected ':PORT' after ']'")
            port = after[1:]
        else:
            host, colon, port = rest.rpartition(":")
            if not colon:
                fail("missing port (expected %sHOST:PORT)" % scheme)
            if ":" in host:
                fail("an IPv6 address must be in brackets, e.g. %s[::1]:9090" % scheme)
        if not host:
            fail("empty host (expected %sHOST:PORT)" % scheme)
        if not port.isdigit() or not port.isascii() or int(port) > 65535:
            fail("port %r is not a number from 0 to 65535" % port)
        return Address(scheme[:-1], host=host, port=int(port))
    if text.startswith("/"):
        fail("expected unix:PATH, tcp:HOST:PORT or tls:HOST:PORT (did you mean unix:%s?)" % text)
    fail("expected unix:PATH, tcp:HOST:PORT or tls:HOST:PORT")
    raise AssertionError("unreachable")


def default_address() -> Address:
    """$VITRINE_ADDRESS when set and not empty, else the default Unix socket."""
    text = os.environ.get("VITRINE_ADDRESS")
    if text:
        try:
            return parse_address(text)
        except InvalidArgument as error:
            raise InvalidArgument("VITRINE_ADDRESS: %s" % error) from None
    return Address("unix", path=default_socket_path())


def resolve_address(address: Optional[AddressLike]) -> Address:
    """An Address from None (the default), an Address, a `unix:`/`tcp:`/`tls:` string, or a path object (a Unix
    socket)."""
    if address is None:
        return default_address()
    if isinstance(address, Address):
        return address
    if isinstance(address, str):
        return parse_address(address)
    if isinstance(address, os.PathLike):
        return Address("unix", path=os.fspath(address))
    raise TypeError("address must be a 'unix:PATH', 'tcp:HOST:PORT' or 'tls:HOST:PORT' string or a path, not %s"
                    % type(address).__name__)
