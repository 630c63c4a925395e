// The Thrift connection behind vitrine::Client (see client.h).
#include "vitrine/client.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string_view>

#include <thrift/TConfiguration.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TSSLSocket.h>
#include <thrift/transport/TSocket.h>

namespace vitrine {

namespace thrift = apache::thrift;

namespace {

// Thrift's default frame limit (about 16 MB) is below what a screenshot of
// a large screen can weigh; the server is trusted, so allow more, but keep
// a bound so a peer that is not a vitrine server cannot make us allocate
// gigabytes from one length prefix.
constexpr int kMaxReplyBytes = 256 * 1024 * 1024;

int toSocketMillis(std::chrono::milliseconds duration) {
  return static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(duration.count(), 0, INT_MAX));
}

// Sets the optional timeoutMs field of a PushUrl or PushHtml.
template <class Push>
void setLoadTimeout(Push& push, std::optional<std::chrono::milliseconds> timeout) {
  if (!timeout) {
    return;
  }
  auto count = timeout->count();
  if (count < std::numeric_limits<std::int32_t>::min() || count > std::numeric_limits<std::int32_t>::max()) {
    throw std::invalid_argument("load timeout of " + std::to_string(count) +
                                " ms does not fit in 32 bits of milliseconds");
  }
  push.__set_timeoutMs(static_cast<std::int32_t>(count));
}

// The wait a dialog asked the server for: its timeoutMs when set and
// positive, else none (it waits for a person as long as they take).
template <class Options>
std::chrono::milliseconds ownTimeout(const Options& options) {
  return std::chrono::milliseconds(options.__isset.timeoutMs && options.timeoutMs > 0 ? options.timeoutMs : 0);
}

// True when a connection with no call in flight has something to read: the
// server closed it (EOF), reset it, or sent bytes nobody asked for. Either
// way the next call must not be sent on it.
bool idleConnectionIsStale(int fd) {
  pollfd entry{fd, POLLIN, 0};
  return ::poll(&entry, 1, 0) != 0;
}

// True when a TLS connection with no call in flight holds bytes OpenSSL has
// decrypted and nobody asked for (where poll cannot see them), or cannot
// tell: the next call must not be sent on it.
bool tlsHoldsUnreadBytes(thrift::transport::TSSLSocket& socket) {
  try {
    return socket.hasPendingDataToRead();
  } catch (const thrift::transport::TTransportException&) {
    return true;
  }
}

// Why OpenSSL refused the server's certificate during this thread's last
// handshake ("certificate has expired"), or "": Thrift's exception only says
// "certificate verify failed". Set by rememberVerifyFailure.
thread_local std::string lastVerifyFailure;

// OpenSSL's verify callback: keeps its verdict, and notes the first reason it gives against a certificate.
int rememberVerifyFailure(int preverified, X509_STORE_CTX* store) {
  if (preverified == 0 && lastVerifyFailure.empty()) {
    lastVerifyFailure = X509_verify_cert_error_string(X509_STORE_CTX_get_error(store));
  }
  return preverified;
}

// For an error on a TLS connection that the server ended with an alert
// about this client's certificate (TLS 1.3 sends it after the client's
// handshake has finished, so it reaches the first call): what to check.
std::string clientCertificateHint(const Endpoint& endpoint, std::string_view detail) {
  if (endpoint.kind != Endpoint::Kind::Tls || detail.find("alert") == std::string_view::npos) return {};
  if (detail.find("certificate") == std::string_view::npos && detail.find("unknown ca") == std::string_view::npos) {
    return {};
  }
  return "; the server refused this client's TLS certificate, or its lack of one: it wants one signed by the CA of "
         "its --tls-client-ca (tlsCertFile, $VITRINE_TLS_CERT, --tls-cert)";
}

// Thrift's check of the server's name, made after the handshake, matches
// the host connected to; OpenSSL has checked the name asked for during the
// handshake already (TlsSetup), so this one only lets the connection through.
class CheckedByOpenSsl : public thrift::transport::AccessManager {
 public:
  Decision verify(const sockaddr_storage&) noexcept override { return ALLOW; }
};

}  // namespace

// The OpenSSL context of a Client's tls: connections, made from its
// ClientOptions on the first connect and kept for reconnects: Thrift's
// socket factory, with TLS 1.2 at least, the server's certificate checked
// against the CA file (or the system's CAs) and the server's name, and the
// client's own certificate when there is one. Throws ConnectError naming
// the option and the file when a file cannot be used.
class Client::TlsSetup : public thrift::transport::TSSLSocketFactory {
 public:
  TlsSetup(const ClientOptions& options, const Endpoint& endpoint) {
    SSL_CTX* context = ctx_->get();
    SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
    // close() sends no close_notify and so never waits on the server.
    SSL_CTX_set_quiet_shutdown(context, 1);
    // Never a passphrase prompt on the terminal: an encrypted key fails.
    overrideDefaultPasswordCallback();

    const auto fail = [&endpoint](const std::string& what) -> ConnectError {
      ERR_clear_error();
      return ConnectError("cannot connect to the vitrine server at " + endpoint.toString() + ": " + what);
    };
    try {
      if (options.tlsCaFile.empty()) {
        SSL_CTX_set_default_verify_paths(context);
      } else {
        loadTrustedCertificates(options.tlsCaFile.c_str());
      }
    } catch (const thrift::transport::TTransportException& error) {
      throw fail("cannot use the CA file " + options.tlsCaFile + " (tlsCaFile, $VITRINE_TLS_CA, --tls-ca): " +
                 error.what());
    }
    if (!options.tlsCertFile.empty()) {
      const std::string& keyFile = options.tlsKeyFile.empty() ? options.tlsCertFile : options.tlsKeyFile;
      try {
        loadCertificate(options.tlsCertFile.c_str());
      } catch (const thrift::transport::TTransportException& error) {
        throw fail("cannot use the certificate file " + options.tlsCertFile +
                   " (tlsCertFile, $VITRINE_TLS_CERT, --tls-cert): " + error.what());
      }
      try {
        loadPrivateKey(keyFile.c_str());
      } catch (const thrift::transport::TTransportException& error) {
        throw fail("cannot use the key file " + keyFile + " (tlsKeyFile, $VITRINE_TLS_KEY, --tls-key; an "
                   "unencrypted PEM key): " + error.what());
      }
      if (SSL_CTX_check_private_key(context) != 1) {
        throw fail("the key in " + keyFile + " does not belong to the certificate in " + options.tlsCertFile);
      }
    } else if (!options.tlsKeyFile.empty()) {
      throw fail("a TLS key file (" + options.tlsKeyFile + ") without a certificate file (tlsCertFile, "
                 "$VITRINE_TLS_CERT, --tls-cert)");
    }

    // The name the certificate must carry, checked by OpenSSL during the
    // handshake: an IP address against its IP entries, a name against its
    // DNS entries.
    serverName_ = options.tlsServerName.empty() ? endpoint.host : options.tlsServerName;
    X509_VERIFY_PARAM* check = SSL_CTX_get0_param(context);
    if (X509_VERIFY_PARAM_set1_ip_asc(check, serverName_.c_str()) != 1) {
      X509_VERIFY_PARAM_set1_host(check, serverName_.c_str(), serverName_.size());
      X509_VERIFY_PARAM_set_hostflags(check, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    }
    ERR_clear_error();
    SSL_CTX_set_verify(context, SSL_VERIFY_PEER, rememberVerifyFailure);
    access(std::make_shared<CheckedByOpenSsl>());
  }

  /// The name the server's certificate must carry.
  const std::string& serverName() const { return serverName_; }

 protected:
  void getPassword(std::string& password, int) override { password.clear(); }

 private:
  std::string serverName_;
};

struct Client::Connection {
  std::shared_ptr<thrift::transport::TSocket> socket;
  std::unique_ptr<api::VitrineClient> api;  // holds the framed transport and protocol
};

// For the life of the object, lets the open connection's reads stay silent
// for callTimeout + `wait` instead of callTimeout: for a call the server
// answers only after a wait the caller asked for (a dialog's timeout, a
// long-poll). Created inside call(), so the connection is open; restores
// the timeout on the way out unless the call dropped the connection.
class Client::LongerReads {
 public:
  LongerReads(Client& client, std::chrono::milliseconds wait) : client_(client) {
    // callTimeout 0 already waits for ever; nothing to lengthen.
    active_ = client_.options_.callTimeout.count() > 0 && wait.count() > 0 && client_.connection_ != nullptr;
    if (active_) {
      // Added in 64 bits, then clamped: the sum of two i32-sized waits fits.
      client_.connection_->socket->setRecvTimeout(toSocketMillis(client_.options_.callTimeout + wait));
    }
  }
  ~LongerReads() {
    if (active_ && client_.connection_ != nullptr) {
      client_.connection_->socket->setRecvTimeout(toSocketMillis(client_.options_.callTimeout));
    }
  }
  LongerReads(const LongerReads&) = delete;
  LongerReads& operator=(const LongerReads&) = delete;

 private:
  Client& client_;
  bool active_ = false;
};

Client::Client(Endpoint endpoint, ClientOptions options)
    : endpoint_(std::move(endpoint)), options_(options) {}

Client::~Client() {
  close();
}

Client::Client(Client&&) noexcept = default;

Client& Client::operator=(Client&&) noexcept = default;

bool Client::isConnected() const noexcept {
  return connection_ != nullptr && connection_->socket->isOpen();
}

void Client::close() noexcept {
  if (connection_ != nullptr) {
    // Close the socket itself, not the framed transport over it: the
    // framed transport's close() would first try to flush a half-written
    // request onto a connection that may be broken.
    connection_->socket->close();
    connection_.reset();
  }
}

void Client::connect() {
  openApi();
}

api::VitrineClient& Client::openApi() {
  if (connection_ != nullptr) {
    if (connection_->socket->isOpen() && !idleConnectionIsStale(connection_->socket->getSocketFD()) &&
        (endpoint_.kind != Endpoint::Kind::Tls ||
         !tlsHoldsUnreadBytes(static_cast<thrift::transport::TSSLSocket&>(*connection_->socket)))) {
      return *connection_->api;
    }
    // Built afresh below: the old transport may still hold buffered bytes
    // of the old connection, which must never be read as a new answer.
    close();
  }

  std::shared_ptr<thrift::transport::TSocket> socket = openSocket();
  auto config = std::make_shared<thrift::TConfiguration>(kMaxReplyBytes, kMaxReplyBytes);
  auto framed = std::make_shared<thrift::transport::TFramedTransport>(socket, config);
  std::shared_ptr<thrift::protocol::TProtocol> protocol;
  if (options_.protocol == ClientOptions::Protocol::Compact) {
    protocol = std::make_shared<thrift::protocol::TCompactProtocol>(framed);
  } else {
    protocol = std::make_shared<thrift::protocol::TBinaryProtocol>(framed);
  }
  auto connection = std::make_unique<Connection>();
  connection->socket = std::move(socket);
  connection->api = std::make_unique<api::VitrineClient>(protocol);
  connection_ = std::move(connection);
  if (options_.token) authenticateConnection();
  return *connection_->api;
}

std::shared_ptr<thrift::transport::TSocket> Client::openSocket() {
  auto config = std::make_shared<thrift::TConfiguration>(kMaxReplyBytes, kMaxReplyBytes);
  std::shared_ptr<thrift::transport::TSocket> socket;
  const bool tls = endpoint_.kind == Endpoint::Kind::Tls;
  if (endpoint_.kind == Endpoint::Kind::Unix) {
    socket = std::make_shared<thrift::transport::TSocket>(endpoint_.path, config);
  } else if (!tls) {
    socket = std::make_shared<thrift::transport::TSocket>(endpoint_.host, endpoint_.port, config);
  } else {
    if (!tls_) tls_ = std::make_unique<TlsSetup>(options_, endpoint_);
    socket = tls_->createSocket(endpoint_.host, endpoint_.port);
    // The factory makes its sockets with Thrift's default limits, and each
    // socket its own TConfiguration: give this one ours.
    socket->getConfiguration()->setMaxMessageSize(kMaxReplyBytes);
    socket->getConfiguration()->setMaxFrameSize(kMaxReplyBytes);
  }
  socket->setConnTimeout(toSocketMillis(options_.connectTimeout));
  // The TLS handshake is part of connecting: it gets the connect timeout.
  const auto firstTimeout = tls ? options_.connectTimeout : options_.callTimeout;
  socket->setRecvTimeout(toSocketMillis(firstTimeout));
  socket->setSendTimeout(toSocketMillis(firstTimeout));
  try {
    socket->open();
  } catch (const thrift::transport::TTransportException& error) {
    std::string message = "cannot connect to the vitrine server at " + endpoint_.toString() + " (" +
                          error.what() + "); ";
    Endpoint serverDefault;
    serverDefault.path = defaultSocketPath();
    if (endpoint_ == serverDefault) {
      message += "is it running? Start one with `make run` in the vitrine source tree, or `vitrine-server`";
    } else {
      message += "is a server listening there? Start one with `vitrine-server --listen " +
                 endpoint_.toString() + "`";
    }
    throw ConnectError(message);
  }
  if (!tls) return socket;

  // The handshake now rather than with the first call, so that a server
  // that is not the one we trust is refused before anything is sent:
  // TSSLSocket performs it before any write, even one of no bytes.
  lastVerifyFailure.clear();
  try {
    const std::uint8_t nothing = 0;
    socket->write(&nothing, 0);
  } catch (const thrift::transport::TTransportException& error) {
    socket->close();
    const std::string where = "the vitrine server at " + endpoint_.toString();
    if (!lastVerifyFailure.empty()) {
      throw ConnectError("refused the TLS certificate of " + where + ": " + lastVerifyFailure + " (it must be " +
                         "signed by a CA in " +
                         (options_.tlsCaFile.empty() ? std::string("the system's store")
                                                     : "the file " + options_.tlsCaFile) +
                         " (tlsCaFile, $VITRINE_TLS_CA, --tls-ca) and name " + tls_->serverName() + ")");
    }
    if (error.getType() == thrift::transport::TTransportException::TIMED_OUT) {
      throw ConnectError("no TLS handshake with " + where + " within the connect timeout of " +
                         std::to_string(options_.connectTimeout.count()) + " ms; is it a tls: listener?");
    }
    throw ConnectError("the TLS handshake with " + where + " failed (" + error.what() +
                       "); is it a tls: listener, and does it want a client certificate (tlsCertFile, "
                       "$VITRINE_TLS_CERT, --tls-cert)?");
  }
  socket->setRecvTimeout(toSocketMillis(options_.callTimeout));
  socket->setSendTimeout(toSocketMillis(options_.callTimeout));
  return socket;
}

void Client::authenticateConnection() {
  const std::string where = "the vitrine server at " + endpoint_.toString();
  try {
    connection_->api->authenticate(*options_.token);
  } catch (const api::AuthenticationFailed&) {
    close();  // the server closes its end too
    throw AuthenticationError(where + " refused the token (from $VITRINE_TOKEN or the client's options): it is not "
                                      "the content of the server's --token-file");
  } catch (const thrift::TException& error) {
    // Transport trouble, or a server too old to know authenticate.
    close();
    throw ConnectError("connected to " + where + " but could not authenticate (" + error.what() + ")" +
                       clientCertificateHint(endpoint_, error.what()));
  }
}

std::string tlsFileFromEnvironment(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

std::optional<std::string> defaultToken() {
  const char* token = std::getenv("VITRINE_TOKEN");
  if (token == nullptr || *token == '\0') return std::nullopt;
  return std::string(token);
}

std::string tokenFromFile(const std::string& path) {
  constexpr std::uintmax_t kMaxTokenFileBytes = 4096;
  std::error_code error;
  const std::uintmax_t size = std::filesystem::file_size(path, error);
  if (error) throw std::invalid_argument("cannot read the token file " + path + ": " + error.message());
  if (size > kMaxTokenFileBytes) {
    throw std::invalid_argument("the token file " + path + " is too large for a token (" + std::to_string(size) +
                                " bytes, at most 4096)");
  }
  std::ifstream file(path, std::ios::binary);
  std::string token((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (!file && !file.eof()) throw std::invalid_argument("cannot read the token file " + path);
  if (token.size() > kMaxTokenFileBytes) throw std::invalid_argument("the token file " + path + " is too large");
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  if (token.empty()) throw std::invalid_argument("the token file " + path + " is empty");
  return token;
}

bool Client::isFrameLimitAnswer(const apache::thrift::TApplicationException& error) {
  static constexpr std::string_view kPrefix = "LimitExceeded:";
  return error.getType() == apache::thrift::TApplicationException::PROTOCOL_ERROR &&
         std::string_view(error.what()).substr(0, kPrefix.size()) == kPrefix;
}

api::LimitExceeded Client::frameLimitExceeded(const apache::thrift::TApplicationException& error) {
  api::LimitExceeded limit;
  std::string_view text = error.what();
  text.remove_prefix(std::string_view("LimitExceeded:").size());
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  limit.message = std::string(text);
  return limit;
}

CallError Client::callFailed(CallError::Reason reason, const char* detail) {
  close();
  const std::string where = "the vitrine server at " + endpoint_.toString();
  switch (reason) {
    case CallError::Reason::TimedOut:
      return CallError(reason, "no answer from " + where + " within the call timeout of " +
                                   std::to_string(options_.callTimeout.count()) + " ms");
    case CallError::Reason::Transport:
      return CallError(reason, "lost the connection to " + where + " during the call (" + detail + ")" +
                                   clientCertificateHint(endpoint_, detail));
    case CallError::Reason::Protocol:
      return CallError(reason, "could not decode the answer of " + where + " (" + detail +
                                   "); is it a vitrine server, and does it speak the same protocol?");
    case CallError::Reason::Application:
      break;
  }
  return CallError(reason, where + " could not run the call (" + detail + ")");
}

void Client::ping() {
  call([](api::VitrineClient& api) { api.ping(); });
}

api::PushResult::type Client::fetchUrl(const std::string& name, const std::string& url,
                                       std::optional<std::chrono::milliseconds> timeout) {
  api::PushUrl push;
  push.__set_name(name);
  push.__set_url(url);
  setLoadTimeout(push, timeout);
  return call([&](api::VitrineClient& api) { return api.fetchUrl(push); });
}

api::PushResult::type Client::postHtml(const std::string& name, const std::string& html,
                                       std::optional<std::chrono::milliseconds> timeout) {
  api::PushHtml push;
  push.__set_name(name);
  push.__set_data(html);
  setLoadTimeout(push, timeout);
  return call([&](api::VitrineClient& api) { return api.postHtml(push); });
}

std::string Client::whatsLoaded() {
  return call([](api::VitrineClient& api) {
    std::string name;
    api.whatsLoaded(name);
    return name;
  });
}

std::string Client::currentUrl() {
  return call([](api::VitrineClient& api) {
    std::string url;
    api.currentUrl(url);
    return url;
  });
}

api::ServerInfo Client::serverInfo() {
  return call([](api::VitrineClient& api) {
    api::ServerInfo info;
    api.serverInfo(info);
    return info;
  });
}

void Client::resetLongestTurn() {
  call([](api::VitrineClient& api) { api.resetLongestTurn(); });
}

std::string Client::screenshot(std::int64_t windowId) {
  return call([windowId](api::VitrineClient& api) {
    std::string png;
    api.screenshot(png, windowId);
    return png;
  });
}

std::int64_t Client::say(const std::string& text, const api::SayOptions& options) {
  return call([&](api::VitrineClient& api) { return api.say(text, options); });
}

std::string Client::sayAndWait(const std::string& text, const api::SayOptions& options) {
  return call([&](api::VitrineClient& api) {
    LongerReads longer(*this, ownTimeout(options));
    std::string action;
    api.sayAndWait(action, text, options);
    return action;
  });
}

api::Answer Client::ask(const api::Question& question) {
  return call([&](api::VitrineClient& api) {
    LongerReads longer(*this, ownTimeout(question));
    api::Answer answer;
    api.ask(answer, question);
    return answer;
  });
}

std::string Client::chooseFile(const api::FileChooser& chooser) {
  return call([&](api::VitrineClient& api) {
    LongerReads longer(*this, ownTimeout(chooser));
    std::string path;
    api.chooseFile(path, chooser);
    return path;
  });
}

api::Color Client::chooseColor(const api::Color& initial, const api::ColorChooser& options) {
  return call([&](api::VitrineClient& api) {
    LongerReads longer(*this, ownTimeout(options));
    api::Color chosen;
    api.chooseColor(chosen, initial, options);
    return chosen;
  });
}

std::int64_t Client::showPicture(const api::Picture& picture, const api::PictureOptions& options) {
  return call([&](api::VitrineClient& api) { return api.showPicture(picture, options); });
}

void Client::updatePicture(std::int64_t windowId, const api::Picture& picture) {
  call([&](api::VitrineClient& api) { api.updatePicture(windowId, picture); });
}

void Client::closeWindow(std::int64_t windowId) {
  call([windowId](api::VitrineClient& api) { api.closeWindow(windowId); });
}

bool Client::isClosed(std::int64_t windowId) {
  return call([windowId](api::VitrineClient& api) { return api.isClosed(windowId); });
}

std::vector<api::WindowInfo> Client::listWindows() {
  return call([](api::VitrineClient& api) {
    std::vector<api::WindowInfo> windows;
    api.listWindows(windows);
    return windows;
  });
}

std::vector<api::Event> Client::waitEvents(std::int64_t afterSequence, std::chrono::milliseconds timeout) {
  if (timeout.count() < 0 || timeout.count() > std::numeric_limits<std::int32_t>::max()) {
    throw std::invalid_argument("waitEvents timeout of " + std::to_string(timeout.count()) +
                                " ms is not a number of milliseconds from 0 to 2^31-1");
  }
  return call([&](api::VitrineClient& api) {
    LongerReads longer(*this, timeout);
    std::vector<api::Event> events;
    api.waitEvents(events, afterSequence, static_cast<std::int32_t>(timeout.count()));
    return events;
  });
}

std::string toString(api::PushResult::type result) {
  auto name = api::_PushResult_VALUES_TO_NAMES.find(static_cast<int>(result));
  if (name != api::_PushResult_VALUES_TO_NAMES.end()) {
    return name->second;
  }
  return "PushResult(" + std::to_string(static_cast<int>(result)) + ")";
}

api::Picture pictureFromBytes(std::string encoded, const std::string& what) {
  // The signatures of the two encoded formats the server decodes: PNG's
  // fixed 8 bytes, and JPEG's start-of-image marker followed by the first
  // marker's 0xFF (JFIF, Exif and raw JPEGs all begin this way).
  static constexpr std::string_view kPngSignature("\x89PNG\r\n\x1a\n", 8);
  static constexpr std::string_view kJpegSignature("\xff\xd8\xff", 3);

  if (encoded.empty()) {
    throw std::invalid_argument(what + " is empty, not a PNG or JPEG image");
  }
  api::Picture picture;
  if (encoded.starts_with(kPngSignature)) {
    picture.mode = api::PixelFormat::PNG;
  } else if (encoded.starts_with(kJpegSignature)) {
    picture.mode = api::PixelFormat::JPEG;
  } else {
    throw std::invalid_argument(what + " is not a PNG or JPEG image (it does not start with either's signature)");
  }
  picture.width = 0;
  picture.height = 0;
  picture.data = std::move(encoded);
  return picture;
}

api::Picture pictureFromFile(const std::string& path) {
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored)) {
    throw std::invalid_argument("cannot read " + path + ": it is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::invalid_argument("cannot read " + path + ": " + std::strerror(errno));
  }
  std::string bytes(std::istreambuf_iterator<char>(in), {});
  if (in.bad()) {
    throw std::invalid_argument("cannot read " + path + ": " + std::strerror(errno));
  }
  return pictureFromBytes(std::move(bytes), path);
}

}  // namespace vitrine
