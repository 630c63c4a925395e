#include "service/vitrine_service.h"

#include <thrift/TApplicationException.h>
#include <unistd.h>

#include <QBuffer>
#include <QCoreApplication>
#include <QGuiApplication>
#include <QPointer>
#include <QThread>
#include <QTimer>

#include "base/logging.h"
#include "service/caller.h"
#include "service/conversions.h"
#include "service/field_limits.h"
#include "service/picture_decoder.h"
#include "service/server_stats.h"
#include "service/url_policy.h"
#include "service/utf8_fields.h"
#include "ui/chooser_windows.h"
#include "ui/picture_window.h"
#include "ui/popup_window.h"
#include "ui/question_window.h"
#include "ui/stage.h"
#include "vitrine/version.h"

// The service must only ever run on the GUI thread: that is the design.
#define VITRINE_ASSERT_GUI_THREAD() \
  Q_ASSERT_X(QThread::currentThread() == QCoreApplication::instance()->thread(), Q_FUNC_INFO, "not on the GUI thread")

namespace vitrine {

namespace {

using apache::thrift::TDelayedException;

api::PushResult::type toPushResult(Stage::Outcome outcome) {
  switch (outcome) {
    case Stage::Outcome::Shown:
      return api::PushResult::OK;
    case Stage::Outcome::LoadFailed:
      return api::PushResult::LOAD_FAILED;
    case Stage::Outcome::TimedOut:
      return api::PushResult::TIMED_OUT;
    case Stage::Outcome::Superseded:
      return api::PushResult::SUPERSEDED;
  }
  return api::PushResult::LOAD_FAILED;
}

// An event about the stage (window 0) and the page `name` at `url`.
api::Event stageEvent(api::EventKind::type kind, const QString& name, const QUrl& url) {
  api::Event event;
  event.kind = kind;
  event.__set_name(name.toStdString());
  event.__set_url(url.toString(QUrl::FullyEncoded).toStdString());
  return event;
}

// A push that did not put its page on the stage, for every client to hear.
api::Event pushFailed(api::PushResult::type result, const QString& name, const QUrl& url) {
  api::Event event = stageEvent(api::EventKind::PUSH_FAILED, name, url);
  event.__set_pushResult(result);
  return event;
}

// What a push named `name` answers once the stage is done with it; the
// outcome is an event too (PAGE_LOADED or PUSH_FAILED).
Stage::Done pushAnswer(const Stage& stage, EventLog& events, QString name,
                       std::function<void(api::PushResult::type const&)> cob) {
  return [&stage, &events, name = std::move(name), cob = std::move(cob)](Stage::Outcome outcome, const QUrl& url) {
    const api::PushResult::type result = toPushResult(outcome);
    if (outcome == Stage::Outcome::Shown) {
      events.append(stageEvent(api::EventKind::PAGE_LOADED, stage.name(), stage.url()));
    } else {
      events.append(pushFailed(result, name, url));
    }
    cob(result);
  };
}

template <class Exception>
TDelayedException* delayed(Exception exception) {
  return TDelayedException::delayException(std::move(exception));
}

api::InvalidArgument invalidArgument(const QString& message) {
  api::InvalidArgument error;
  error.message = message.toStdString();
  return error;
}

api::LimitExceeded limitExceeded(const QString& message) {
  api::LimitExceeded error;
  error.message = message.toStdString();
  return error;
}

// A field over its DisplayLimits, by name, with the limit and the flag that sets it.
api::LimitExceeded limitExceeded(const FieldOverLimit& over) {
  api::LimitExceeded error;
  error.message = over.message();
  return error;
}

api::AuthenticationFailed authenticationFailed() {
  api::AuthenticationFailed error;
  error.message = "wrong token: this server's token is the content of its --token-file";
  return error;
}

// The IDL's strings are UTF-8, but Thrift's readers pass any bytes on: a
// field that is not UTF-8 is refused by name rather than shown as U+FFFD
// (the AMP bridge refuses the same before the call is made).
QString notUtf8(const std::string& field) {
  return QStringLiteral("%1 is not valid UTF-8").arg(QString::fromStdString(field));
}

api::NotAllowed notAllowed(const QString& message) {
  api::NotAllowed error;
  error.message = message.toStdString();
  return error;
}

QString mebibytes(qint64 bytes) {
  return QString::number(static_cast<double>(bytes) / (1 << 20), 'f', 1);
}

api::WindowNotFound windowNotFound(std::int64_t id) {
  api::WindowNotFound error;
  error.windowId = id;
  error.message = "no window with id " + std::to_string(id) + " is open";
  return error;
}

api::DialogCanceled dialogCanceled(CloseReason reason) {
  static const char* const kWhy[] = {"the window was closed",         "the dialog was canceled",
                                     "a client closed the dialog",    "the dialog timed out",
                                     "the dialog was answered",       "an action was invoked",
                                     "the client disconnected",       "the server is stopping"};
  api::DialogCanceled error;
  error.reason = toApi(reason);
  error.message = kWhy[static_cast<int>(reason)];
  return error;
}

api::WindowInfo windowInfo(std::int64_t id, api::WindowKind::type kind, const QWidget& window, const QString& name) {
  api::WindowInfo info;
  info.id = id;
  info.kind = kind;
  info.title = window.windowTitle().toStdString();
  info.name = name.toStdString();
  const QRect g = window.geometry();
  info.geometry.x = g.x();
  info.geometry.y = g.y();
  info.geometry.width = g.width();
  info.geometry.height = g.height();
  info.visible = window.isVisible() && !window.isMinimized();
  return info;
}

std::string pngOf(const QImage& image) {
  QByteArray png;
  QBuffer buffer(&png);
  buffer.open(QIODevice::WriteOnly);
  image.save(&buffer, "PNG");
  return png.toStdString();
}

// Answers a decode failure through the exception callback; true when there was one.
// A picture argument whose bytes the handler may take (see showPicture in
// the header): the generated processor hands its own non-const argument
// struct through the interface's const reference, so the cast is sound, and
// an 8 MB frame is not copied once more.
api::Picture&& takeable(const api::Picture& picture) {
  return std::move(const_cast<api::Picture&>(picture));
}

}  // namespace

bool ServiceCore::failedDecode(const DecodedPicture& decoded, const ExceptionCob& exn_cob) const {
  switch (decoded.status) {
    case DecodedPicture::Status::Ok:
      return false;
    case DecodedPicture::Status::Invalid:
      exn_cob(delayed(invalidArgument(decoded.error)));
      return true;
    case DecodedPicture::Status::TooLarge:
      exn_cob(delayed(limitExceeded(decoded.error)));
      return true;
    case DecodedPicture::Status::OverBudget:
      exn_cob(delayed(limitExceeded(
          QStringLiteral("the picture's %1 MiB of pixels would take the open pictures past %2 MiB, the limit "
                         "(--max-picture-memory; %3 MiB in use); close some pictures first")
              .arg(mebibytes(decoded.bytes), mebibytes(options.maxPictureBytes), mebibytes(stats.pictureBytes)))));
      return true;
  }
  return false;
}

ServiceCore::ServiceCore(Stage& theStage, ServerStats& serverStats, ServiceOptions serviceOptions)
    : stage(theStage),
      stats(serverStats),
      options(std::move(serviceOptions)),
      events(options.eventLogCapacity, options.maxEventBatchBytes),
      windows(events, options.maxWindows, options.maxWindowsPerClient) {
  uptime.start();
  QObject::connect(&stage, &Stage::rendererRestarted, &events,
                   [this](const QString& name, const QUrl& url, const QString& reason) {
                     api::Event event = stageEvent(api::EventKind::RENDERER_RESTARTED, name, url);
                     event.__set_reason(reason.toStdString());
                     events.append(std::move(event));
                   });
}

ServiceCore::~ServiceCore() = default;

void ServiceCore::closeAllWindows() {
  windows.closeAll(CloseReason::ServerStopping);
}

void VitrineService::refusePush(const char* method, const QString& why, const std::string& name, const QUrl& url,
                                const std::function<void(api::PushResult::type const&)>& cob) {
  qCInfo(lcService).noquote() << method << "refused:" << why;
  // A name that is not UTF-8 is told in U+FFFD: the event is for every client, and must be text.
  core_.events.append(pushFailed(api::PushResult::INVALID_ARGUMENT, fromUtf8(name), url));
  cob(api::PushResult::INVALID_ARGUMENT);
}

std::chrono::milliseconds VitrineService::loadTimeout(bool isSet, int32_t timeoutMs) const {
  return isSet && timeoutMs > 0 ? std::chrono::milliseconds(timeoutMs) : core_.options.loadTimeout;
}

// ---------------------------------------------------------------- the stage

void VitrineService::fetchUrl(std::function<void(api::PushResult::type const&)> cob, const api::PushUrl& url) {
  VITRINE_ASSERT_GUI_THREAD();
  // fetchUrl declares no exceptions: a refusal is INVALID_ARGUMENT, and the log says why.
  const auto refuse = [&](const QString& why, const QUrl& parsed) {
    refusePush("fetchUrl", why, url.name, parsed, cob);
  };
  if (const auto over = firstFieldOverLimit(url, "url", core_.options.displayLimits)) {
    return refuse(QString::fromStdString(over->message()), QUrl());
  }
  if (const auto field = firstNonUtf8Field(url, "url")) return refuse(notUtf8(*field), QUrl());
  QString why;
  // A file: URL shows the server's files: a remote client needs --remote-files too.
  const bool fileUrls = core_.options.allowFileUrls && (core_.options.remoteFiles || !caller_.isRemote());
  std::optional<QUrl> target = parsePushableUrl(fromUtf8(url.url), fileUrls, &why);
  if (!target) return refuse(why, QUrl(fromUtf8(url.url)));
  core_.stage.showUrl(fromUtf8(url.name), *target, loadTimeout(url.__isset.timeoutMs, url.timeoutMs),
                      pushAnswer(core_.stage, core_.events, fromUtf8(url.name), std::move(cob)));
}

void VitrineService::postHtml(std::function<void(api::PushResult::type const&)> cob, const api::PushHtml& html) {
  VITRINE_ASSERT_GUI_THREAD();
  if (const auto over = firstFieldOverLimit(html, "html", core_.options.displayLimits)) {
    return refusePush("postHtml", QString::fromStdString(over->message()), html.name, QUrl(), cob);
  }
  if (const auto field = firstNonUtf8Field(html, "html")) return refusePush("postHtml", notUtf8(*field), html.name, QUrl(), cob);
  core_.stage.showHtml(fromUtf8(html.name), QByteArray(html.data.data(), static_cast<qsizetype>(html.data.size())),
                       loadTimeout(html.__isset.timeoutMs, html.timeoutMs),
                       pushAnswer(core_.stage, core_.events, fromUtf8(html.name), std::move(cob)));
}

void VitrineService::whatsLoaded(std::function<void(std::string const&)> cob) {
  VITRINE_ASSERT_GUI_THREAD();
  cob(core_.stage.name().toStdString());
}

void VitrineService::currentUrl(std::function<void(std::string const&)> cob) {
  VITRINE_ASSERT_GUI_THREAD();
  cob(core_.stage.url().toString(QUrl::FullyEncoded).toStdString());
}

// ---------------------------------------------------------------- the server

void VitrineService::authenticate(std::function<void()> cob, ExceptionCob exn_cob, const std::string& token) {
  VITRINE_ASSERT_GUI_THREAD();
  // The transport asks nothing of us but the verdict: it is the one that
  // refuses other calls before it (and closes after a wrong token).
  const QString client = caller_.clientKey();
  if (!core_.options.authToken || core_.options.authToken->matches(token)) {
    core_.authThrottle.succeeded(client);
    caller_.authenticationSucceeded();
    return cob();
  }
  // A wrong token is answered late, later with each try (AuthThrottle): a
  // guesser gets a handful of tries a minute, not thousands a second. The
  // connection serves nothing meanwhile (it is not authenticated) and may go:
  // the timer goes with it (its context is the caller's lifetime).
  const std::chrono::milliseconds delay = core_.authThrottle.failed(client);
  QTimer::singleShot(delay, caller_.lifetime(), [caller = &caller_, exn_cob] {
    caller->authenticationFailed();
    exn_cob(delayed(authenticationFailed()));
  });
}

void VitrineService::ping(std::function<void()> cob) {
  VITRINE_ASSERT_GUI_THREAD();
  cob();
}

void VitrineService::serverInfo(std::function<void(api::ServerInfo const&)> cob) {
  VITRINE_ASSERT_GUI_THREAD();
  api::ServerInfo info;
  info.version = kVersion;
  info.uptimeMs = core_.uptime.elapsed();
  info.connections = core_.stats.connections;
  info.callsServed = core_.stats.callsServed;
  info.windows = 1 + static_cast<int32_t>(core_.windows.size());  // the stage and the rest
  for (const QString& listener : core_.listeners) info.listeners.push_back(listener.toStdString());
  info.platform = QGuiApplication::platformName().toStdString();
  info.qtVersion = qVersion();
  info.pid = static_cast<int32_t>(::getpid());
  info.longestTurnUs = core_.stats.turns.longest().count();
  info.longestTurnCause = core_.stats.turns.longestCause().toStdString();
  info.slowTurns = core_.stats.turns.slowTurns();
  info.pictureBytes = core_.stats.pictureBytes;
  info.unsentBytes = core_.stats.unsentBytes;
  cob(info);
}

void VitrineService::resetLongestTurn(std::function<void()> cob) {
  VITRINE_ASSERT_GUI_THREAD();
  core_.stats.turns.resetLongest();
  cob();
}

// ---------------------------------------------------------------- windows

void VitrineService::screenshot(std::function<void(std::string const&)> cob, ExceptionCob exn_cob,
                                const int64_t windowId) {
  VITRINE_ASSERT_GUI_THREAD();
  if (windowId != 0) {
    const WindowRegistry::Entry* entry = core_.windows.entry(windowId);
    if (!entry) return exn_cob(delayed(windowNotFound(windowId)));
    if (entry->kind == api::WindowKind::FILE_CHOOSER && !core_.options.remoteFiles && caller_.isRemote()) {
      return exn_cob(delayed(notAllowed(QStringLiteral(
          "a file chooser shows the server's files: a remote client may not take its screenshot unless the server "
          "has --remote-files"))));
    }
  }
  // Rendering is the GUI thread's, when its turn comes (a few screenshots are
  // under way at a time, however many are asked for); compressing the PNG
  // (tens of milliseconds for a screenful, more for a noisy picture) is not.
  core_.background.run<std::string>(
      [core = &core_, windowId, exn_cob]() -> std::function<std::string()> {
        QImage image;
        if (windowId == 0) {
          image = core->stage.grab();
        } else {
          ManagedWindow* window = core->windows.find(windowId);
          if (!window) {
            exn_cob(delayed(windowNotFound(windowId)));  // closed while the screenshot waited
            return {};
          }
          image = window->grab().toImage();
        }
        return [image] { return pngOf(image); };
      },
      [cob](std::string png) { cob(png); });
}

void VitrineService::closeWindow(std::function<void()> cob, ExceptionCob exn_cob, const int64_t windowId) {
  VITRINE_ASSERT_GUI_THREAD();
  ManagedWindow* window = core_.windows.find(windowId);
  if (!window) return exn_cob(delayed(windowNotFound(windowId)));
  window->closeFor(CloseReason::ClosedByClient);
  cob();
}

void VitrineService::isClosed(std::function<void(bool const&)> cob, const int64_t windowId) {
  VITRINE_ASSERT_GUI_THREAD();
  cob(windowId != 0 && core_.windows.find(windowId) == nullptr);
}

void VitrineService::listWindows(std::function<void(std::vector<api::WindowInfo> const&)> cob) {
  VITRINE_ASSERT_GUI_THREAD();
  std::vector<api::WindowInfo> out;
  if (const QWidget* stageWindow = core_.stage.window()) {
    out.push_back(windowInfo(0, api::WindowKind::STAGE, *stageWindow, core_.stage.name()));
  } else {
    // Not used yet: no window exists or is shown (see Stage).
    api::WindowInfo stage;
    stage.kind = api::WindowKind::STAGE;
    stage.title = Stage::title().toStdString();
    stage.geometry.width = core_.stage.plannedSize().width();
    stage.geometry.height = core_.stage.plannedSize().height();
    out.push_back(std::move(stage));
  }
  for (const WindowRegistry::Entry* entry : core_.windows.entries()) {
    out.push_back(windowInfo(entry->id, entry->kind, *entry->window, entry->name));
  }
  cob(out);
}

void VitrineService::waitEvents(std::function<void(std::vector<api::Event> const&)> cob, const int64_t afterSequence,
                                const int32_t timeoutMs) {
  VITRINE_ASSERT_GUI_THREAD();
  core_.events.wait(afterSequence, std::chrono::milliseconds(std::max(0, timeoutMs)), caller_.lifetime(),
                    [cob](const std::vector<api::Event>& events) { cob(events); });
}

void VitrineService::subscribeEvents(std::function<void()> cob, ExceptionCob exn_cob, const int64_t afterSequence) {
  VITRINE_ASSERT_GUI_THREAD();
  EventSubscriber* subscriber = caller_.eventSubscriber();
  if (!subscriber) {
    return exn_cob(delayed(invalidArgument(QStringLiteral(
        "subscribeEvents pushes events as AMP commands, which a Thrift connection cannot receive: call waitEvents"))));
  }
  if (afterSequence < -1) {
    return exn_cob(delayed(invalidArgument(QStringLiteral("afterSequence must be -1 (only new events) or more"))));
  }
  subscriber->subscribeEvents(core_.events, afterSequence == -1 ? core_.events.lastSequence() : afterSequence);
  cob();
}

void VitrineService::unsubscribeEvents(std::function<void()> cob) {
  VITRINE_ASSERT_GUI_THREAD();
  if (EventSubscriber* subscriber = caller_.eventSubscriber()) subscriber->unsubscribeEvents();
  cob();
}

bool VitrineService::checkRoom(const ExceptionCob& exn_cob) {
  const std::optional<QString> why = core_.windows.whyNoRoom(caller_.clientKey());
  if (!why) return true;
  exn_cob(delayed(limitExceeded(*why)));
  return false;
}

std::int64_t VitrineService::openDialog(ManagedWindow* window, api::WindowKind::type kind, QString name,
                                        std::chrono::milliseconds timeout) {
  const std::int64_t id = core_.windows.add(window, kind, std::move(name), caller_.clientKey());
  // The caller waits for this dialog; if it goes, nobody will read the answer.
  QObject::connect(caller_.lifetime(), &QObject::destroyed, window,
                   [window] { window->closeFor(CloseReason::ClientDisconnected); });
  window->closeAfter(timeout);
  window->show();
  return id;
}

// ---------------------------------------------------------------- popups

PopupWindow* VitrineService::openPopup(const std::string& text, const api::SayOptions& options,
                                       const ExceptionCob& exn_cob, std::int64_t* id) {
  // Sizes first: nothing of a text or a row of buttons over its limit is looked at further, let alone laid out.
  std::optional<FieldOverLimit> over = firstFieldOverLimit(text, "text", core_.options.displayLimits);
  if (!over) over = firstFieldOverLimit(options, "options", core_.options.displayLimits);
  if (over) {
    exn_cob(delayed(limitExceeded(*over)));
    return nullptr;
  }
  std::optional<std::string> field = firstNonUtf8Field(text, "text");
  if (!field) field = firstNonUtf8Field(options, "options");
  if (field) {
    exn_cob(delayed(invalidArgument(notUtf8(*field))));
    return nullptr;
  }
  std::vector<PopupAction> actions;
  for (const api::Action& action : options.actions) {
    if (action.key.empty()) {
      exn_cob(delayed(invalidArgument(QStringLiteral("every action needs a non-empty key"))));
      return nullptr;
    }
    actions.push_back(PopupAction{fromUtf8(action.key), fromUtf8(action.label)});
  }
  if (options.__isset.timeoutMs && options.timeoutMs < 0) {
    exn_cob(delayed(invalidArgument(QStringLiteral("timeoutMs must not be negative"))));
    return nullptr;
  }
  if (!checkRoom(exn_cob)) return nullptr;
  auto* popup = new PopupWindow(fromUtf8(text), options.__isset.title ? fromUtf8(options.title) : QStringLiteral("vitrine"),
                                actions);
  *id = core_.windows.add(popup, api::WindowKind::POPUP, fromUtf8(options.name), caller_.clientKey());
  QObject::connect(popup, &PopupWindow::actionInvoked, popup, [core = &core_, windowId = *id](const QString& key) {
    api::Event event;
    event.kind = api::EventKind::ACTION_INVOKED;
    event.windowId = windowId;
    event.__set_action(key.toStdString());
    core->events.append(std::move(event));
  });
  popup->closeAfter(optionalTimeout(options.__isset.timeoutMs, options.timeoutMs));
  return popup;
}

void VitrineService::say(std::function<void(int64_t const&)> cob, ExceptionCob exn_cob, const std::string& text,
                         const api::SayOptions& options) {
  VITRINE_ASSERT_GUI_THREAD();
  std::int64_t id = 0;
  PopupWindow* popup = openPopup(text, options, exn_cob, &id);
  if (!popup) return;
  popup->show();
  cob(id);
}

void VitrineService::sayAndWait(std::function<void(std::string const&)> cob, ExceptionCob exn_cob,
                                const std::string& text, const api::SayOptions& options) {
  VITRINE_ASSERT_GUI_THREAD();
  std::int64_t id = 0;
  PopupWindow* popup = openPopup(text, options, exn_cob, &id);
  if (!popup) return;
  auto pressed = std::make_shared<std::string>();
  QObject::connect(popup, &PopupWindow::actionInvoked, popup, [pressed](const QString& key) { *pressed = key.toStdString(); });
  QObject::connect(popup, &ManagedWindow::windowClosed, popup, [cob, pressed](CloseReason) { cob(*pressed); });
  QObject::connect(caller_.lifetime(), &QObject::destroyed, popup,
                   [popup] { popup->closeFor(CloseReason::ClientDisconnected); });
  popup->show();
}

// ---------------------------------------------------------------- dialogs

void VitrineService::ask(std::function<void(api::Answer const&)> cob, ExceptionCob exn_cob,
                         const api::Question& question) {
  VITRINE_ASSERT_GUI_THREAD();
  if (const auto over = firstFieldOverLimit(question, "question", core_.options.displayLimits)) {
    return exn_cob(delayed(limitExceeded(*over)));
  }
  if (const auto field = firstNonUtf8Field(question, "question")) return exn_cob(delayed(invalidArgument(notUtf8(*field))));
  QString why;
  // The choices move into the window, as takeable() does for pictures (see ask in the header): a list of
  // 100,000 is neither copied nor converted here; the window's list shows each row when it is drawn.
  std::optional<QuestionSpec> spec = toQuestionSpec(std::move(const_cast<api::Question&>(question)), &why);
  if (!spec) return exn_cob(delayed(invalidArgument(why)));
  if (!checkRoom(exn_cob)) return;
  const QString title = spec->title;
  const QuestionSpec::Kind kind = spec->kind;
  auto* window = new QuestionWindow(std::move(*spec));
  // Connected after opening: no signal can come before control returns to the event loop.
  const std::int64_t id = openDialog(window, api::WindowKind::QUESTION, title,
                                     optionalTimeout(question.__isset.timeoutMs, question.timeoutMs));
  auto answered = std::make_shared<bool>(false);
  QObject::connect(window, &QuestionWindow::answered, window,
                   [core = &core_, cob, answered, id, kind](const QuestionAnswer& answer) {
                     *answered = true;
                     api::Answer result = toApiAnswer(answer, kind);
                     api::Event event;
                     event.kind = api::EventKind::ANSWER_GIVEN;
                     event.windowId = id;
                     // Every client can read events: a password goes only to the one who asked.
                     api::Answer shared = result;
                     if (shared.kind == api::QuestionKind::PASSWORD) {
                       shared.text.clear();
                       shared.__isset.text = false;
                     }
                     event.__set_answer(shared);
                     core->events.append(std::move(event));
                     cob(result);
                   });
  QObject::connect(window, &ManagedWindow::windowClosed, window, [exn_cob, answered](CloseReason reason) {
    if (!*answered) exn_cob(delayed(dialogCanceled(reason)));
  });
}

void VitrineService::chooseFile(std::function<void(std::string const&)> cob, ExceptionCob exn_cob,
                                const api::FileChooser& chooser) {
  VITRINE_ASSERT_GUI_THREAD();
  if (const auto over = firstFieldOverLimit(chooser, "chooser", core_.options.displayLimits)) {
    return exn_cob(delayed(limitExceeded(*over)));
  }
  if (const auto field = firstNonUtf8Field(chooser, "chooser")) {
    // chooseFile declares no InvalidArgument: the caller gets a TApplicationException with this message.
    return exn_cob(delayed(apache::thrift::TApplicationException(apache::thrift::TApplicationException::PROTOCOL_ERROR,
                                                                 notUtf8(*field).toStdString())));
  }
  if (!core_.options.remoteFiles && caller_.isRemote()) {
    return exn_cob(delayed(notAllowed(QStringLiteral(
        "chooseFile browses the server's files: a remote client may call it only when the server has --remote-files"))));
  }
  if (!checkRoom(exn_cob)) return;
  auto* window = new FileChooserWindow(toFileChooserSpec(chooser));
  auto answered = std::make_shared<bool>(false);
  QObject::connect(window, &FileChooserWindow::chosen, window, [cob, answered](const QString& path) {
    *answered = true;
    cob(path.toStdString());
  });
  QObject::connect(window, &ManagedWindow::windowClosed, window, [exn_cob, answered](CloseReason reason) {
    if (!*answered) exn_cob(delayed(dialogCanceled(reason)));
  });
  openDialog(window, api::WindowKind::FILE_CHOOSER, window->windowTitle(),
             optionalTimeout(chooser.__isset.timeoutMs, chooser.timeoutMs));
}

void VitrineService::chooseColor(std::function<void(api::Color const&)> cob, ExceptionCob exn_cob,
                                 const api::Color& initial, const api::ColorChooser& options) {
  VITRINE_ASSERT_GUI_THREAD();
  if (const auto over = firstFieldOverLimit(options, "options", core_.options.displayLimits)) {
    return exn_cob(delayed(limitExceeded(*over)));
  }
  if (const auto field = firstNonUtf8Field(options, "options")) return exn_cob(delayed(invalidArgument(notUtf8(*field))));
  QString why;
  std::optional<QColor> start = toQColor(initial, &why);
  if (!start) return exn_cob(delayed(invalidArgument(why)));
  if (!checkRoom(exn_cob)) return;
  const bool withAlpha = options.__isset.withAlpha && options.withAlpha;
  auto* window = new ColorChooserWindow(options.__isset.title ? fromUtf8(options.title) : QStringLiteral("Choose a colour"),
                                        *start, withAlpha);
  auto answered = std::make_shared<bool>(false);
  QObject::connect(window, &ColorChooserWindow::chosen, window, [cob, answered, withAlpha](const QColor& color) {
    *answered = true;
    cob(toApiColor(color, withAlpha));
  });
  QObject::connect(window, &ManagedWindow::windowClosed, window, [exn_cob, answered](CloseReason reason) {
    if (!*answered) exn_cob(delayed(dialogCanceled(reason)));
  });
  openDialog(window, api::WindowKind::COLOR_CHOOSER, window->windowTitle(),
             optionalTimeout(options.__isset.timeoutMs, options.timeoutMs));
}

// ---------------------------------------------------------------- pictures

qint64 ServiceCore::pictureRoom() const {
  return options.maxPictureBytes - stats.pictureBytes - reservedPictureBytes;
}

template <class Finish>
void VitrineService::decodeThen(const api::Picture& picture, qint64 room, QImage* reuse, ExceptionCob exn_cob,
                                Finish finish) {
  if (!decodingTakesLong(picture)) {
    DecodedPicture decoded = decodePicture(takeable(picture), core_.options.maxPicturePixels, reuse, room);
    if (core_.failedDecode(decoded, exn_cob)) return;
    return finish(std::move(decoded.image));
  }
  // A PNG or JPEG (or a large copy) costs more than a frame: decoded on
  // BackgroundWork, with its bytes set aside in the budget from now on, so
  // that pictures decoding side by side cannot pass it together.
  const std::optional<qint64> planned = decodedPictureBytes(picture);
  if (!planned || *planned > room) {
    // A bad size or header, or over a limit: decodePicture refuses it from
    // the header (with the reason, the pixel limit first), decoding nothing.
    DecodedPicture refused = decodePicture(picture, core_.options.maxPicturePixels, nullptr, room);
    if (!core_.failedDecode(refused, exn_cob)) finish(std::move(refused.image));  // cannot happen: the header said no
    return;
  }
  const qint64 reserved = *planned;
  core_.reservedPictureBytes += reserved;
  auto owned = std::make_shared<api::Picture>(takeable(picture));
  core_.background.run<DecodedPicture>(
      [owned, maxPixels = core_.options.maxPicturePixels, room]() -> std::function<DecodedPicture()> {
        return [owned, maxPixels, room] { return decodePicture(std::move(*owned), maxPixels, nullptr, room); };
      },
      [core = &core_, reserved, exn_cob, finish = std::move(finish)](DecodedPicture decoded) mutable {
        core->reservedPictureBytes -= reserved;
        if (core->failedDecode(decoded, exn_cob)) return;
        finish(std::move(decoded.image));
      });
}

void VitrineService::showPicture(std::function<void(int64_t const&)> cob, ExceptionCob exn_cob,
                                 const api::Picture& picture, const api::PictureOptions& options) {
  VITRINE_ASSERT_GUI_THREAD();
  if (const auto over = firstFieldOverLimit(options, "options", core_.options.displayLimits)) {
    return exn_cob(delayed(limitExceeded(*over)));
  }
  if (const auto field = firstNonUtf8Field(options, "options")) return exn_cob(delayed(invalidArgument(notUtf8(*field))));
  if (!checkRoom(exn_cob)) return;
  const QString client = caller_.clientKey();
  decodeThen(picture, core_.pictureRoom(), nullptr, exn_cob,
             [core = &core_, cob, exn_cob, options, client](QImage image) {
               // Decoded later, maybe: the room may have gone meanwhile.
               if (const std::optional<QString> why = core->windows.whyNoRoom(client)) {
                 return exn_cob(delayed(limitExceeded(*why)));
               }
               const bool inspectable = options.__isset.inspectable && options.inspectable;
               auto* window = new PictureWindow(
                   options.__isset.title ? fromUtf8(options.title) : QStringLiteral("vitrine picture"),
                   std::move(image), inspectable, &core->stats.pictureBytes);
               const std::int64_t id = core->windows.add(window, api::WindowKind::PICTURE, fromUtf8(options.name), client);
               QObject::connect(window, &PictureWindow::pixelClicked, window,
                                [core, id](int x, int y, const QColor& color) {
                                  api::Event event;
                                  event.kind = api::EventKind::PIXEL_CLICKED;
                                  event.windowId = id;
                                  event.__set_x(x);
                                  event.__set_y(y);
                                  event.__set_color(toApiColor(color, color.alpha() != 255));
                                  core->events.append(std::move(event));
                                });
               window->show();
               cob(id);
             });
}

void VitrineService::updatePicture(std::function<void()> cob, ExceptionCob exn_cob, const int64_t windowId,
                                   const api::Picture& picture) {
  VITRINE_ASSERT_GUI_THREAD();
  const WindowRegistry::Entry* entry = core_.windows.entry(windowId);
  if (!entry || entry->kind != api::WindowKind::PICTURE) return exn_cob(delayed(windowNotFound(windowId)));
  auto* window = static_cast<PictureWindow*>(entry->window.data());
  // A picture of the same size and format is written over the shown one's
  // pixels (no allocation); the window repaints at the screen's pace. The
  // picture it replaces gives its bytes back to the budget.
  decodeThen(picture, core_.pictureRoom() + window->imageBytes(), window->reusableImage(), exn_cob,
             [core = &core_, cob, exn_cob, windowId](QImage image) {
               // Decoded later, maybe: the window may have closed meanwhile.
               const WindowRegistry::Entry* shown = core->windows.entry(windowId);
               if (!shown || shown->kind != api::WindowKind::PICTURE) return exn_cob(delayed(windowNotFound(windowId)));
               static_cast<PictureWindow*>(shown->window.data())->setImage(std::move(image));
               cob();
             });
}

}  // namespace vitrine
