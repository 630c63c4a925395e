// What the fuzz targets share: a check that survives NDEBUG, and a stand-in
// for VitrineService that answers every call at once, so the generated
// processor (its argument readers, its reply and exception writers) runs
// without a Stage, windows or an event loop.
#pragma once

#include <thrift/Thrift.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "vitrine/api/Vitrine.h"

namespace vitrine::fuzz {

/// Aborts (a crash libFuzzer records, with the input) when `condition` is
/// false: a property of our code that bytes from a peer must never break.
#define VITRINE_FUZZ_CHECK(condition)                                                                   \
  do {                                                                                                  \
    if (!(condition)) {                                                                                 \
      std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #condition);           \
      std::abort();                                                                                     \
    }                                                                                                   \
  } while (false)

/// How FuzzHandler answers the next call. The targets pick one per call from
/// the input (Thrift: the call's seqid; AMP: its `_ask` tag), so the fuzzer
/// reaches every reply shape: the processor's exception writers, and on the
/// AMP side replyToBox's answer and error paths.
enum class Outcome {
  Default,           ///< What VitrineCobSvNull answers: default values.
  Filled,            ///< Every optional field set; echoes request values where the type allows.
  InvalidArgument,   ///< Thrown through exn_cob, where the method has one (else Default).
  WindowNotFound,    ///< Likewise; undeclared for most methods: a TApplicationException then.
  DialogCanceled,
  LimitExceeded,
  RuntimeError,      ///< A std::runtime_error: always a TApplicationException.
  kCount
};

inline Outcome outcomeFrom(std::uint32_t selector) {
  return static_cast<Outcome>(selector % static_cast<std::uint32_t>(Outcome::kCount));
}

/// api::VitrineCobSvIf answering every call synchronously, as chosen by
/// `outcome`. Single-threaded; no state kept between calls.
class FuzzHandler : public api::VitrineCobSvNull {
 public:
  using Throw = std::function<void(apache::thrift::TDelayedException*)>;
  Outcome outcome = Outcome::Default;

  void whatsLoaded(std::function<void(const std::string&)> cob) override {
    cob(filled() ? std::string("caf\xc3\xa9") : std::string());
  }
  void currentUrl(std::function<void(const std::string&)> cob) override {
    cob(filled() ? std::string("https://example.org/") : std::string());
  }
  void fetchUrl(std::function<void(const api::PushResult::type&)> cob, const api::PushUrl& url) override {
    cob(filled() ? static_cast<api::PushResult::type>(url.name.size() % 5) : api::PushResult::OK);
  }
  void postHtml(std::function<void(const api::PushResult::type&)> cob, const api::PushHtml& html) override {
    cob(filled() ? static_cast<api::PushResult::type>(html.data.size() % 5) : api::PushResult::OK);
  }
  void serverInfo(std::function<void(const api::ServerInfo&)> cob) override {
    api::ServerInfo info;
    if (filled()) {
      info.version = "0.1.0";
      info.uptimeMs = 1234567;
      info.connections = 3;
      info.callsServed = -1;
      info.windows = 2;
      info.listeners = {"unix:/tmp/v", "tcp:127.0.0.1:9090", "amp:tcp:127.0.0.1:31337"};
      info.platform = "offscreen";
      info.qtVersion = "6.4.2";
      info.pid = 42;
    }
    cob(info);
  }
  void screenshot(std::function<void(const std::string&)> cob, Throw exn, const std::int64_t windowId) override {
    if (raise(exn, windowId)) return;
    cob(filled() ? std::string("\x89PNG\r\n\x1a\n\0\0", 10) : std::string());
  }
  void say(std::function<void(const std::int64_t&)> cob, Throw exn, const std::string& text,
           const api::SayOptions&) override {
    if (raise(exn, 0)) return;
    cob(filled() ? static_cast<std::int64_t>(text.size()) : 0);
  }
  void sayAndWait(std::function<void(const std::string&)> cob, Throw exn, const std::string& text,
                  const api::SayOptions& options) override {
    if (raise(exn, 0)) return;
    if (!filled()) return cob({});
    cob(options.__isset.actions && !options.actions.empty() ? options.actions.front().key : text);
  }
  void ask(std::function<void(const api::Answer&)> cob, Throw exn, const api::Question& question) override {
    if (raise(exn, 0)) return;
    api::Answer answer;
    if (filled()) {
      // Every field the question could lead to, taken from the question itself.
      answer.kind = question.kind;
      answer.__set_text(question.__isset.defaultText ? question.defaultText : question.prompt);
      answer.__set_integer(question.__isset.defaultInteger ? question.defaultInteger : -7);
      answer.__set_number(question.__isset.defaultNumber ? question.defaultNumber : 0.1);
      answer.__set_choices(question.choices);
      answer.__set_choiceIndices(question.defaultChoices);
      answer.__set_yes(question.__isset.defaultYes ? question.defaultYes : true);
    }
    cob(answer);
  }
  void chooseFile(std::function<void(const std::string&)> cob, Throw exn, const api::FileChooser& chooser) override {
    if (raise(exn, 0)) return;
    cob(filled() ? chooser.directory + "/" + chooser.defaultName : std::string());
  }
  void chooseColor(std::function<void(const api::Color&)> cob, Throw exn, const api::Color& initial,
                   const api::ColorChooser& options) override {
    if (raise(exn, 0)) return;
    api::Color color;
    if (filled()) {
      color = initial;
      if (options.__isset.withAlpha && options.withAlpha && !color.__isset.a) color.__set_a(255);
    }
    cob(color);
  }
  void showPicture(std::function<void(const std::int64_t&)> cob, Throw exn, const api::Picture& picture,
                   const api::PictureOptions&) override {
    if (raise(exn, 0)) return;
    cob(filled() ? static_cast<std::int64_t>(picture.width) * picture.height : 0);
  }
  void updatePicture(std::function<void()> cob, Throw exn, const std::int64_t windowId, const api::Picture&) override {
    if (raise(exn, windowId)) return;
    cob();
  }
  void closeWindow(std::function<void()> cob, Throw exn, const std::int64_t windowId) override {
    if (raise(exn, windowId)) return;
    cob();
  }
  void isClosed(std::function<void(const bool&)> cob, const std::int64_t windowId) override {
    cob(filled() && windowId != 0);
  }
  void listWindows(std::function<void(const std::vector<api::WindowInfo>&)> cob) override {
    std::vector<api::WindowInfo> windows;
    if (filled()) {
      for (int i = 0; i < 3; ++i) {
        api::WindowInfo info;
        info.id = i;
        info.kind = static_cast<api::WindowKind::type>(i);
        info.title = i == 1 ? std::string("Na\xc3\xafve") : std::string();
        info.name = "w" + std::to_string(i);
        info.geometry.x = -i;
        info.geometry.y = i;
        info.geometry.width = 640;
        info.geometry.height = 480;
        info.visible = i != 2;
        windows.push_back(info);
      }
    }
    cob(windows);
  }
  void waitEvents(std::function<void(const std::vector<api::Event>&)> cob, const std::int64_t afterSequence,
                  const std::int32_t timeoutMs) override {
    std::vector<api::Event> events;
    if (filled()) {
      // One event of each kind, with the optional fields that kind carries.
      for (int kind = 0; kind <= static_cast<int>(api::EventKind::EVENTS_MISSED); ++kind) {
        api::Event event;
        event.sequence = afterSequence + kind + 1;
        event.kind = static_cast<api::EventKind::type>(kind);
        event.windowId = kind;
        event.timeMs = timeoutMs;
        switch (event.kind) {
          case api::EventKind::WINDOW_CLOSED:
            event.__set_closeReason(api::CloseReason::CLIENT_DISCONNECTED);
            break;
          case api::EventKind::ACTION_INVOKED:
            event.__set_action("ok");
            break;
          case api::EventKind::PIXEL_CLICKED: {
            event.__set_x(3);
            event.__set_y(-4);
            api::Color color;
            color.r = 1;
            color.g = 2;
            color.b = 3;
            color.__set_a(4);
            event.__set_color(color);
            break;
          }
          case api::EventKind::ANSWER_GIVEN: {
            api::Answer answer;
            answer.kind = api::QuestionKind::MULTI_CHOICE;
            answer.__set_choices({"a", "b\xc3\xa9"});
            answer.__set_choiceIndices({0, 2});
            event.__set_answer(answer);
            break;
          }
          case api::EventKind::PAGE_LOADED:
            event.__set_name("lobby");
            event.__set_url("https://example.org/");
            break;
          case api::EventKind::EVENTS_MISSED:
            event.__set_missed(17);
            break;
        }
        events.push_back(event);
      }
    }
    cob(events);
  }
  void subscribeEvents(std::function<void()> cob, Throw exn, const std::int64_t afterSequence) override {
    if (raise(exn, afterSequence)) return;
    cob();
  }

 private:
  bool filled() const { return outcome == Outcome::Filled; }

  /// Throws through `exn` when the outcome says so; returns whether it did.
  bool raise(const Throw& exn, std::int64_t windowId) const {
    using apache::thrift::TDelayedException;
    switch (outcome) {
      case Outcome::Default:
      case Outcome::Filled:
      case Outcome::kCount:
        return false;
      case Outcome::InvalidArgument: {
        api::InvalidArgument e;
        e.__set_message("argument 'x' is not valid");
        exn(TDelayedException::delayException(e));
        return true;
      }
      case Outcome::WindowNotFound: {
        api::WindowNotFound e;
        e.__set_windowId(windowId);
        e.__set_message("no window with id " + std::to_string(windowId) + " is open");
        exn(TDelayedException::delayException(e));
        return true;
      }
      case Outcome::DialogCanceled: {
        api::DialogCanceled e;
        e.__set_reason(api::CloseReason::TIMED_OUT);
        // No message: replyToBox falls back to the type name.
        exn(TDelayedException::delayException(e));
        return true;
      }
      case Outcome::LimitExceeded: {
        api::LimitExceeded e;
        e.__set_message("too many windows (--max-windows 0)");
        exn(TDelayedException::delayException(e));
        return true;
      }
      case Outcome::RuntimeError:
        exn(TDelayedException::delayException(std::runtime_error("handler failed")));
        return true;
    }
    return false;
  }
};

}  // namespace vitrine::fuzz
