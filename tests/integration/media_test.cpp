// Media commands through the C++ client against the real server (headless):
// what a caller relies on that needs no person at the screen.
#include <gtest/gtest.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <QBuffer>
#include <QColor>
#include <QImage>
#include <functional>
#include <future>
#include <optional>

#include "pixels.h"
#include "support/eventually.h"
#include "support/raw_socket.h"
#include "support/server_process.h"
#include "support/shared_server_suite.h"
#include "vitrine/client.h"

namespace vitrine::test {
namespace {

using namespace std::chrono_literals;

api::Picture solid(int width, int height, QColor color) {
  api::Picture picture;
  picture.width = width;
  picture.height = height;
  picture.mode = api::PixelFormat::RGB;
  for (int i = 0; i < width * height; ++i) {
    picture.data += static_cast<char>(color.red());
    picture.data += static_cast<char>(color.green());
    picture.data += static_cast<char>(color.blue());
  }
  return picture;
}

std::vector<api::WindowInfo> windowsOf(Client& client) {
  return client.call([](api::VitrineClient& api) {
    std::vector<api::WindowInfo> windows;
    api.listWindows(windows);
    return windows;
  });
}

std::optional<std::int64_t> openWindowOfKind(Client& client, api::WindowKind::type kind) {
  for (const api::WindowInfo& window : windowsOf(client)) {
    if (window.kind == kind) return window.id;
  }
  return std::nullopt;
}

// Asks `prompt` on a connection of its own and returns how the dialog ended
// (ANSWERED when it was answered).
std::future<api::CloseReason::type> askInBackground(const Endpoint& endpoint, std::string prompt) {
  return std::async(std::launch::async, [endpoint, prompt] {
    Client asker(endpoint);
    api::Question question;
    question.prompt = prompt;
    try {
      asker.call([&](api::VitrineClient& api) {
        api::Answer answer;
        api.ask(answer, question);
      });
    } catch (const api::DialogCanceled& canceled) {
      return canceled.reason;
    }
    return api::CloseReason::ANSWERED;
  });
}

class Media : public SharedServerSuite<Media> {
 public:
  static std::vector<std::string> serverArgs() { return {"--size", "320x240"}; }

 protected:
  static Client client() { return Client(server_->unixEndpoint()); }
};

TEST_F(Media, PictureIsShownUpdatedAndClosed) {
  Client c = client();
  api::PictureOptions options;
  options.__set_title("pixels");
  options.__set_name("sprite");
  const std::int64_t id = c.call([&](api::VitrineClient& api) { return api.showPicture(solid(240, 180, QColor(200, 30, 40)), options); });
  EXPECT_GE(id, 1);
  const auto shot = [&] { return c.call([&](api::VitrineClient& api) { std::string png; api.screenshot(png, id); return png; }); };
  EXPECT_EQ(centerOf(shot()), QColor(200, 30, 40));

  c.call([&](api::VitrineClient& api) { api.updatePicture(id, solid(240, 180, QColor(20, 60, 220))); });
  EXPECT_EQ(centerOf(shot()), QColor(20, 60, 220));

  bool listed = false;
  for (const api::WindowInfo& window : windowsOf(c)) {
    if (window.id != id) continue;
    listed = true;
    EXPECT_EQ(window.kind, api::WindowKind::PICTURE);
    EXPECT_EQ(window.title, "pixels");
    EXPECT_EQ(window.name, "sprite");
    EXPECT_TRUE(window.visible);
  }
  EXPECT_TRUE(listed);

  EXPECT_FALSE(c.call([&](api::VitrineClient& api) { return api.isClosed(id); }));
  c.call([&](api::VitrineClient& api) { api.closeWindow(id); });
  EXPECT_TRUE(c.call([&](api::VitrineClient& api) { return api.isClosed(id); }));
  EXPECT_THROW(c.call([&](api::VitrineClient& api) { api.closeWindow(id); }), api::WindowNotFound);
  EXPECT_THROW(c.call([&](api::VitrineClient& api) { api.updatePicture(id, solid(1, 1, Qt::red)); }), api::WindowNotFound);
  EXPECT_THROW(c.screenshot(id), api::WindowNotFound);
}

TEST_F(Media, WindowIdsAreNeverReused) {
  Client c = client();
  const auto show = [&] { return c.call([&](api::VitrineClient& api) { return api.showPicture(solid(2, 2, Qt::black), {}); }); };
  const std::int64_t first = show();
  c.call([&](api::VitrineClient& api) { api.closeWindow(first); });
  const std::int64_t second = show();
  EXPECT_GT(second, first);
  c.call([&](api::VitrineClient& api) { api.closeWindow(second); });
}

TEST_F(Media, WrongDataLengthIsInvalidArgumentNamingTheExpectedLength) {
  Client c = client();
  api::Picture picture = solid(10, 10, Qt::red);
  picture.data.pop_back();
  try {
    c.call([&](api::VitrineClient& api) { return api.showPicture(picture, {}); });
    FAIL() << "a short picture was accepted";
  } catch (const api::InvalidArgument& e) {
    EXPECT_NE(e.message.find("300"), std::string::npos) << e.message;
  }
  c.ping();
}

TEST_F(Media, AskEndsWithTheReasonWhenAClientClosesIt) {
  auto asked = askInBackground(server_->unixEndpoint(), "Your name?");
  Client other = client();
  std::optional<std::int64_t> dialog;
  ASSERT_TRUE(eventually([&] { return (dialog = openWindowOfKind(other, api::WindowKind::QUESTION)).has_value(); }));
  other.ping();  // served while the ask waits
  other.call([&](api::VitrineClient& api) { api.closeWindow(*dialog); });
  ASSERT_EQ(asked.wait_for(30s), std::future_status::ready);
  EXPECT_EQ(asked.get(), api::CloseReason::CLOSED_BY_CLIENT);
}

TEST_F(Media, DialogOfAClientThatDisconnectsIsClosedAndReported) {
  Client watcher = client();
  const std::int64_t before = watcher.call([](api::VitrineClient& api) {
    std::vector<api::Event> events;
    api.waitEvents(events, -1, 0);
    return events.empty() ? std::int64_t{0} : events.back().sequence;
  });
  {
    RawSocket asker(server_->unixEndpoint());
    auto buffer = std::make_shared<apache::thrift::transport::TMemoryBuffer>();
    apache::thrift::protocol::TBinaryProtocol protocol(buffer);
    api::Question question;
    question.prompt = "Still there?";
    api::Vitrine_ask_pargs args;
    args.question = &question;
    args.write(&protocol);
    asker.send(framedCall("ask", 1, buffer->getBufferAsString()));
    ASSERT_TRUE(eventually([&] { return openWindowOfKind(watcher, api::WindowKind::QUESTION).has_value(); }));
  }  // the asker hangs up without an answer
  ASSERT_TRUE(eventually([&] { return !openWindowOfKind(watcher, api::WindowKind::QUESTION).has_value(); }));
  std::vector<api::Event> events;
  ASSERT_TRUE(eventually([&] {
    events = watcher.call([&](api::VitrineClient& api) {
      std::vector<api::Event> got;
      api.waitEvents(got, before, 1000);
      return got;
    });
    return !events.empty();
  }));
  bool reported = false;
  for (const api::Event& event : events) {
    reported |= event.kind == api::EventKind::WINDOW_CLOSED && event.closeReason == api::CloseReason::CLIENT_DISCONNECTED;
  }
  EXPECT_TRUE(reported);
  EXPECT_EQ(watcher.serverInfo().windows, 1) << "a window outlived its client";
}

// The newest sequence number now: events after it are what the test causes.
std::int64_t lastSequence(Client& client) {
  std::int64_t last = 0;
  while (true) {
    const std::vector<api::Event> batch = client.waitEvents(last, 0ms);
    if (batch.empty()) return last;
    last = batch.back().sequence;
  }
}

// The first event of `kind` after `after`, waiting for it (long-polled, no sleep); nullopt after 30 s.
std::optional<api::Event> nextEventOfKind(Client& client, std::int64_t after, api::EventKind::type kind) {
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    for (const api::Event& event : client.waitEvents(after, 5s)) {
      if (event.kind == kind) return event;
      after = event.sequence;
    }
  }
  return std::nullopt;
}

TEST_F(Media, AWindowOpeningIsAnEventToLongPollFor) {
  Client watcher = client();
  const std::int64_t before = lastSequence(watcher);
  Client opener = client();
  api::SayOptions options;
  options.__set_name("greeting");
  const std::int64_t id = opener.say("hello", options);
  const std::optional<api::Event> opened = nextEventOfKind(watcher, before, api::EventKind::WINDOW_OPENED);
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->windowId, id);
  EXPECT_EQ(opened->windowKind, api::WindowKind::POPUP);
  EXPECT_EQ(opened->name, "greeting");
  opener.closeWindow(id);
}

TEST_F(Media, APushThatDoesNotShowItsPageIsAnEvent) {
  Client watcher = client();
  Client pusher = client();
  struct Case {
    std::function<api::PushResult::type()> push;
    api::PushResult::type result;
    std::string name;
  };
  const std::vector<Case> cases = {
      {[&] { return pusher.fetchUrl("refused", "javascript:alert(1)"); }, api::PushResult::INVALID_ARGUMENT, "refused"},
      {[&] { return pusher.fetchUrl("nowhere", "http://127.0.0.1:1/"); }, api::PushResult::LOAD_FAILED, "nowhere"},
      {[&] { return pusher.postHtml("stuck", "<script>while (true) {}</script>", 1500ms); },
       api::PushResult::TIMED_OUT, "stuck"},
  };
  for (const Case& c : cases) {
    const std::int64_t before = lastSequence(watcher);
    EXPECT_EQ(c.push(), c.result) << c.name;
    const std::optional<api::Event> failed = nextEventOfKind(watcher, before, api::EventKind::PUSH_FAILED);
    ASSERT_TRUE(failed) << c.name;
    EXPECT_EQ(failed->pushResult, c.result) << c.name;
    EXPECT_EQ(failed->name, c.name);
  }
}

TEST(MediaShutdown, WaitingDialogAnswersServerStoppingOnSigterm) {
  ServerProcess server;
  auto asked = askInBackground(server.unixEndpoint(), "Going?");
  Client other(server.unixEndpoint());
  ASSERT_TRUE(eventually([&] { return openWindowOfKind(other, api::WindowKind::QUESTION).has_value(); }));
  EXPECT_EQ(server.stop(), 0);
  ASSERT_EQ(asked.wait_for(30s), std::future_status::ready);
  EXPECT_EQ(asked.get(), api::CloseReason::SERVER_STOPPING);
}

}  // namespace
}  // namespace vitrine::test
