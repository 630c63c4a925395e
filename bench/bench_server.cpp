// vitrine-bench-server: the baselines vitrine is measured against.
//
//   vitrine-bench-server threaded    --listen ADDR   Thrift TThreadedServer (a thread per connection)
//   vitrine-bench-server nonblocking --listen ADDR   Thrift TNonblockingServer, one IO thread, no workers
//   vitrine-bench-server sink        --listen ADDR   raw byte sink: reads frames, acks each
//
// ADDR is unix:PATH or tcp:HOST:PORT (port 0 picks one). Both Thrift servers
// serve the generated api::Vitrine service from the same IDL as vitrine, over
// TFramedTransport and TBinaryProtocol, as vitrine's clients speak; every
// handler does nothing (the generated VitrineNull answers default values:
// whatsLoaded answers "", as vitrine does before anything is pushed).
//
// The sink reads a 4-byte big-endian length, then that many bytes into a
// buffer it reuses, and answers the 4 bytes back: the least a server can do
// to take a frame off a socket and say it has it.
//
// Once listening, prints `baseline: listening on ADDR` (the port filled in)
// on stdout. Runs until killed.
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <thrift/TOutput.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/server/TNonblockingServer.h>
#include <thrift/server/TThreadedServer.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TNonblockingServerSocket.h>
#include <thrift/transport/TServerSocket.h>

#include "bench_common.h"
#include "support/raw_socket.h"

namespace {

using namespace apache::thrift;
using vitrine::Endpoint;

// Prints the ready line once the server has bound its socket.
class ReadyLine : public server::TServerEventHandler {
 public:
  explicit ReadyLine(std::function<std::string()> address) : address_(std::move(address)) {}
  void preServe() override {
    std::printf("baseline: listening on %s\n", address_().c_str());
    std::fflush(stdout);
  }

 private:
  std::function<std::string()> address_;
};

std::string withPort(Endpoint endpoint, int port) {
  if (endpoint.kind == Endpoint::Kind::Tcp) endpoint.port = static_cast<std::uint16_t>(port);
  return endpoint.toString();
}

std::shared_ptr<TProcessor> nullProcessor() {
  return std::make_shared<vitrine::api::VitrineProcessor>(std::make_shared<vitrine::api::VitrineNull>());
}

int serveThreaded(const Endpoint& endpoint) {
  auto socket = endpoint.kind == Endpoint::Kind::Unix
                    ? std::make_shared<transport::TServerSocket>(endpoint.path)
                    : std::make_shared<transport::TServerSocket>(endpoint.host, endpoint.port);
  if (endpoint.kind == Endpoint::Kind::Unix) ::unlink(endpoint.path.c_str());
  server::TThreadedServer server(nullProcessor(), socket, std::make_shared<transport::TFramedTransportFactory>(),
                                 std::make_shared<protocol::TBinaryProtocolFactory>());
  server.setServerEventHandler(
      std::make_shared<ReadyLine>([endpoint, socket] { return withPort(endpoint, socket->getPort()); }));
  server.serve();
  return 0;
}

int serveNonblocking(const Endpoint& endpoint) {
  auto socket = endpoint.kind == Endpoint::Kind::Unix
                    ? std::make_shared<transport::TNonblockingServerSocket>(endpoint.path)
                    : std::make_shared<transport::TNonblockingServerSocket>(endpoint.host, endpoint.port);
  if (endpoint.kind == Endpoint::Kind::Unix) ::unlink(endpoint.path.c_str());
  // No thread manager: the handler runs on the IO thread, as vitrine's
  // handlers run on its GUI thread.
  server::TNonblockingServer server(nullProcessor(), std::make_shared<protocol::TBinaryProtocolFactory>(), socket);
  server.setNumIOThreads(1);
  server.setMaxFrameSize(vitrine::bench::kMaxFrameBytes);
  server.setServerEventHandler(
      std::make_shared<ReadyLine>([endpoint, socket] { return withPort(endpoint, socket->getListenPort()); }));
  server.serve();
  return 0;
}

void sinkConnection(int fd) {
  std::vector<char> buffer;
  try {
    for (;;) {
      std::uint32_t header = 0;
      if (!vitrine::test::readAll(fd, &header, sizeof header)) break;
      const std::uint32_t size = ntohl(header);
      if (size > static_cast<std::uint32_t>(vitrine::bench::kMaxFrameBytes)) break;
      if (buffer.size() < size) buffer.resize(size);
      vitrine::test::readAll(fd, buffer.data(), size);
      vitrine::test::writeAll(fd, &header, sizeof header);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vitrine-bench-server: sink: %s\n", e.what());
  }
  ::close(fd);
}

int serveSink(const Endpoint& endpoint) {
  std::string bound;
  const int listener = vitrine::test::listenStream(endpoint, bound);
  std::printf("baseline: listening on %s\n", bound.c_str());
  std::fflush(stdout);
  for (;;) {
    const int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::thread(sinkConnection, fd).detach();
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0) {
    std::fprintf(stderr, "usage: vitrine-bench-server threaded|nonblocking|sink --listen ADDR\n");
    return 2;
  }
  // Thrift reports every client that hangs up; the benchmark does that on purpose.
  GlobalOutput.setOutputFunction([](const char*) {});
  try {
    const std::string mode = argv[1];
    const vitrine::bench::Arguments arguments(argc, argv, 2);
    const Endpoint endpoint = Endpoint::parse(arguments.text("listen"));
    if (mode == "threaded") return serveThreaded(endpoint);
    if (mode == "nonblocking") return serveNonblocking(endpoint);
    if (mode == "sink") return serveSink(endpoint);
    std::fprintf(stderr, "vitrine-bench-server: unknown mode '%s'\n", mode.c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vitrine-bench-server: %s\n", e.what());
    return 1;
  }
}
