#include "bench_common.h"

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

std::shared_ptr<TConfiguration> configuration() {
  return std::make_shared<TConfiguration>(kMaxFrameBytes, kMaxFrameBytes);
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
