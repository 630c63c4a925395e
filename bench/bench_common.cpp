#include "bench_common.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <thrift/TConfiguration.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TSocket.h>

namespace vitrine::bench {

using apache::thrift::TConfiguration;
using apache::thrift::protocol::TBinaryProtocol;
using apache::thrift::transport::TFramedTransport;
using apache::thrift::transport::TSocket;

namespace {

std::runtime_error systemError(const std::string& what) {
  return std::runtime_error(what + ": " + std::strerror(errno));
}

std::shared_ptr<TConfiguration> configuration() {
  return std::make_shared<TConfiguration>(kMaxFrameBytes, kMaxFrameBytes);
}

sockaddr_un unixAddress(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) throw std::runtime_error("socket path too long: " + path);
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  return address;
}

addrinfo* resolve(const Endpoint& endpoint, bool passive) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = passive ? AI_PASSIVE : 0;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(endpoint.port);
  if (int status = getaddrinfo(endpoint.host.c_str(), port.c_str(), &hints, &found); status != 0) {
    throw std::runtime_error("cannot resolve " + endpoint.toString() + ": " + gai_strerror(status));
  }
  return found;
}

}  // namespace

ThriftConnection::ThriftConnection(const Endpoint& endpoint) {
  std::shared_ptr<TSocket> socket = endpoint.kind == Endpoint::Kind::Unix
                                        ? std::make_shared<TSocket>(endpoint.path, configuration())
                                        : std::make_shared<TSocket>(endpoint.host, endpoint.port, configuration());
  socket->setNoDelay(true);
  transport_ = std::make_shared<TFramedTransport>(socket, configuration());
  auto protocol = std::make_shared<TBinaryProtocol>(transport_);
  client_ = std::make_unique<api::VitrineClient>(protocol);
  transport_->open();
}

ThriftConnection::~ThriftConnection() {
  try {
    transport_->close();
  } catch (...) {
  }
}

int connectRaw(const Endpoint& endpoint) {
  if (endpoint.kind == Endpoint::Kind::Unix) {
    const sockaddr_un address = unixAddress(endpoint.path);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw systemError("socket");
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
      ::close(fd);
      throw systemError("cannot connect to " + endpoint.toString());
    }
    return fd;
  }
  addrinfo* found = resolve(endpoint, false);
  for (addrinfo* a = found; a; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      freeaddrinfo(found);
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      return fd;
    }
    ::close(fd);
  }
  freeaddrinfo(found);
  throw systemError("cannot connect to " + endpoint.toString());
}

int listenRaw(const Endpoint& endpoint, std::string& bound) {
  if (endpoint.kind == Endpoint::Kind::Unix) {
    const sockaddr_un address = unixAddress(endpoint.path);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw systemError("socket");
    ::unlink(endpoint.path.c_str());
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 || ::listen(fd, 128) != 0) {
      ::close(fd);
      throw systemError("cannot listen on " + endpoint.toString());
    }
    bound = endpoint.toString();
    return fd;
  }
  addrinfo* found = resolve(endpoint, true);
  for (addrinfo* a = found; a; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, 128) == 0) {
      sockaddr_storage local{};
      socklen_t length = sizeof local;
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length);
      Endpoint real = endpoint;
      real.port = ntohs(local.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&local)->sin6_port
                                                    : reinterpret_cast<sockaddr_in*>(&local)->sin_port);
      bound = real.toString();
      freeaddrinfo(found);
      return fd;
    }
    ::close(fd);
  }
  freeaddrinfo(found);
  throw systemError("cannot listen on " + endpoint.toString());
}

void writeAll(int fd, const void* data, std::size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw systemError("write");
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

bool readAll(int fd, void* data, std::size_t size) {
  char* p = static_cast<char*>(data);
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::read(fd, p + done, size - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw systemError("read");
    }
    if (n == 0) {
      if (done == 0) return false;
      throw std::runtime_error("short read: the peer closed the connection");
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

Arguments::Arguments(int argc, char** argv, int first) {
  for (int i = first; i < argc; ++i) {
    const std::string word = argv[i];
    if (word.rfind("--", 0) != 0) throw std::invalid_argument("unexpected argument '" + word + "'");
    const std::string key = word.substr(2);
    if (i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0) {
      values_[key] = argv[++i];
    } else {
      values_[key] = "1";
    }
  }
}

std::string Arguments::text(const std::string& key, const char* fallback) const {
  if (auto found = values_.find(key); found != values_.end()) return found->second;
  if (!fallback) throw std::invalid_argument("missing --" + key);
  return fallback;
}

double Arguments::number(const std::string& key, double fallback) const {
  auto found = values_.find(key);
  return found == values_.end() ? fallback : std::stod(found->second);
}

long long Arguments::integer(const std::string& key, long long fallback) const {
  auto found = values_.find(key);
  return found == values_.end() ? fallback : std::stoll(found->second);
}

}  // namespace vitrine::bench
