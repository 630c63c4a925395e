// The stage against the real server: pushes, their answers, and what is on screen.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QColor>
#include <QImage>
#include <future>

#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include "pixels.h"
#include "support/raw_socket.h"
#include "support/shared_server_suite.h"
#include "vitrine/client.h"

namespace vitrine::test {
namespace {

using namespace std::chrono_literals;

std::string page(const char* color) {
  return std::string("<!doctype html><html><body style='margin:0;background:") + color + "'></body></html>";
}

/// A TCP port that accepts connections (the kernel does, via the backlog)
/// and never answers: a page load from it hangs until someone gives up.
class SilentHttpServer {
 public:
  SilentHttpServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(fd_, 16);
    socklen_t length = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~SilentHttpServer() { ::close(fd_); }
  /// True once a client (the stage's browser) has connected, within `timeout`.
  bool browserConnected(std::chrono::milliseconds timeout = 30s) const {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(timeout.count())) == 1;
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/never"; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

class StageTest : public SharedServerSuite<StageTest> {
 public:
  static std::vector<std::string> serverArgs() { return {"--size", "320x240", "--load-timeout", "20000"}; }

 protected:
  Client client() { return Client(server_->unixEndpoint()); }
};

TEST_F(StageTest, PostedHtmlIsOnTheScreenWhenTheCallAnswers) {
  Client c = client();
  for (const char* color : {"#ff0000", "#00ff00", "#0000ff", "#336699"}) {
    ASSERT_EQ(c.postHtml("menu", page(color)), api::PushResult::OK);
    EXPECT_EQ(centerOf(c.screenshot(0)), QColor(color)) << color;
  }
  EXPECT_EQ(c.whatsLoaded(), "menu");
  EXPECT_EQ(c.currentUrl().rfind("vitrine:html/", 0), 0u) << c.currentUrl();
}

TEST_F(StageTest, ScreenshotIsAPngOfTheStageSize) {
  Client c = client();
  ASSERT_EQ(c.postHtml("size", page("#ffffff")), api::PushResult::OK);
  const std::string png = c.screenshot();
  ASSERT_GT(png.size(), 8u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  const QImage image = QImage::fromData(reinterpret_cast<const uchar*>(png.data()), static_cast<int>(png.size()));
  EXPECT_EQ(image.size(), QSize(320, 240));
}

TEST_F(StageTest, HtmlLargerThanSetHtmlsTwoMegabytesIsShown) {
  Client c = client();
  std::string html = "<!doctype html><html><body style='margin:0;background:#804020'><!--";
  html += std::string(3 << 20, 'x');
  html += "--></body></html>";
  ASSERT_EQ(c.postHtml("big", html), api::PushResult::OK);
  EXPECT_EQ(centerOf(c.screenshot()), QColor("#804020"));
}

TEST_F(StageTest, DataUrlIsFetched) {
  Client c = client();
  const std::string url = "data:text/html," + std::string("<body style='margin:0;background:%23102030'></body>");
  ASSERT_EQ(c.fetchUrl("data", url), api::PushResult::OK);
  EXPECT_EQ(c.whatsLoaded(), "data");
  // The URL as loaded: percent-encoded where the client wrote raw characters.
  EXPECT_EQ(c.currentUrl(), "data:text/html,%3Cbody%20style='margin:0;background:%23102030'%3E%3C/body%3E");
  EXPECT_EQ(centerOf(c.screenshot()), QColor("#102030"));
}

TEST_F(StageTest, ForbiddenOrMalformedUrlsAnswerInvalidArgumentAndChangeNothing) {
  Client c = client();
  ASSERT_EQ(c.postHtml("before", page("#123456")), api::PushResult::OK);
  for (const char* url : {"file:///etc/passwd", "javascript:alert(1)", "ftp://example.org/", "not a url", "", "http://"}) {
    EXPECT_EQ(c.fetchUrl("bad", url), api::PushResult::INVALID_ARGUMENT) << url;
  }
  EXPECT_EQ(c.whatsLoaded(), "before");
  EXPECT_EQ(centerOf(c.screenshot()), QColor("#123456"));
}

TEST_F(StageTest, UnreachableUrlIsLoadFailedAndTheStageKeepsItsPage) {
  Client c = client();
  ASSERT_EQ(c.postHtml("kept", page("#aa5500")), api::PushResult::OK);
  EXPECT_EQ(c.fetchUrl("nowhere", "http://127.0.0.1:1/"), api::PushResult::LOAD_FAILED);
  EXPECT_EQ(c.whatsLoaded(), "kept");
  EXPECT_EQ(centerOf(c.screenshot()), QColor("#aa5500"));
  c.ping();
}

TEST_F(StageTest, SlowPageTimesOutWithThePerCallTimeout) {
  SilentHttpServer silent;
  Client c = client();
  ASSERT_EQ(c.postHtml("still here", page("#0a0b0c")), api::PushResult::OK);
  EXPECT_EQ(c.fetchUrl("slow", silent.url(), 300ms), api::PushResult::TIMED_OUT);
  EXPECT_EQ(c.whatsLoaded(), "still here");
}

TEST_F(StageTest, NewerPushSupersedesAPendingOneAndBothAnswer) {
  SilentHttpServer silent;
  auto first = std::async(std::launch::async, [&] {
    Client c(server_->unixEndpoint());
    return c.fetchUrl("slow", silent.url());
  });
  ASSERT_TRUE(silent.browserConnected()) << "the slow push never reached the network";
  Client second = client();
  EXPECT_EQ(second.postHtml("fast", page("#00aa00")), api::PushResult::OK);
  ASSERT_EQ(first.wait_for(30s), std::future_status::ready);
  EXPECT_EQ(first.get(), api::PushResult::SUPERSEDED);
  EXPECT_EQ(second.whatsLoaded(), "fast");
}

TEST_F(StageTest, OtherClientsAreServedWhileAPushWaits) {
  SilentHttpServer silent;
  auto pending = std::async(std::launch::async, [&] {
    Client pusher(server_->unixEndpoint());
    return pusher.fetchUrl("slow", silent.url());
  });
  ASSERT_TRUE(silent.browserConnected());
  Client other = client();
  for (int i = 0; i < 20; ++i) other.ping();
  EXPECT_EQ(other.whatsLoaded(), other.whatsLoaded());
  EXPECT_NE(pending.wait_for(0s), std::future_status::ready) << "the push should still be waiting for its page";
  ASSERT_EQ(other.postHtml("next", page("#101010")), api::PushResult::OK);
  EXPECT_EQ(pending.get(), api::PushResult::SUPERSEDED);
}

// The serialised argument struct of fetchUrl(PushUrl{name, url}).
std::string fetchUrlArgs(const std::string& name, const std::string& url) {
  auto buffer = std::make_shared<apache::thrift::transport::TMemoryBuffer>();
  apache::thrift::protocol::TBinaryProtocol protocol(buffer);
  api::PushUrl push;
  push.name = name;
  push.url = url;
  api::DisplayManager_fetchUrl_pargs args;
  args.url = &push;
  args.write(&protocol);
  return buffer->getBufferAsString();
}

TEST_F(StageTest, CallsQueuedBehindAWaitingPushAreAnsweredAfterItInOrder) {
  SilentHttpServer silent;
  RawSocket socket(server_->unixEndpoint());
  std::string burst = framedCall("fetchUrl", 1, fetchUrlArgs("slow", silent.url()));
  constexpr int kQueued = 300;  // well past the queue bound: the server stops reading, then resumes
  for (int i = 2; i <= kQueued + 1; ++i) burst += framedCall("ping", i);
  socket.send(burst);
  ASSERT_TRUE(silent.browserConnected());
  EXPECT_FALSE(socket.readFrame(200ms)) << "a queued call was answered before the call in flight";

  Client other = client();  // served meanwhile; its push ends the waiting one
  ASSERT_EQ(other.postHtml("next", page("#203040")), api::PushResult::OK);
  for (int i = 1; i <= kQueued + 1; ++i) {
    const auto reply = socket.readFrame();
    ASSERT_TRUE(reply) << "no reply to call " << i;
    const ReplyHeader header = parseReplyHeader(*reply);
    ASSERT_EQ(header.seqid, i);
    ASSERT_EQ(header.method, i == 1 ? "fetchUrl" : "ping");
  }
}

// A server of its own: nothing may have been pushed yet.
class UnusedStageTest : public SharedServerSuite<UnusedStageTest> {
 public:
  static std::vector<std::string> serverArgs() { return {"--size", "320x240"}; }
};

TEST_F(UnusedStageTest, OpensItsWindowWithTheFirstPushAndShowsNothingBefore) {
  Client c(server_->unixEndpoint());
  // Before any push there is no web page and no window, but the stage is listed at its size.
  api::WindowInfo stage = c.listWindows().front();
  EXPECT_EQ(stage.id, 0);
  EXPECT_EQ(stage.kind, api::WindowKind::STAGE);
  EXPECT_FALSE(stage.visible);
  EXPECT_EQ(stage.geometry.width, 320);
  EXPECT_EQ(stage.geometry.height, 240);
  EXPECT_FALSE(c.isClosed(0));
  const std::string png = c.screenshot(0);
  const QImage blank = QImage::fromData(reinterpret_cast<const uchar*>(png.data()), static_cast<int>(png.size()), "PNG");
  EXPECT_EQ(blank.size(), QSize(320, 240));
  EXPECT_EQ(centerOf(png), QColor(Qt::white));

  ASSERT_EQ(c.postHtml("first", page("#204080")), api::PushResult::OK);
  stage = c.listWindows().front();
  EXPECT_TRUE(stage.visible);
  EXPECT_EQ(stage.title, "vitrine stage");
  EXPECT_EQ(centerOf(c.screenshot(0)), QColor("#204080"));
}

}  // namespace
}  // namespace vitrine::test
