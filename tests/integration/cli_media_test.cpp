// The media subcommands of the `vitrine` tool against the real server,
// headless: what can be checked without a person at the screen (windows
// opening and closing, screenshots of them, dialogs that time out or are
// closed by another client, the event stream).
#include <gtest/gtest.h>

#include <QColor>
#include <QImage>
#include <chrono>
#include <cstdio>
#include <future>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/eventually.h"
#include "support/process.h"
#include "support/server_process.h"
#include "support/shared_server_suite.h"

namespace vitrine::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// What a finished `vitrine` run left behind.
struct CliRun {
  int exitCode = -1;
  std::string out;
  std::string err;
};

std::vector<std::string> splitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

std::vector<std::string> splitTabs(const std::string& line) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  while (true) {
    const std::size_t tab = line.find('\t', start);
    fields.push_back(line.substr(start, tab - start));
    if (tab == std::string::npos) {
      return fields;
    }
    start = tab + 1;
  }
}

class CliMedia : public SharedServerSuite<CliMedia> {
 public:
  static std::vector<std::string> serverArgs() { return {"--size", "320x240"}; }

 protected:

  // Runs `vitrine --address SERVER args...` to completion.
  static CliRun vitrine(const std::vector<std::string>& args, const std::string& input = {}) {
    CliRun run;
    run.exitCode = runCommand(vitrineCommand(*server_, args), &run.out, &run.err, input);
    return run;
  }

  static std::string describe(const CliRun& run) {
    return "exit " + std::to_string(run.exitCode) + "\nstdout: " + run.out + "\nstderr: " + run.err;
  }

  // A PNG of `width` x `height` pixels all of `color`, in the server's
  // directory; returns its path.
  static std::string writePng(const std::string& name, const QColor& color, int width = 200, int height = 150) {
    QImage image(width, height, QImage::Format_RGB32);
    image.fill(color);
    const std::string path = server_->directory() + "/" + name;
    if (!image.save(QString::fromStdString(path), "PNG")) {
      ADD_FAILURE() << "cannot write " << path;
    }
    return path;
  }

  // The colour at the centre of a screenshot of window `id`.
  static QColor centreOfWindow(const std::string& id) {
    const std::string file = server_->directory() + "/window-" + id + ".png";
    CliRun shot = vitrine({"screenshot", "--output", file, id});
    EXPECT_EQ(shot.exitCode, 0) << describe(shot);
    const QImage image(QString::fromStdString(file));
    if (image.isNull()) {
      ADD_FAILURE() << "screenshot of window " << id << " is not a PNG";
      return QColor();
    }
    return image.pixelColor(image.width() / 2, image.height() / 2);
  }

  // The fields of the `vitrine windows` line of window `id`; empty when it
  // is not listed.
  static std::vector<std::string> windowFields(const std::string& id) {
    CliRun list = vitrine({"windows"});
    EXPECT_EQ(list.exitCode, 0) << describe(list);
    for (const auto& line : splitLines(list.out)) {
      auto fields = splitTabs(line);
      if (!fields.empty() && fields[0] == id) {
        return fields;
      }
    }
    return {};
  }

  // Polls `vitrine windows` until a window of `kind` titled `title` is
  // listed (at most 30 s); returns its id, or "" when none appeared.
  static std::string waitForWindow(const std::string& kind, const std::string& title) {
    // The dialog opens once the server has read the other process's call;
    // nothing signals that to this process, so look again every 50 ms.
    std::string id;
    eventually(
        [&] {
          CliRun list = vitrine({"windows"});
          for (const auto& line : splitLines(list.out)) {
            auto fields = splitTabs(line);
            if (fields.size() >= 5 && fields[1] == kind && fields[4] == title) {
              id = fields[0];
              return true;
            }
          }
          return false;
        },
        30s, 50ms);
    return id;
  }

};

TEST_F(CliMedia, ShowListScreenshotUpdateClose) {
  CliRun shown = vitrine({"show", writePng("red.png", QColor(255, 0, 0)), "--title", "Red square", "--name", "red"});
  ASSERT_EQ(shown.exitCode, 0) << describe(shown);
  ASSERT_FALSE(shown.out.empty());
  const std::string id = shown.out.substr(0, shown.out.find('\n'));
  EXPECT_GE(std::stoll(id), 1) << shown.out;

  auto fields = windowFields(id);
  ASSERT_EQ(fields.size(), 6u) << "window " << id << " not listed";
  EXPECT_EQ(fields[1], "PICTURE");
  EXPECT_EQ(fields[4], "Red square");
  EXPECT_EQ(fields[5], "red");

  EXPECT_EQ(centreOfWindow(id), QColor(255, 0, 0));

  CliRun updated = vitrine({"update", id, writePng("blue.png", QColor(0, 0, 255))});
  ASSERT_EQ(updated.exitCode, 0) << describe(updated);
  EXPECT_EQ(updated.out, "");
  EXPECT_EQ(centreOfWindow(id), QColor(0, 0, 255));

  CliRun closed = vitrine({"close", id});
  EXPECT_EQ(closed.exitCode, 0) << describe(closed);
  EXPECT_TRUE(windowFields(id).empty());

  CliRun again = vitrine({"close", id});
  EXPECT_EQ(again.exitCode, 1) << describe(again);
  EXPECT_NE(again.err.find(id), std::string::npos) << again.err;
  CliRun shotOfClosed = vitrine({"screenshot", "--output", server_->directory() + "/closed.png", id});
  EXPECT_EQ(shotOfClosed.exitCode, 1) << describe(shotOfClosed);
  CliRun updateOfClosed = vitrine({"update", id, server_->directory() + "/red.png"});
  EXPECT_EQ(updateOfClosed.exitCode, 1) << describe(updateOfClosed);
}

TEST_F(CliMedia, ShowFromStdinAndWindowsJson) {
  const std::string file = writePng("green.png", QColor(0, 255, 0), 64, 48);
  std::string bytes;
  {
    std::FILE* in = std::fopen(file.c_str(), "rb");
    ASSERT_NE(in, nullptr);
    char buffer[4096];
    for (std::size_t got; (got = std::fread(buffer, 1, sizeof buffer, in)) > 0;) {
      bytes.append(buffer, got);
    }
    std::fclose(in);
  }
  CliRun shown = vitrine({"show", "-", "--name", "from-stdin"}, bytes);
  ASSERT_EQ(shown.exitCode, 0) << describe(shown);
  const std::string id = shown.out.substr(0, shown.out.find('\n'));

  CliRun listed = vitrine({"windows", "--json"});
  ASSERT_EQ(listed.exitCode, 0) << describe(listed);
  EXPECT_EQ(listed.out.rfind("[\n  {\"id\":0,\"kind\":\"STAGE\"", 0), 0u) << listed.out;
  EXPECT_NE(listed.out.find("{\"id\":" + id + ",\"kind\":\"PICTURE\""), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("\"name\":\"from-stdin\""), std::string::npos) << listed.out;
  EXPECT_EQ(vitrine({"close", id}).exitCode, 0);
}

TEST_F(CliMedia, ShowOfANonImageIsAUsageError) {
  const std::string file = server_->directory() + "/notes.txt";
  std::FILE* out = std::fopen(file.c_str(), "w");
  ASSERT_NE(out, nullptr);
  std::fputs("not a picture\n", out);
  std::fclose(out);
  CliRun shown = vitrine({"show", file});
  EXPECT_EQ(shown.exitCode, 2) << describe(shown);
  EXPECT_NE(shown.err.find("not a PNG or JPEG"), std::string::npos) << shown.err;
}

TEST_F(CliMedia, SayOpensAPopupThatCanBeScreenshotAndClosed) {
  CliRun said = vitrine({"say", "Hello from the CLI", "--title", "cli-media-say", "--name", "greeting"});
  ASSERT_EQ(said.exitCode, 0) << describe(said);
  const std::string id = said.out.substr(0, said.out.find('\n'));
  EXPECT_GE(std::stoll(id), 1) << said.out;

  auto fields = windowFields(id);
  ASSERT_EQ(fields.size(), 6u) << "window " << id << " not listed";
  EXPECT_EQ(fields[1], "POPUP");
  EXPECT_EQ(fields[4], "cli-media-say");
  EXPECT_EQ(fields[5], "greeting");

  const std::string file = server_->directory() + "/popup.png";
  CliRun shot = vitrine({"screenshot", "-o", file, id});
  EXPECT_EQ(shot.exitCode, 0) << describe(shot);
  EXPECT_FALSE(QImage(QString::fromStdString(file)).isNull());

  EXPECT_EQ(vitrine({"close", id}).exitCode, 0);
}

TEST_F(CliMedia, SayWaitReturnsNothingWhenThePopupTimesOut) {
  CliRun said = vitrine({"say", "Gone soon", "--timeout", "300", "--action", "ok=OK", "--wait"});
  EXPECT_EQ(said.exitCode, 0) << describe(said);
  EXPECT_EQ(said.out, "");
}

TEST_F(CliMedia, DialogsThatTimeOutExitFive) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"ask", "Anyone there?", "--timeout", "300"},
        std::vector<std::string>{"ask", "Sure?", "--kind", "yes-no", "--timeout", "300"},
        std::vector<std::string>{"choose-file", "--timeout", "300"},
        std::vector<std::string>{"choose-color", "--timeout", "300"}}) {
    CliRun run = vitrine(args);
    EXPECT_EQ(run.exitCode, 5) << args[0] << ": " << describe(run);
    EXPECT_EQ(run.out, "");
  }
}

TEST_F(CliMedia, AskClosedByAnotherClientExitsOne) {
  // Its own timeout only ends the test sooner (with exit 5) if the window
  // never shows up in the list.
  auto asking = std::async(std::launch::async,
                           [] { return vitrine({"ask", "Who is there?", "--title", "cli-media-ask", "--timeout", "30000"}); });
  const std::string id = waitForWindow("QUESTION", "cli-media-ask");
  ASSERT_FALSE(id.empty()) << "the question never appeared in `vitrine windows`";

  CliRun closed = vitrine({"close", id});
  EXPECT_EQ(closed.exitCode, 0) << describe(closed);
  CliRun asked = asking.get();
  EXPECT_EQ(asked.exitCode, 1) << describe(asked);
  EXPECT_EQ(asked.out, "");
}

TEST_F(CliMedia, EventsRefusesAnUnknownKind) {
  CliRun run = vitrine({"events", "--kind", "WINDOW_EXPLODED", "--count", "1"});
  EXPECT_EQ(run.exitCode, 2) << describe(run);
  EXPECT_NE(run.err.find("WINDOW_EXPLODED"), std::string::npos) << run.err;
}

TEST_F(CliMedia, EventsReportsAWindowClosed) {
  auto following =
      std::async(std::launch::async, [] { return vitrine({"events", "--kind", "WINDOW_CLOSED", "--count", "1"}); });
  // The follower reports what happens after it has started, and nothing
  // tells this process when that is: open and close windows until it has
  // reported one of them.
  std::set<std::string> closedIds;
  const auto deadline = Clock::now() + 30s;
  const std::string png = writePng("events.png", QColor(10, 20, 30), 32, 32);
  while (following.wait_for(100ms) != std::future_status::ready && Clock::now() < deadline) {
    CliRun shown = vitrine({"show", png});
    ASSERT_EQ(shown.exitCode, 0) << describe(shown);
    const std::string id = shown.out.substr(0, shown.out.find('\n'));
    ASSERT_EQ(vitrine({"close", id}).exitCode, 0);
    closedIds.insert(id);
  }
  CliRun followed = following.get();
  ASSERT_EQ(followed.exitCode, 0) << describe(followed);
  auto lines = splitLines(followed.out);
  ASSERT_EQ(lines.size(), 1u) << followed.out;
  EXPECT_NE(lines[0].find(" WINDOW_CLOSED "), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find(" reason=CLOSED_BY_CLIENT"), std::string::npos) << lines[0];
  const auto at = lines[0].find(" window=");
  ASSERT_NE(at, std::string::npos) << lines[0];
  const std::string window = lines[0].substr(at + 8, lines[0].find(' ', at + 8) - (at + 8));
  EXPECT_EQ(closedIds.count(window), 1u) << lines[0];

  // The same event is in the log for a follower from the start, as JSON.
  CliRun fromStart = vitrine({"events", "--from-start", "--count", "1", "--json"});
  EXPECT_EQ(fromStart.exitCode, 0) << describe(fromStart);
  EXPECT_EQ(fromStart.out.rfind("{\"sequence\":", 0), 0u) << fromStart.out;
}

}  // namespace
}  // namespace vitrine::test
