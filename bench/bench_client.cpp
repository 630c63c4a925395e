// vitrine-bench: the load generator of the benchmark suite. The same code
// drives vitrine and the baselines (vitrine-bench-server), over the generated
// synchronous Thrift client with TFramedTransport and TBinaryProtocol.
// Each run prints one JSON object on stdout; bench/run.py reads it.
//
//   vitrine-bench latency    --address A [--call ping|whatsLoaded] [--seconds S]
//       one connection, one call at a time: p50, p99 and mean of each call's
//       round trip, after a warm-up.
//   vitrine-bench throughput --address A [--call ping|whatsLoaded] [--clients N] [--seconds S]
//       N threads, each on its own connection, calling back to back until
//       the time is up: calls per second, all threads together.
//   vitrine-bench frames     --address A [--width W] [--height H] [--seconds S]
//       opens a picture window (showPicture), then replaces its RGBA picture
//       (updatePicture, which vitrine answers once the picture is applied)
//       with one of two pre-built frames, back to back: frames per second.
//   vitrine-bench stream     --address A [--width W] [--height H] [--seconds S]
//       the raw-socket baseline of `frames`: the same number of bytes per
//       frame, as a 4-byte length and the bytes, to vitrine-bench-server's
//       sink, waiting for its 4-byte ack before the next frame.
//   vitrine-bench calls      --address A --count N [--per-connection M]
//       N small calls (ping and whatsLoaded in turn), M per connection, for
//       the memory figure: prints the time taken.
//
// Times are measured with std::chrono::steady_clock.
#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <latch>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <thrift/TOutput.h>

#include "bench_common.h"
#include "support/raw_socket.h"

namespace {

using Clock = std::chrono::steady_clock;
using vitrine::Endpoint;
using vitrine::bench::Arguments;
using vitrine::bench::ThriftConnection;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// One small call on `connection`: the generated client's ping or whatsLoaded.
class SmallCall {
 public:
  explicit SmallCall(const std::string& name) : whatsLoaded_(name == "whatsLoaded") {
    if (name != "ping" && name != "whatsLoaded") throw std::invalid_argument("--call is ping or whatsLoaded");
  }
  void operator()(ThriftConnection& connection) {
    if (whatsLoaded_) {
      connection.client().whatsLoaded(answer_);
    } else {
      connection.client().ping();
    }
  }

 private:
  bool whatsLoaded_;
  std::string answer_;
};

double percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const auto index = static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(index, sorted.size() - 1)];
}

int latency(const Arguments& arguments) {
  const Endpoint endpoint = Endpoint::parse(arguments.text("address"));
  SmallCall call(arguments.text("call", "ping"));
  const double seconds = arguments.number("seconds", 2);
  ThriftConnection connection(endpoint);
  for (int i = 0; i < 500; ++i) call(connection);  // warm-up: caches, allocators, the server's buffers

  std::vector<double> micros;
  micros.reserve(1 << 20);
  const Clock::time_point start = Clock::now();
  const Clock::time_point end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  for (Clock::time_point before = start; before < end;) {
    call(connection);
    const Clock::time_point after = Clock::now();
    micros.push_back(std::chrono::duration<double, std::micro>(after - before).count());
    before = after;
  }
  const double elapsed = secondsSince(start);
  const double mean = std::accumulate(micros.begin(), micros.end(), 0.0) / static_cast<double>(micros.size());
  std::sort(micros.begin(), micros.end());
  std::printf("{\"calls\": %zu, \"seconds\": %.4f, \"p50_us\": %.3f, \"p99_us\": %.3f, \"mean_us\": %.3f}\n",
              micros.size(), elapsed, percentile(micros, 0.5), percentile(micros, 0.99), mean);
  return 0;
}

int throughput(const Arguments& arguments) {
  const Endpoint endpoint = Endpoint::parse(arguments.text("address"));
  const std::string callName = arguments.text("call", "ping");
  const auto clients = static_cast<int>(arguments.integer("clients", 1));
  const double seconds = arguments.number("seconds", 2);
  if (clients < 1) throw std::invalid_argument("--clients must be at least 1");

  // Every connection is open and warm before the clock starts.
  std::vector<std::unique_ptr<ThriftConnection>> connections;
  for (int i = 0; i < clients; ++i) {
    connections.push_back(std::make_unique<ThriftConnection>(endpoint));
    SmallCall call(callName);
    for (int j = 0; j < 50; ++j) call(*connections.back());
  }
  std::vector<std::uint64_t> counts(static_cast<std::size_t>(clients), 0);
  std::atomic<bool> failed{false};
  std::latch ready(clients + 1);
  std::atomic<bool> go{false};
  Clock::time_point end;
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, i] {
      SmallCall call(callName);
      ThriftConnection& connection = *connections[static_cast<std::size_t>(i)];
      ready.count_down();
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      const Clock::time_point stop = end;
      std::uint64_t count = 0;
      try {
        do {
          call(connection);
          ++count;
        } while (Clock::now() < stop);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "vitrine-bench: client %d: %s\n", i, e.what());
        failed = true;
      }
      counts[static_cast<std::size_t>(i)] = count;
    });
  }
  ready.arrive_and_wait();
  const Clock::time_point start = Clock::now();
  end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  go.store(true, std::memory_order_release);
  for (std::thread& thread : threads) thread.join();
  const double elapsed = secondsSince(start);
  if (failed) return 1;
  const std::uint64_t total = std::accumulate(counts.begin(), counts.end(), std::uint64_t{0});
  const auto [least, most] = std::minmax_element(counts.begin(), counts.end());
  std::printf("{\"clients\": %d, \"calls\": %llu, \"seconds\": %.4f, \"calls_per_s\": %.1f, "
              "\"least_per_client\": %llu, \"most_per_client\": %llu}\n",
              clients, static_cast<unsigned long long>(total), elapsed, static_cast<double>(total) / elapsed,
              static_cast<unsigned long long>(*least), static_cast<unsigned long long>(*most));
  return 0;
}

vitrine::api::Picture rgbaFrame(int width, int height, std::uint8_t shade) {
  vitrine::api::Picture picture;
  picture.width = width;
  picture.height = height;
  picture.mode = vitrine::api::PixelFormat::RGBA;
  picture.data.resize(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 4);
  for (std::size_t i = 0; i < picture.data.size(); i += 4) {
    picture.data[i] = static_cast<char>(shade);
    picture.data[i + 1] = static_cast<char>((i / 4) % 251);
    picture.data[i + 2] = static_cast<char>(255 - shade);
    picture.data[i + 3] = static_cast<char>(255);
  }
  return picture;
}

int frames(const Arguments& arguments) {
  const Endpoint endpoint = Endpoint::parse(arguments.text("address"));
  const auto width = static_cast<int>(arguments.integer("width", 1920));
  const auto height = static_cast<int>(arguments.integer("height", 1080));
  const double seconds = arguments.number("seconds", 3);
  const vitrine::api::Picture pictures[2] = {rgbaFrame(width, height, 40), rgbaFrame(width, height, 200)};

  ThriftConnection connection(endpoint);
  vitrine::api::PictureOptions options;
  options.__set_title("vitrine-bench frames");
  const std::int64_t window = connection.client().showPicture(pictures[0], options);
  for (int i = 0; i < 5; ++i) connection.client().updatePicture(window, pictures[(i + 1) % 2]);  // warm-up

  std::uint64_t count = 0;
  const Clock::time_point start = Clock::now();
  const Clock::time_point end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  do {
    connection.client().updatePicture(window, pictures[count % 2]);
    ++count;
  } while (Clock::now() < end);
  const double elapsed = secondsSince(start);
  connection.client().closeWindow(window);
  const double bytes = static_cast<double>(pictures[0].data.size());
  std::printf("{\"frames\": %llu, \"seconds\": %.4f, \"frames_per_s\": %.2f, \"frame_bytes\": %.0f, \"mb_per_s\": %.1f}\n",
              static_cast<unsigned long long>(count), elapsed, static_cast<double>(count) / elapsed, bytes,
              static_cast<double>(count) * bytes / elapsed / 1e6);
  return 0;
}

int stream(const Arguments& arguments) {
  const Endpoint endpoint = Endpoint::parse(arguments.text("address"));
  const auto width = static_cast<int>(arguments.integer("width", 1920));
  const auto height = static_cast<int>(arguments.integer("height", 1080));
  const double seconds = arguments.number("seconds", 3);
  const vitrine::api::Picture pictures[2] = {rgbaFrame(width, height, 40), rgbaFrame(width, height, 200)};
  const std::uint32_t size = static_cast<std::uint32_t>(pictures[0].data.size());
  const std::uint32_t header = htonl(size);

  const int fd = vitrine::test::connectStream(endpoint);
  auto send = [&](const vitrine::api::Picture& picture) {
    vitrine::test::writeAll(fd, &header, sizeof header);
    vitrine::test::writeAll(fd, picture.data.data(), picture.data.size());
    std::uint32_t ack = 0;
    if (!vitrine::test::readAll(fd, &ack, sizeof ack) || ack != header) throw std::runtime_error("the sink did not ack");
  };
  for (int i = 0; i < 5; ++i) send(pictures[(i + 1) % 2]);

  std::uint64_t count = 0;
  const Clock::time_point start = Clock::now();
  const Clock::time_point end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  do {
    send(pictures[count % 2]);
    ++count;
  } while (Clock::now() < end);
  const double elapsed = secondsSince(start);
  ::close(fd);
  std::printf("{\"frames\": %llu, \"seconds\": %.4f, \"frames_per_s\": %.2f, \"frame_bytes\": %u, \"mb_per_s\": %.1f}\n",
              static_cast<unsigned long long>(count), elapsed, static_cast<double>(count) / elapsed, size,
              static_cast<double>(count) * size / elapsed / 1e6);
  return 0;
}

int calls(const Arguments& arguments) {
  const Endpoint endpoint = Endpoint::parse(arguments.text("address"));
  const long long count = arguments.integer("count", 1000);
  const long long perConnection = std::max(1LL, arguments.integer("per-connection", 1000));
  SmallCall ping("ping");
  SmallCall whatsLoaded("whatsLoaded");
  const Clock::time_point start = Clock::now();
  for (long long done = 0; done < count;) {
    ThriftConnection connection(endpoint);
    for (long long i = 0; i < perConnection && done < count; ++i, ++done) {
      if (done % 2 == 0) {
        ping(connection);
      } else {
        whatsLoaded(connection);
      }
    }
  }
  std::printf("{\"calls\": %lld, \"seconds\": %.4f}\n", count, secondsSince(start));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help") {
    std::fprintf(stderr, "usage: vitrine-bench latency|throughput|frames|stream|calls --address ADDR [options]\n"
                         "(see the top of bench/bench_client.cpp)\n");
    return 2;
  }
  apache::thrift::GlobalOutput.setOutputFunction([](const char* message) { std::fprintf(stderr, "thrift: %s\n", message); });
  try {
    const std::string mode = argv[1];
    const Arguments arguments(argc, argv, 2);
    if (mode == "latency") return latency(arguments);
    if (mode == "throughput") return throughput(arguments);
    if (mode == "frames") return frames(arguments);
    if (mode == "stream") return stream(arguments);
    if (mode == "calls") return calls(arguments);
    std::fprintf(stderr, "vitrine-bench: unknown mode '%s'\n", mode.c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vitrine-bench: %s\n", e.what());
    return 1;
  }
}
