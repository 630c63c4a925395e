"""Authenticating a connection: which token to send, and what a refusal raises.

A server started with --token-file serves a TCP connection only after it
has called `authenticate` with the token; a server without one accepts any
token, so a client that has a token always sends it, right after every
connect (and reconnect), before any other call. Shared by the synchronous
and the asyncio client.
"""

import os
from typing import Optional

from thrift.Thrift import TApplicationException
from vitrine_thrift import ttypes

from . import _wire, errors

TOKEN_VARIABLE = "VITRINE_TOKEN"


def resolve_token(token: Optional[str]) -> Optional[str]:
    """`token` when given, else $VITRINE_TOKEN when it is set and not empty, else None (send none).

    InvalidArgument for an empty or non-str `token`, before anything is sent.
    """
    if token is None:
        return os.environ.get(TOKEN_VARIABLE) or None
    if not isinstance(token, str) or not token:
        raise errors.InvalidArgument("token must be a non-empty str (the content of the server's --token-file)")
    return token


def call(token: str) -> "_wire.Call[None]":
    """The authenticate call carrying `token`."""
    return _wire.Call("authenticate", (token,))


def check_answer(codec: "_wire.Codec", sent: "_wire.Call[None]", seqid: int, body: bytes, address: object) -> None:
    """Returns when `body` is authenticate's success; raises the package's error otherwise.

    The caller closes the connection on any error (the server closes its
    end after a wrong token too). The token never appears in a message.
    """
    try:
        codec.decode(sent, seqid, body)
    except ttypes.AuthenticationFailed:
        raise errors.AuthenticationFailed(
            "the vitrine server at %s refused the token (from token= or $%s): it is not the content of the "
            "server's --token-file" % (address, TOKEN_VARIABLE)) from None
    except TApplicationException as error:  # e.g. a server older than authenticate
        raise errors.ServerError("the vitrine server at %s could not authenticate the connection: %s"
                                 % (address, error.message or error)) from None
    except Exception as error:  # whatever the protocol code raises on bytes it cannot decode
        raise errors.ConnectionLost("could not decode the vitrine server's answer to authenticate at %s (%s: %s)"
                                    % (address, type(error).__name__, error)) from None
