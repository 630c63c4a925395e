#include "fake_server.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <future>
#include <mutex>
#include <stdexcept>

#include <thrift/TOutput.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/server/TThreadedServer.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TServerSocket.h>

#include <unistd.h>

namespace vitrine::test {

namespace {

// Thrift's servers log every client that goes away; the tests make clients
// go away on purpose.
void silenceThrift() {
  apache::thrift::GlobalOutput.setOutputFunction([](const char*) {});
}

}  // namespace

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
