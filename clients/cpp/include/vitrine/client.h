// A connection to a vitrine server over Thrift, for C++ programs and the
// `vitrine` command-line tool. Thrift and the standard library only (no Qt).
//
//   vitrine::Client client;                     // $VITRINE_ADDRESS or the default socket
//   client.fetchUrl("docs", "https://example.org/");
//   std::int64_t id = client.showPicture(vitrine::pictureFromFile("plot.png"));
//   std::string png = client.screenshot(id);
//
// Every failure is one of the exceptions below, or an exception the IDL
// declares (api::WindowNotFound, api::InvalidArgument, api::LimitExceeded,
// api::DialogCanceled), which the server throws on purpose and which leave
// the connection usable.
//
// Calls that wait for a person (sayAndWait, ask, chooseFile, chooseColor)
// or for events (waitEvents) are silent until they answer. The client lets
// such a call stay silent for ClientOptions::callTimeout *plus* the wait it
// asked the server for (the dialog's own timeoutMs, waitEvents' timeout);
// a dialog without a timeout of its own may wait for ever, so give it a
// Client whose callTimeout is 0, or the client gives up after callTimeout,
// drops the connection, and the server closes the dialog.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <thrift/TApplicationException.h>
#include <thrift/protocol/TProtocolException.h>
#include <thrift/transport/TTransportException.h>

#include "vitrine/api/Vitrine.h"
#include "vitrine/endpoint.h"

namespace apache::thrift::transport {
class TSocket;
}

namespace vitrine {

/// Base of the errors the client raises itself (as opposed to the
/// exceptions the server declares in the IDL). `what()` is one sentence
/// naming the server's address, fit to show to a person as it is.
/// The exception classes are plain values, usable on any thread.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The client could not open a connection to the server: nothing listens
/// at the address, the socket file is missing, the host does not resolve,
/// the connect timeout ran out, the TLS handshake failed (the server's
/// certificate is not trusted or not for this host, a TLS file of
/// ClientOptions cannot be used), or authenticating failed. No call was sent.
class ConnectError : public Error {
 public:
  using Error::Error;
};

/// The server refused the client's token (ClientOptions::token, by default
/// $VITRINE_TOKEN) and closed the connection. No call was sent. The message
/// never contains the token.
class AuthenticationError : public ConnectError {
 public:
  using ConnectError::ConnectError;
};

/// $VITRINE_TOKEN when it is set and not empty, else nullopt: the default of
/// ClientOptions::token. Reads the environment; throws nothing. Any thread
/// (as safe as getenv).
std::optional<std::string> defaultToken();

/// The value of the environment variable `name` when it is set and not
/// empty, else "": the defaults of ClientOptions' TLS files
/// ($VITRINE_TLS_CA, $VITRINE_TLS_CERT, $VITRINE_TLS_KEY). Any thread (as
/// safe as getenv).
std::string tlsFileFromEnvironment(const char* name);

/// The token in the file at `path`: its content with trailing line breaks
/// removed, as vitrine-server --token-file reads it. Throws
/// std::invalid_argument naming the path when the file cannot be read, is
/// larger than 4096 bytes, or holds no token. Does not check the file's
/// mode (the server does for its own copy). Any thread.
std::string tokenFromFile(const std::string& path);

/// A call was sent (or being sent) but no usable answer came back. The
/// client has dropped the connection, so the next call opens a new one and
/// can never mistake a late answer to this call for its own.
class CallError : public Error {
 public:
  enum class Reason {
    /// The connection broke while sending or receiving (peer closed it, reset...).
    Transport,
    /// No byte came from the server within ClientOptions::callTimeout.
    TimedOut,
    /// The answer could not be decoded (wrong protocol, corrupt or oversized frame).
    Protocol,
    /// The server answered with a Thrift application error instead of a
    /// result: an unknown method (an older server), or an internal error.
    Application,
  };

  CallError(Reason reason, const std::string& message) : Error(message), reason_(reason) {}

  /// Why the call failed.
  Reason reason() const noexcept { return reason_; }
  /// True when the call ran past ClientOptions::callTimeout.
  bool timedOut() const noexcept { return reason_ == Reason::TimedOut; }

 private:
  Reason reason_;
};

/// How a Client connects and how long it waits. A value type.
struct ClientOptions {
  enum class Protocol { Binary, Compact };

  /// The longest the client waits for a connection to be accepted.
  /// 0 waits as long as the operating system does.
  std::chrono::milliseconds connectTimeout{5000};
  /// The longest the client waits, within a call, for the server to accept
  /// or send the next bytes; 0 waits forever. The server answers a push only
  /// once the page has loaded, so keep this above the server's load timeout.
  /// Applies to each read and write, not to the whole call: a server that
  /// keeps sending slowly is not cut off.
  std::chrono::milliseconds callTimeout{0};
  /// Thrift protocol spoken inside the frames; the server accepts both.
  Protocol protocol = Protocol::Binary;
  /// Sent with authenticate() right after every connect (and reconnect),
  /// before any call: a server with --token-file serves TCP connections
  /// only then; a server without one accepts any token. nullopt sends
  /// nothing. Default: $VITRINE_TOKEN (defaultToken()). On a tls:
  /// endpoint it travels inside TLS.
  std::optional<std::string> token = defaultToken();

  // TLS, for tls: endpoints only (see docs/security.md). The server's
  // certificate must chain to a trusted CA and name the server (the
  // endpoint's host, or tlsServerName) in its subjectAltName; TLS 1.2 at
  // least. A file that cannot be used is a ConnectError at the first connect.

  /// PEM file of the CA certificates the server's certificate must chain to;
  /// "" trusts the system's CAs (/etc/ssl/certs). Default: $VITRINE_TLS_CA.
  std::string tlsCaFile = tlsFileFromEnvironment("VITRINE_TLS_CA");
  /// PEM file of the client's own certificate (then any intermediate ones),
  /// for a server started with --tls-client-ca; "" presents none.
  /// Default: $VITRINE_TLS_CERT.
  std::string tlsCertFile = tlsFileFromEnvironment("VITRINE_TLS_CERT");
  /// PEM file of that certificate's private key (unencrypted); "" reads it
  /// from tlsCertFile. Default: $VITRINE_TLS_KEY.
  std::string tlsKeyFile = tlsFileFromEnvironment("VITRINE_TLS_KEY");
  /// The name the server's certificate must carry (a DNS name or an IP
  /// address); "" checks the endpoint's host. For a server reached through
  /// an address its certificate does not name.
  std::string tlsServerName = {};
};

/// One connection to a vitrine server (Unix socket, TCP, or TCP with TLS),
/// opened on the first call and opened again after a failed one. A connection the server closed between calls
/// (a restart, say) is noticed and replaced before the next call is sent.
/// Calls are never retried: a call that fails once it is sent may or may
/// not have taken effect, so CallError reaches the caller.
///
/// Ownership: owns its socket and the Thrift objects over it; moving the
/// Client moves the connection (the moved-from Client may only be assigned
/// to or destroyed); destroying it closes the connection.
/// Threads: not thread-safe. Use a Client from one thread at a time (it may
/// move between threads); give each thread its own Client for parallel
/// calls. Every call blocks the calling thread until the answer arrives or
/// a timeout runs out.
///
/// Thrift reports some socket errors through apache::thrift::GlobalOutput,
/// which prints to stderr by default; the Client does not change that
/// process-wide setting. Call `apache::thrift::GlobalOutput.setOutputFunction`
/// to silence or redirect it (the `vitrine` tool silences it).
class Client {
 public:
  /// Does not connect; the first call does. Throws nothing. For the
  /// default argument, defaultEndpoint() throws std::invalid_argument when
  /// $VITRINE_ADDRESS is malformed (before the Client exists).
  explicit Client(Endpoint endpoint = defaultEndpoint(), ClientOptions options = {});
  ~Client();
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// The address this client connects to.
  const Endpoint& endpoint() const noexcept { return endpoint_; }
  /// The options given at construction.
  const ClientOptions& options() const noexcept { return options_; }

  /// Opens the connection now if it is not open (over TLS: with the
  /// handshake, so the server's certificate is checked here), and
  /// authenticates it when ClientOptions::token is set. Throws ConnectError
  /// with a message naming the address (and, for the default address, how
  /// to start a server; for TLS, what about the certificate was wrong);
  /// AuthenticationError when the server refuses the token.
  void connect();
  /// True while a connection is open. The server may have closed it since;
  /// the next call then opens a new one before sending anything.
  bool isConnected() const noexcept;
  /// Closes the connection if open; the next call reconnects. Throws nothing.
  void close() noexcept;

  /// Runs `f(api::VitrineClient&)` on an open connection and returns what
  /// it returns: the way to make any call the IDL declares, including ones
  /// without a convenience method below. Connects (and authenticates) first
  /// if needed (ConnectError, AuthenticationError). A request over the
  /// server's --max-frame is answered api::LimitExceeded (the server then
  /// closes the connection; the next call opens a new one). A transport,
  /// protocol or Thrift application error drops the connection and is
  /// rethrown as CallError. An exception the
  /// IDL declares passes through unchanged and leaves the connection open
  /// (it is the server's answer, read in full). Any other exception passes
  /// through unchanged but drops the connection.
  /// `f` must make at most one call, or several whose answers it reads
  /// before returning; it must not keep the reference.
  template <class F>
  auto call(F&& f) -> std::invoke_result_t<F&&, api::VitrineClient&> {
    api::VitrineClient& api = openApi();
    try {
      return std::forward<F>(f)(api);
    } catch (const apache::thrift::transport::TTransportException& error) {
      throw callFailed(error.getType() == apache::thrift::transport::TTransportException::TIMED_OUT
                           ? CallError::Reason::TimedOut
                           : CallError::Reason::Transport,
                       error.what());
    } catch (const apache::thrift::protocol::TProtocolException& error) {
      throw callFailed(CallError::Reason::Protocol, error.what());
    } catch (const apache::thrift::TApplicationException& error) {
      if (isFrameLimitAnswer(error)) {
        close();  // the server closes it after this answer
        throw frameLimitExceeded(error);
      }
      throw callFailed(CallError::Reason::Application, error.what());
    } catch (const apache::thrift::TException&) {
      // An exception the IDL declares: the server sent it as its answer,
      // which was read in full, so the connection is still in step.
      throw;
    } catch (...) {
      // Anything else (bad_alloc, an exception of f's own) may have left a
      // half-read answer on the connection.
      close();
      throw;
    }
  }

  /// Checks that the server answers. Throws as call().
  void ping();

  /// Loads `url` on the stage under the label `name`; answers when the
  /// page has loaded, failed or timed out (see api::PushResult). A URL or
  /// name the server will not take is answered INVALID_ARGUMENT, not thrown.
  /// `timeout` overrides the server's load timeout for this push; it must
  /// fit in an i32 of milliseconds (std::invalid_argument otherwise, and
  /// nothing is sent). Throws as call().
  api::PushResult::type fetchUrl(const std::string& name, const std::string& url,
                                 std::optional<std::chrono::milliseconds> timeout = std::nullopt);

  /// Shows the HTML document `html` (UTF-8) on the stage under the label
  /// `name`; otherwise as fetchUrl().
  api::PushResult::type postHtml(const std::string& name, const std::string& html,
                                 std::optional<std::chrono::milliseconds> timeout = std::nullopt);

  /// The label of what the stage shows; empty before anything was pushed.
  std::string whatsLoaded();
  /// The URL the stage shows; empty before anything was pushed.
  std::string currentUrl();
  /// The server's version, uptime and counters, and the longest its GUI
  /// thread worked at a stretch (longestTurnUs: how long everyone waited).
  api::ServerInfo serverInfo();
  /// Starts a new record of the server's longest GUI-thread turn.
  void resetLongestTurn();
  /// The PNG bytes of what window `windowId` shows: 0 is the stage;
  /// pictures, popups and dialogs by the ids their calls answered.
  /// Throws api::WindowNotFound for an id that is not open; else as call().
  std::string screenshot(std::int64_t windowId = 0);

  // --- Popups (docs/popups.md) ------------------------------------------------

  /// Opens a popup showing `text` (plain text, line breaks kept) and returns
  /// its window id at once, without waiting for anyone to read it. Throws
  /// api::LimitExceeded when too many windows are open, api::InvalidArgument
  /// for an action with an empty key or a negative timeoutMs; else as call().
  std::int64_t say(const std::string& text, const api::SayOptions& options = {});

  /// Like say(), but returns only once the popup has closed: the key of the
  /// action button pressed, or "" when it closed otherwise (its OK or close
  /// button, its timeoutMs, closeWindow()). Waits for a person: see the
  /// note at the top of this file on callTimeout (options.timeoutMs, when
  /// set, is added to it). Throws as say().
  std::string sayAndWait(const std::string& text, const api::SayOptions& options = {});

  // --- Questions and choosers (docs/questions.md) --------------------------------

  /// Asks the person at the screen and returns their answer, in the field
  /// for `question.kind` (see api::Answer). Waits for a person: see the
  /// note at the top of this file on callTimeout (question.timeoutMs, when
  /// set, is added to it). Throws api::DialogCanceled (with its reason:
  /// CANCELED, USER_CLOSED, CLOSED_BY_CLIENT, TIMED_OUT, SERVER_STOPPING)
  /// when the dialog ends without an answer, api::InvalidArgument for a
  /// question the server cannot ask (CHOICE without choices, minimum above
  /// maximum...), api::LimitExceeded; else as call().
  api::Answer ask(const api::Question& question);

  /// Lets the person pick a file or directory and returns its absolute path
  /// (on the server's machine). Relative `chooser.directory` paths are the
  /// server's, not this process's. Waits for a person: as ask(). Throws
  /// api::DialogCanceled, api::LimitExceeded; else as call().
  std::string chooseFile(const api::FileChooser& chooser = {});

  /// Lets the person pick a colour, starting from `initial`, and returns it
  /// (alpha set when `options.withAlpha`). Waits for a person: as ask().
  /// Throws api::DialogCanceled, api::InvalidArgument (a channel outside
  /// 0..255), api::LimitExceeded; else as call().
  api::Color chooseColor(const api::Color& initial, const api::ColorChooser& options = {});

  // --- Pictures (docs/pictures.md) -------------------------------------------------

  /// Opens a window showing `picture` and returns its id once it is shown.
  /// See pictureFromFile() for PNG and JPEG files; raw pixels need exactly
  /// width x height x bytes-per-pixel bytes. Throws api::InvalidArgument
  /// (wrong data length, bad size, undecodable data; the message says what
  /// was expected), api::LimitExceeded (too many windows, too many pixels);
  /// else as call().
  std::int64_t showPicture(const api::Picture& picture, const api::PictureOptions& options = {});

  /// Replaces the picture in window `windowId` (any new size) and returns
  /// once it is shown. Throws api::WindowNotFound when no picture window
  /// with this id is open; otherwise as showPicture().
  void updatePicture(std::int64_t windowId, const api::Picture& picture);

  // --- Windows and events (docs/windows-and-events.md) --------------------------------

  /// Closes window `windowId`. A dialog closed this way ends its caller's
  /// call with api::DialogCanceled(CLOSED_BY_CLIENT). Throws
  /// api::WindowNotFound for an id that is not open and for the stage (0);
  /// else as call().
  void closeWindow(std::int64_t windowId);

  /// True when window `windowId` is not open: closed, or never opened.
  /// Throws as call().
  bool isClosed(std::int64_t windowId);

  /// Every open window: the stage first, then by id. Throws as call().
  std::vector<api::WindowInfo> listWindows();

  /// The events after sequence number `afterSequence`, oldest first (at
  /// most 1000); 0 starts from the oldest event the server keeps, -1 from
  /// now. When there is none yet the server waits up to `timeout` (it caps
  /// the wait at 60 s) for one, then returns an empty vector; a `timeout`
  /// of 0 answers at once. A caller that fell behind the bounded log gets an
  /// api::EventKind::EVENTS_MISSED event (sequence 0) first. Pass the
  /// largest sequence seen to the next call. The client allows the call
  /// callTimeout plus `timeout` of silence. Throws std::invalid_argument,
  /// before sending anything, for a negative `timeout` or one that does not
  /// fit in 32 bits of milliseconds; else as call().
  std::vector<api::Event> waitEvents(std::int64_t afterSequence, std::chrono::milliseconds timeout);

 private:
  struct Connection;
  class LongerReads;
  class TlsSetup;

  // Connects if needed and returns the generated client of the open connection.
  api::VitrineClient& openApi();
  // Sends options_.token on the connection just opened; on failure closes it and throws.
  void authenticateConnection();
  // A connected socket for endpoint_ (TLS: handshake done); throws ConnectError.
  std::shared_ptr<apache::thrift::transport::TSocket> openSocket();
  // Drops the connection and builds the CallError for a failed call.
  CallError callFailed(CallError::Reason reason, const char* detail);
  /// The server's answer to a request over its --max-frame: a
  /// TApplicationException whose message starts "LimitExceeded:".
  static bool isFrameLimitAnswer(const apache::thrift::TApplicationException& error);
  static api::LimitExceeded frameLimitExceeded(const apache::thrift::TApplicationException& error);

  Endpoint endpoint_;
  ClientOptions options_;
  std::unique_ptr<Connection> connection_;
  // The TLS context of options_, made at the first connect to a tls: endpoint and kept for reconnects.
  std::unique_ptr<TlsSetup> tls_;
};

/// The name of a push result as the IDL spells it ("OK", "LOAD_FAILED"...),
/// or "PushResult(N)" for a value this build does not know. Any thread.
std::string toString(api::PushResult::type result);

/// A Picture of the PNG or JPEG file `encoded` (its bytes, not a path):
/// mode PNG or JPEG by the file's signature (magic bytes), width and height
/// 0 so the server reads them from the data. Only the signature is checked
/// here; the server decodes the rest (api::InvalidArgument if it cannot).
/// Throws std::invalid_argument, naming `what` (e.g. the file name), for
/// empty data and for data that is neither PNG nor JPEG. Any thread.
api::Picture pictureFromBytes(std::string encoded, const std::string& what = "the data");

/// pictureFromBytes() of the file at `path`. Throws std::invalid_argument
/// with a message naming the path when the file cannot be read (missing,
/// a directory, no permission) or is not a PNG or JPEG file. Any thread.
api::Picture pictureFromFile(const std::string& path);

}  // namespace vitrine
