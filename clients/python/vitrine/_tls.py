"""TLS for `tls:` addresses: which files, the ssl.SSLContext made of them, and what a failed handshake raises.

Shared by the synchronous and the asyncio client. The server's certificate
must chain to a CA of `tls_ca` (else of the system's store) and name the
server (the address's host, or `tls_server_name`) in its subjectAltName;
TLS 1.2 at least. With `tls_cert` the client presents its own certificate,
for a server started with --tls-client-ca. See docs/security.md.
"""

import os
import ssl
from typing import TYPE_CHECKING, NamedTuple, NoReturn, Optional, Union

from . import errors

if TYPE_CHECKING:
    from ._address import Address

#: A file name as the clients take it.
PathLike = Union[str, "os.PathLike[str]"]

CA_VARIABLE = "VITRINE_TLS_CA"
CERT_VARIABLE = "VITRINE_TLS_CERT"
KEY_VARIABLE = "VITRINE_TLS_KEY"


class Settings(NamedTuple):
    """The TLS files of a client (None: none) and the name the server's certificate must carry (None: the host)."""

    ca: Optional[str]
    cert: Optional[str]
    key: Optional[str]
    server_name: Optional[str]


def resolve(tls_ca: Optional[PathLike], tls_cert: Optional[PathLike], tls_key: Optional[PathLike],
            tls_server_name: Optional[str]) -> Settings:
    """Each file as given, else from its environment variable when set and not empty, else None."""

    def pick(value: Optional[PathLike], variable: str) -> Optional[str]:
        if value is None:
            return os.environ.get(variable) or None
        return os.fspath(value)

    return Settings(pick(tls_ca, CA_VARIABLE), pick(tls_cert, CERT_VARIABLE), pick(tls_key, KEY_VARIABLE),
                    tls_server_name or None)


def _refuse_passphrase() -> NoReturn:
    raise errors.TlsError("the TLS key is encrypted with a passphrase; give the client an unencrypted copy "
                          "(openssl pkey -in KEY -out FILE; chmod 600 FILE)")


def context(settings: Settings, address: object) -> ssl.SSLContext:
    """The client context for `settings`; TlsError naming the file when one cannot be used."""
    where = "cannot connect to the vitrine server at %s" % address
    try:
        made = ssl.create_default_context(cafile=settings.ca)
    except (OSError, ValueError) as error:
        raise errors.TlsError("%s: cannot use the CA file %s (tls_ca=, $%s): %s"
                              % (where, settings.ca, CA_VARIABLE, error)) from None
    made.minimum_version = ssl.TLSVersion.TLSv1_2
    if settings.cert is not None:
        try:
            made.load_cert_chain(settings.cert, settings.key, password=_refuse_passphrase)
        except errors.TlsError:
            raise
        except (OSError, ValueError) as error:
            raise errors.TlsError("%s: cannot use the certificate %s and key %s (tls_cert=, tls_key=, $%s, $%s; an "
                                  "unencrypted PEM key that belongs to the certificate): %s"
                                  % (where, settings.cert, settings.key or settings.cert, CERT_VARIABLE,
                                     KEY_VARIABLE, error)) from None
    elif settings.key is not None:
        raise errors.TlsError("%s: a TLS key (%s) without a certificate (tls_cert=, $%s)"
                              % (where, settings.key, CERT_VARIABLE))
    return made


def server_name(settings: Settings, address: "Address") -> str:
    """The name the server's certificate must carry."""
    return settings.server_name or address.host


def handshake_failed(settings: Settings, address: "Address", error: ssl.SSLError) -> errors.TlsError:
    """The TlsError for a handshake that `error` ended."""
    if isinstance(error, ssl.SSLCertVerificationError):
        trusted = "the file %s" % settings.ca if settings.ca else "the system's store"
        return errors.TlsError("refused the TLS certificate of the vitrine server at %s: %s (it must be signed by a "
                               "CA in %s (tls_ca=, $%s) and name %s)"
                               % (address, error.verify_message or error.reason, trusted, CA_VARIABLE,
                                  server_name(settings, address)))
    return errors.TlsError("the TLS handshake with the vitrine server at %s failed (%s); is it a tls: listener, and "
                           "does it want a client certificate (tls_cert=, $%s)?"
                           % (address, error.reason or error, CERT_VARIABLE))


def refusal_hint(error: BaseException) -> str:
    """For an error that ends a call: what to check when the server refused this client's certificate.

    TLS 1.3 delivers that refusal (an alert) after the client's side of the
    handshake, so it reaches the first call rather than the connect. "" for
    any other error.
    """
    if not isinstance(error, ssl.SSLError):
        return ""
    reason = (error.reason or str(error)).upper()
    if "ALERT" not in reason or not any(word in reason for word in ("CERTIFICATE", "UNKNOWN_CA")):
        return ""
    return ("; the server refused this client's TLS certificate, or its lack of one: it wants one signed by the CA "
            "of its --tls-client-ca (tls_cert=, $%s)" % CERT_VARIABLE)
