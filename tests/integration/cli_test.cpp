// The `vitrine` command-line tool against the real server.
#include <gtest/gtest.h>

#include <QColor>
#include <QImage>
#include <fstream>
#include <sstream>

#include "support/process.h"
#include "support/server_process.h"
#include "support/shared_server_suite.h"

namespace vitrine::test {
namespace {

class Cli : public SharedServerSuite<Cli> {
 public:
  static std::vector<std::string> serverArgs() { return {"--size", "320x240"}; }

 protected:
  int vitrine(std::vector<std::string> args, std::string* out, std::string* err = nullptr, const std::string& input = {}) {
    std::string ignored;
    return runCommand(vitrineCommand(*server_, args), out, err ? err : &ignored, input);
  }
};

TEST_F(Cli, HtmlFromStdinThenLoadedThenScreenshot) {
  std::string out, err;
  ASSERT_EQ(vitrine({"html", "-", "--name", "menu"}, &out, &err,
                    "<html><body style='margin:0;background:#2040c0'></body></html>"),
            0)
      << err;
  EXPECT_EQ(out, "OK\n");
  ASSERT_EQ(vitrine({"loaded"}, &out), 0);
  EXPECT_EQ(out.rfind("menu\tvitrine:html/", 0), 0u) << out;

  const std::string file = server_->directory() + "/stage.png";
  ASSERT_EQ(vitrine({"screenshot", "--output", file}, &out, &err), 0) << err;
  const QImage image(QString::fromStdString(file));
  ASSERT_FALSE(image.isNull());
  EXPECT_EQ(image.pixelColor(160, 120), QColor("#2040c0"));
}

TEST_F(Cli, HtmlFromAFileUsesItsNameByDefault) {
  const std::string file = server_->directory() + "/lobby.html";
  std::ofstream(file) << "<html><body>lobby</body></html>";
  std::string out, err;
  ASSERT_EQ(vitrine({"html", file}, &out, &err), 0) << err;
  ASSERT_EQ(vitrine({"loaded"}, &out), 0);
  EXPECT_EQ(out.rfind("lobby.html\t", 0), 0u) << out;
}

TEST_F(Cli, UrlPrintsTheResultAndExitsNonZeroOnFailure) {
  std::string out, err;
  EXPECT_EQ(vitrine({"url", "data:text/html,<p>hi</p>", "--name", "hi"}, &out, &err), 0) << err;
  EXPECT_EQ(out, "OK\n");
  EXPECT_EQ(vitrine({"url", "http://127.0.0.1:1/", "--name", "down"}, &out, &err), 1);
  EXPECT_NE((out + err).find("LOAD_FAILED"), std::string::npos);
  EXPECT_EQ(vitrine({"url", "gopher://x/"}, &out, &err), 1);
  EXPECT_NE((out + err).find("INVALID_ARGUMENT"), std::string::npos);
}

TEST_F(Cli, PingAndInfo) {
  std::string out;
  EXPECT_EQ(vitrine({"ping"}, &out), 0);
  EXPECT_NE(out.find("pong"), std::string::npos);
  EXPECT_EQ(vitrine({"info"}, &out), 0);
  EXPECT_NE(out.find("0.1.0"), std::string::npos);
  EXPECT_NE(out.find(server_->unixEndpoint().toString()), std::string::npos);
}

TEST_F(Cli, ScreenshotOfAnUnknownWindowExitsOne) {
  std::string out, err;
  EXPECT_EQ(vitrine({"screenshot", "--output", server_->directory() + "/x.png", "99"}, &out, &err), 1);
  EXPECT_NE(err.find("99"), std::string::npos) << err;
}

}  // namespace
}  // namespace vitrine::test
