// Helpers for the client tests (see test_support.h).
#include "test_support.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <stdexcept>
#include <system_error>

#include <gtest/gtest.h>
#include <thrift/TOutput.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/server/TThreadedServer.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TServerSocket.h>

extern char** environ;

namespace vitrine::test {

namespace {

[[noreturn]] void throwErrno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// Thrift's servers log every client that goes away; the tests make clients
// go away on purpose.
void silenceThrift() {
  apache::thrift::GlobalOutput.setOutputFunction([](const char*) {});
}

void writeAll(int fd, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t written = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      return;  // the child closed its stdin; what it read is what it gets
    }
    done += static_cast<std::size_t>(written);
  }
}

}  // namespace

// --- ScopedEnv ---------------------------------------------------------------

ScopedEnv::ScopedEnv(std::string name, const std::optional<std::string>& value) : name_(std::move(name)) {
  if (const char* old = std::getenv(name_.c_str())) {
    old_ = old;
  }
  if (value) {
    ::setenv(name_.c_str(), value->c_str(), 1);
  } else {
    ::unsetenv(name_.c_str());
  }
}

ScopedEnv::~ScopedEnv() {
  if (old_) {
    ::setenv(name_.c_str(), old_->c_str(), 1);
  } else {
    ::unsetenv(name_.c_str());
  }
}

// --- TempDir -----------------------------------------------------------------

TempDir::TempDir() {
  std::string pattern = "/tmp/vitrine-test-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    throwErrno("mkdtemp");
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

// --- runProcess --------------------------------------------------------------

ProcessResult runProcess(const std::string& program, const std::vector<std::string>& args,
                         const std::map<std::string, std::optional<std::string>>& env, const std::string& input) {
  // Everything the child needs is built before fork(): between fork() and
  // exec() in a process with threads only async-signal-safe calls are allowed.
  std::vector<std::string> argStrings{program};
  argStrings.insert(argStrings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : argStrings) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);

  std::vector<std::string> envStrings;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    if (!env.contains(std::string(text.substr(0, text.find('='))))) {
      envStrings.emplace_back(text);
    }
  }
  for (const auto& [name, value] : env) {
    if (value) {
      envStrings.push_back(name + "=" + *value);
    }
  }
  std::vector<char*> envp;
  for (auto& entry : envStrings) {
    envp.push_back(entry.data());
  }
  envp.push_back(nullptr);

  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    throwErrno("pipe2");
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    throwErrno("fork");
  }
  if (pid == 0) {
    ::dup2(in[0], STDIN_FILENO);
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    ::execve(program.c_str(), argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);

  // A child blocked on a full stdout pipe would never read all of a large
  // stdin; the inputs of these tests are small, so write it all first.
  writeAll(in[1], input);
  ::close(in[1]);

  ProcessResult result;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open = 2;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (open > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      ADD_FAILURE() << program << " ran for more than 60 s; killed";
      ::kill(pid, SIGKILL);
      break;
    }
    int ready = ::poll(fds, 2, static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR) {
      throwErrno("poll");
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd >= 0 && fds[i].revents != 0) {
        char buffer[4096];
        ssize_t got = ::read(fds[i].fd, buffer, sizeof buffer);
        if (got > 0) {
          sinks[i]->append(buffer, static_cast<std::size_t>(got));
        } else if (got == 0 || errno != EINTR) {
          ::close(fds[i].fd);
          fds[i].fd = -1;  // poll ignores negative descriptors
          --open;
        }
      }
    }
  }
  for (auto& entry : fds) {
    if (entry.fd >= 0) {
      ::close(entry.fd);
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string redPixelPng() {
  // Signature, IHDR (1x1, 8-bit RGB), IDAT (filter 0, then ff 00 00), IEND,
  // with their CRCs.
  static constexpr unsigned char kBytes[] = {
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d,
      0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
      0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53, 0xde, 0x00, 0x00, 0x00,
      0x0c, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0x00,
      0x00, 0x03, 0x01, 0x01, 0x00, 0xc9, 0xfe, 0x92, 0xef, 0x00, 0x00, 0x00,
      0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
  };
  return std::string(reinterpret_cast<const char*>(kBytes), sizeof kBytes);
}

std::string jpegStart() {
  static constexpr unsigned char kBytes[] = {
      0xff, 0xd8,                                      // start of image
      0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00,  // APP0, length 16, "JFIF\0"
      0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
  };
  return std::string(reinterpret_cast<const char*>(kBytes), sizeof kBytes);
}

void writeFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    throw std::runtime_error("cannot write " + path);
  }
}

ProcessResult runVitrine(const std::vector<std::string>& args, std::map<std::string, std::optional<std::string>> env,
                         const std::string& input) {
  env.try_emplace("VITRINE_ADDRESS", "unix:/nonexistent/vitrine-test.sock");
  return runProcess(VITRINE_CLI_PATH, args, env, input);
}

std::string describe(const ProcessResult& result) {
  return "exit " + std::to_string(result.exitCode) + "\nstdout: " + result.out + "\nstderr: " + result.err;
}

void expectOneErrorLine(const ProcessResult& result) {
  EXPECT_TRUE(result.err.starts_with("vitrine: ")) << describe(result);
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << describe(result);
  EXPECT_TRUE(result.err.ends_with("\n")) << describe(result);
}

// --- RawListener -------------------------------------------------------------

RawListener::RawListener(std::string path, Mode mode) : path_(std::move(path)), mode_(mode) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path_.size() >= sizeof address.sun_path) {
    throw std::invalid_argument("socket path too long: " + path_);
  }
  std::memcpy(address.sun_path, path_.c_str(), path_.size() + 1);
  listenFd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listenFd_ < 0) {
    throwErrno("socket");
  }
  if (::bind(listenFd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    throwErrno("bind " + path_);
  }
  if (::listen(listenFd_, 8) != 0) {
    throwErrno("listen");
  }
  if (::pipe2(wakeFds_, O_CLOEXEC) != 0) {
    throwErrno("pipe2");
  }
  thread_ = std::thread([this] { acceptLoop(); });
}

RawListener::~RawListener() {
  char wake = 'x';
  (void)!::write(wakeFds_[1], &wake, 1);
  thread_.join();
  for (int fd : connections_) {
    ::close(fd);
  }
  ::close(listenFd_);
  ::close(wakeFds_[0]);
  ::close(wakeFds_[1]);
  ::unlink(path_.c_str());
}

void RawListener::acceptLoop() {
  pollfd fds[2] = {{listenFd_, POLLIN, 0}, {wakeFds_[0], POLLIN, 0}};
  while (true) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      return;
    }
    if (fds[1].revents != 0) {
      return;
    }
    if (fds[0].revents == 0) {
      continue;
    }
    int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      continue;
    }
    switch (mode_) {
      case Mode::NeverAnswer:
        break;
      case Mode::CloseAtOnce:
        ::close(fd);
        fd = -1;
        break;
      case Mode::SendGarbage: {
        // A 4-byte frame holding a binary-protocol version word with a
        // version that does not exist.
        static const char kFrame[] = {0, 0, 0, 4, '\x80', '\x7f', 0, 1};
        (void)!::write(fd, kFrame, sizeof kFrame);
        break;
      }
    }
    std::lock_guard lock(mutex_);
    if (fd >= 0) {
      connections_.push_back(fd);
    }
    ++accepted_;
    acceptedChanged_.notify_all();
  }
}

bool RawListener::waitForAccepts(int count) {
  std::unique_lock lock(mutex_);
  return acceptedChanged_.wait_for(lock, std::chrono::seconds(10), [&] { return accepted_ >= count; });
}

int RawListener::accepted() {
  std::lock_guard lock(mutex_);
  return accepted_;
}

// --- FakeServer --------------------------------------------------------------

class FakeServer::Handler : public api::VitrineIf {
 public:
  api::PushResult::type fetchUrl(const api::PushUrl& url) override {
    std::lock_guard lock(mutex_);
    state_.lastName = url.name;
    state_.lastUrl = url.url;
    state_.lastTimeoutMs = url.__isset.timeoutMs ? std::optional(url.timeoutMs) : std::nullopt;
    return state_.pushResult;
  }

  api::PushResult::type postHtml(const api::PushHtml& html) override {
    std::lock_guard lock(mutex_);
    state_.lastName = html.name;
    state_.lastHtml = html.data;
    state_.lastTimeoutMs = html.__isset.timeoutMs ? std::optional(html.timeoutMs) : std::nullopt;
    return state_.pushResult;
  }

  void whatsLoaded(std::string& name) override {
    std::unique_lock lock(mutex_);
    int call = ++state_.whatsLoadedCalls;
    released_.wait(lock, [&] { return !holdWhatsLoaded_; });
    name = "call " + std::to_string(call);
  }

  void currentUrl(std::string& url) override {
    std::lock_guard lock(mutex_);
    url = state_.lastUrl;
  }

  void authenticate(const std::string& token) override {
    std::lock_guard lock(mutex_);
    state_.tokens.push_back(token);
  }

  void ping() override {}

  void serverInfo(api::ServerInfo& info) override {
    info.version = "9.8.7";
    info.uptimeMs = 1234;
    info.connections = 1;
    info.callsServed = 42;
    info.windows = 1;
    info.listeners = {"unix:/a.sock", "tcp:127.0.0.1:9090"};
    info.platform = "offscreen";
    info.qtVersion = "6.4.2";
    info.pid = 4321;
    info.longestTurnUs = 2500;
    info.longestTurnCause = "Vitrine.say";
  }

  void resetLongestTurn() override {}

  void screenshot(std::string& png, const int64_t windowId) override {
    std::lock_guard lock(mutex_);
    if (windowId != 0) {
      requireWindow(windowId);
    }
    png = pngBytes();
  }

  int64_t say(const std::string& text, const api::SayOptions& options) override {
    std::lock_guard lock(mutex_);
    state_.lastText = text;
    state_.lastSayOptions = options;
    return openWindow(api::WindowKind::POPUP, options.__isset.title ? options.title : "vitrine",
                      options.__isset.name ? options.name : "");
  }

  void sayAndWait(std::string& action, const std::string& text, const api::SayOptions& options) override {
    std::lock_guard lock(mutex_);
    state_.lastText = text;
    state_.lastSayOptions = options;
    action = state_.sayAndWaitAction;
  }

  void ask(api::Answer& answer, const api::Question& question) override {
    std::unique_lock lock(mutex_);
    state_.lastQuestion = question;
    if (question.__isset.minimum && question.__isset.maximum && question.minimum > question.maximum) {
      api::InvalidArgument invalid;
      invalid.message = "minimum " + std::to_string(question.minimum) + " is above maximum " +
                        std::to_string(question.maximum);
      throw invalid;
    }
    answerDialog(lock);
    answer = state_.answer;
  }

  void chooseFile(std::string& path, const api::FileChooser& chooser) override {
    std::unique_lock lock(mutex_);
    state_.lastChooser = chooser;
    answerDialog(lock);
    path = state_.chosenPath;
  }

  void chooseColor(api::Color& chosen, const api::Color& initial, const api::ColorChooser& options) override {
    std::unique_lock lock(mutex_);
    state_.lastInitialColor = initial;
    state_.lastColorChooser = options;
    answerDialog(lock);
    chosen = state_.chosenColor;
  }

  int64_t showPicture(const api::Picture& picture, const api::PictureOptions& options) override {
    std::lock_guard lock(mutex_);
    state_.lastPicture = picture;
    state_.lastPictureOptions = options;
    return openWindow(api::WindowKind::PICTURE, options.__isset.title ? options.title : "vitrine picture",
                      options.__isset.name ? options.name : "");
  }

  void updatePicture(const int64_t windowId, const api::Picture& picture) override {
    std::lock_guard lock(mutex_);
    if (requireWindow(windowId).kind != api::WindowKind::PICTURE) {
      throwNotFound(windowId, "window " + std::to_string(windowId) + " is not a picture window");
    }
    state_.lastUpdatedWindow = windowId;
    state_.lastPicture = picture;
  }

  void closeWindow(const int64_t windowId) override {
    std::lock_guard lock(mutex_);
    requireWindow(windowId);
    state_.windows.erase(windowId);
    api::Event closed;
    closed.kind = api::EventKind::WINDOW_CLOSED;
    closed.windowId = windowId;
    closed.__set_closeReason(api::CloseReason::CLOSED_BY_CLIENT);
    appendEvent(std::move(closed));
  }

  bool isClosed(const int64_t windowId) override {
    std::lock_guard lock(mutex_);
    return windowId != 0 && !state_.windows.contains(windowId);
  }

  void listWindows(std::vector<api::WindowInfo>& windows) override {
    std::lock_guard lock(mutex_);
    api::WindowInfo stage;
    stage.id = 0;
    stage.kind = api::WindowKind::STAGE;
    stage.title = "vitrine";
    stage.name = state_.lastName;
    stage.geometry.width = 800;
    stage.geometry.height = 600;
    stage.visible = true;
    windows.push_back(stage);
    for (const auto& [id, window] : state_.windows) {
      windows.push_back(window);
    }
  }

  void waitEvents(std::vector<api::Event>& events, const int64_t afterSequence, const int32_t timeoutMs) override {
    std::unique_lock lock(mutex_);
    state_.waitEventsCalls.emplace_back(afterSequence, timeoutMs);
    const std::int64_t after = afterSequence == -1 ? lastSequence_ : afterSequence;
    events = eventsAfter(after);
    if (!events.empty() || timeoutMs <= 0) {
      return;
    }
    longPolling_ = true;
    changed_.notify_all();
    const std::size_t logged = state_.events.size();
    changed_.wait_for(lock, std::min(std::chrono::milliseconds(timeoutMs), std::chrono::milliseconds(10000)),
                      [&] { return stopping_ || state_.events.size() != logged; });
    longPolling_ = false;
    events = eventsAfter(after);
  }

  // A Thrift connection cannot be called back, as the real server says.
  void subscribeEvents(const int64_t /*afterSequence*/) override {
    api::InvalidArgument error;
    error.message = "subscribeEvents works over AMP only";
    throw error;
  }
  void unsubscribeEvents() override {}

  void addEvent(api::Event event) {
    std::lock_guard lock(mutex_);
    appendEvent(std::move(event));
  }

  bool waitForLongPoll() {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(10), [&] { return longPolling_; });
  }

  void edit(const std::function<void(FakeState&)>& change) {
    std::lock_guard lock(mutex_);
    change(state_);
  }

  void setStopping(bool stopping) {
    std::lock_guard lock(mutex_);
    stopping_ = stopping;
    changed_.notify_all();
  }

  FakeState state() {
    std::lock_guard lock(mutex_);
    return state_;
  }

  void setPushResult(api::PushResult::type result) {
    std::lock_guard lock(mutex_);
    state_.pushResult = result;
  }

  void setHold(bool hold) {
    std::lock_guard lock(mutex_);
    holdWhatsLoaded_ = hold;
    released_.notify_all();
  }

  void connected() {
    std::lock_guard lock(mutex_);
    ++state_.connections;
  }

 private:
  [[noreturn]] static void throwNotFound(std::int64_t windowId, const std::string& message) {
    api::WindowNotFound notFound;
    notFound.windowId = windowId;
    notFound.message = message;
    throw notFound;
  }

  // The open window `windowId`, or WindowNotFound. Caller holds the lock.
  const api::WindowInfo& requireWindow(std::int64_t windowId) {
    auto window = state_.windows.find(windowId);
    if (window == state_.windows.end()) {
      throwNotFound(windowId, "no window " + std::to_string(windowId) + " is open");
    }
    return window->second;
  }

  // Registers a new window and returns its id. Caller holds the lock.
  std::int64_t openWindow(api::WindowKind::type kind, const std::string& title, const std::string& name) {
    if (state_.windows.size() >= state_.maxWindows) {
      api::LimitExceeded limit;
      limit.message = "too many windows: " + std::to_string(state_.maxWindows) + " are open (--max-windows)";
      throw limit;
    }
    api::WindowInfo window;
    window.id = state_.nextWindowId++;
    window.kind = kind;
    window.title = title;
    window.name = name;
    window.geometry.x = 10;
    window.geometry.y = -20;
    window.geometry.width = 320;
    window.geometry.height = 240;
    window.visible = true;
    state_.windows[window.id] = window;
    return window.id;
  }

  // Plays the scripted dialog: waits dialogDelay (with the lock released),
  // then throws DialogCanceled if cancelDialogs says so.
  void answerDialog(std::unique_lock<std::mutex>& lock) {
    if (state_.dialogDelay.count() > 0) {
      changed_.wait_for(lock, state_.dialogDelay, [&] { return stopping_; });
    }
    if (state_.cancelDialogs) {
      api::DialogCanceled canceled;
      canceled.reason = *state_.cancelDialogs;
      canceled.message = "the dialog ended without an answer: " + api::to_string(canceled.reason);
      throw canceled;
    }
  }

  // Logs `event` with the next sequence number. Caller holds the lock.
  void appendEvent(api::Event event) {
    if (event.kind != api::EventKind::EVENTS_MISSED) {
      event.sequence = ++lastSequence_;
    }
    event.timeMs = 1714557600123;  // 2024-05-01T10:00:00.123Z
    state_.events.push_back(std::move(event));
    changed_.notify_all();
  }

  // The logged events after sequence `after`, at most 1000. Caller holds the lock.
  std::vector<api::Event> eventsAfter(std::int64_t after) const {
    std::vector<api::Event> out;
    const auto& log = state_.events;
    for (std::size_t i = 0; i < log.size() && out.size() < 1000; ++i) {
      std::size_t regular = i;
      while (regular < log.size() && log[regular].kind == api::EventKind::EVENTS_MISSED) {
        ++regular;
      }
      if (regular < log.size() && log[regular].sequence > after) {
        out.push_back(log[i]);
      }
    }
    return out;
  }

  std::mutex mutex_;
  std::condition_variable released_;
  // Signals new events, a long-poll starting, and stopping.
  std::condition_variable changed_;
  bool holdWhatsLoaded_ = false;
  bool longPolling_ = false;
  bool stopping_ = false;
  std::int64_t lastSequence_ = 0;
  FakeState state_;
};

class FakeServer::Events : public apache::thrift::server::TServerEventHandler {
 public:
  explicit Events(std::shared_ptr<Handler> handler) : handler_(std::move(handler)) {}

  void preServe() override { listening_.set_value(); }

  void* createContext(std::shared_ptr<apache::thrift::protocol::TProtocol>,
                      std::shared_ptr<apache::thrift::protocol::TProtocol>) override {
    handler_->connected();
    return nullptr;
  }

  std::future<void> listening() { return listening_.get_future(); }

 private:
  std::shared_ptr<Handler> handler_;
  std::promise<void> listening_;
};

FakeServer::FakeServer(std::string path, bool compact)
    : path_(std::move(path)), compact_(compact), handler_(std::make_shared<Handler>()) {
  silenceThrift();
  start();
}

FakeServer::~FakeServer() {
  releaseWhatsLoaded();
  stop();
  ::unlink(path_.c_str());
}

void FakeServer::start() {
  using namespace apache::thrift;
  handler_->setStopping(false);
  ::unlink(path_.c_str());
  std::shared_ptr<protocol::TProtocolFactory> protocols;
  if (compact_) {
    protocols = std::make_shared<protocol::TCompactProtocolFactory>();
  } else {
    protocols = std::make_shared<protocol::TBinaryProtocolFactory>();
  }
  server_ = std::make_shared<server::TThreadedServer>(std::make_shared<api::VitrineProcessor>(handler_),
                                                      std::make_shared<transport::TServerSocket>(path_),
                                                      std::make_shared<transport::TFramedTransportFactory>(),
                                                      protocols);
  auto events = std::make_shared<Events>(handler_);
  std::future<void> listening = events->listening();
  server_->setServerEventHandler(events);
  auto server = server_;
  thread_ = std::thread([server] {
    try {
      server->serve();
    } catch (const std::exception& error) {
      ADD_FAILURE() << "fake server stopped: " << error.what();
    }
  });
  if (listening.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    throw std::runtime_error("fake server did not start listening on " + path_);
  }
}

void FakeServer::stop() {
  // Handlers waiting (a long-poll, a slow dialog) return, so that the
  // server's stop, which waits for them, does not.
  handler_->setStopping(true);
  if (server_ != nullptr) {
    server_->stop();
    thread_.join();
    server_.reset();
  }
}

FakeState FakeServer::state() {
  return handler_->state();
}

void FakeServer::setPushResult(api::PushResult::type result) {
  handler_->setPushResult(result);
}

void FakeServer::edit(const std::function<void(FakeState&)>& change) {
  handler_->edit(change);
}

void FakeServer::addEvent(api::Event event) {
  handler_->addEvent(std::move(event));
}

bool FakeServer::waitForLongPoll() {
  return handler_->waitForLongPoll();
}

void FakeServer::holdWhatsLoaded() {
  handler_->setHold(true);
}

void FakeServer::releaseWhatsLoaded() {
  handler_->setHold(false);
}

std::string FakeServer::pngBytes() {
  return std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\xff\xfe", 18);
}

}  // namespace vitrine::test
