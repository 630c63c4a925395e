#include "service/vitrine_service.h"

#include <thrift/TApplicationException.h>
#include <unistd.h>

#include <QBuffer>
#include <QCoreApplication>
#include <QGuiApplication>
#include <QPointer>
#include <QThread>
#include <QTimer>

#include "app/logging.h"
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

// What a push answers once the stage is done with it; a page now shown is also an event.
Stage::Done pushAnswer(const Stage& stage, EventLog& events, std::function<void(api::PushResult::type const&)> cob) {
  return [&stage, &events, cob = std::move(cob)](Stage::Outcome outcome) {
    if (outcome == Stage::Outcome::Shown) events.append(stageEvent(api::EventKind::PAGE_LOADED, stage.name(), stage.url()));
    cob(toPushResult(outcome));
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

// Who is calling, as the connection being served says (service/caller.h).
// No caller (nothing in the server calls without one today) is the owner.
QString callerClientKey() {
  const auto* identity = dynamic_cast<const IdentifiedCaller*>(currentCaller());
  return identity ? identity->clientKey() : QStringLiteral("owner");
}

bool callerIsRemote() {
  const auto* identity = dynamic_cast<const IdentifiedCaller*>(currentCaller());
  return identity && identity->isRemote();
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

bool VitrineService::failedDecode(const DecodedPicture& decoded, const ExceptionCob& exn_cob) const {
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
              .arg(mebibytes(decoded.bytes), mebibytes(options_.maxPictureBytes), mebibytes(stats_.pictureBytes)))));
      return true;
  }
  return false;
}

VitrineService::VitrineService(Stage& stage, ServerStats& stats, ServiceOptions options)
    : stage_(stage),
      stats_(stats),
      options_(options),
      events_(options.eventLogCapacity, options.maxEventBatchBytes),
      windows_(events_, options.maxWindows, options.maxWindowsPerClient) {
  uptime_.start();
  QObject::connect(&stage_, &Stage::rendererRestarted, &events_,
                   [this](const QString& name, const QUrl& url, const QString& reason) {
                     api::Event event = stageEvent(api::EventKind::RENDERER_RESTARTED, name, url);
                     event.__set_reason(reason.toStdString());
                     events_.append(std::move(event));
                   });
}

VitrineService::~VitrineService() = default;

void VitrineService::closeAllWindows() {
  windows_.closeAll(CloseReason::ServerStopping);
}

std::chrono::milliseconds VitrineService::loadTimeout(bool isSet, int32_t timeoutMs) const {
  return isSet && timeoutMs > 0 ? std::chrono::milliseconds(timeoutMs) : options_.loadTimeout;
}

// ---------------------------------------------------------------- the stage

void VitrineService::fetchUrl(std::function<void(api::PushResult::type const&)> cob, const api::PushUrl& url) {
  VITRINE_ASSERT_GUI_THREAD();
  // fetchUrl declares no exceptions: a refusal is INVALID_ARGUMENT, and the log says why.
  if (const auto over = firstFieldOverLimit(url, "url", options_.displayLimits)) {
    qCInfo(lcService).noquote() << "fetchUrl refused:" << QString::fromStdString(over->message());
    return cob(api::PushResult::INVALID_ARGUMENT);
  }
  if (const auto field = firstNonUtf8Field(url, "url")) {
    qCInfo(lcService).noquote() << "fetchUrl refused:" << notUtf8(*field);
    return cob(api::PushResult::INVALID_ARGUMENT);
  }
  QString why;
  // A file: URL shows the server's files: a remote client needs --remote-files too.
  const bool fileUrls = options_.allowFileUrls && (options_.remoteFiles || !callerIsRemote());
  std::optional<QUrl> target = parsePushableUrl(fromUtf8(url.url), fileUrls, &why);
  if (!target) {
    qCInfo(lcService).noquote() << "fetchUrl refused:" << why;
    return cob(api::PushResult::INVALID_ARGUMENT);
  }
  stage_.showUrl(fromUtf8(url.name), *target, loadTimeout(url.__isset.timeoutMs, url.timeoutMs),
                 pushAnswer(stage_, events_, std::move(cob)));
}

void VitrineService::postHtml(std::function<void(api::PushResult::type const&)> cob, const api::PushHtml& html) {
  VITRINE_ASSERT_GUI_THREAD();
  if (const auto over = firstFieldOverLimit(html, "html", options_.displayLimits)) {
    qCInfo(lcService).noquote() << "postHtml refused:" << QString::fromStdString(over->message());
    return cob(api::PushResult::INVALID_ARGUMENT);
  }
  if (const auto field = firstNonUtf8Field(html, "html")) {
    qCInfo(lcService).noquote() << "postHtml refused:" << notUtf8(*field);
    return cob(api::PushResult::INVALID_ARGUMENT);
  }
  stage_.showHtml(fromUtf8(html.name), QByteArray(html.data.data(), static_cast<qsizetype>(html.data.size())),
                  loadTimeout(html.__isset.timeoutMs, html.timeoutMs), pushAnswer(stage_, events_, std::move(cob)));
}

void VitrineService::whatsLoaded(std::function<void(std::string const&)> cob) {
  VITRINE_ASSERT_GUI_THREAD();
  cob(stage_.name().toStdString());
}

void VitrineService::currentUrl(std::function<void(std::string const&)> cob) {
  VITRINE_ASSERT_GUI_THREAD();
  cob(stage_.url().toString(QUrl::FullyEncoded).toStdString());
}

// ---------------------------------------------------------------- the server

void VitrineService::authenticate(std::function<void()> cob, ExceptionCob exn_cob, const std::string& token) {
  VITRINE_ASSERT_GUI_THREAD();
  // The transport asks nothing of us but the verdict: it is the one that
  // refuses other calls before it (and closes after a wrong token).
  QObject* callerObject = currentCaller();
  const QString client = callerClientKey();
  if (!options_.authToken || options_.authToken->matches(token)) {
    authThrottle_.succeeded(client);
    if (auto* caller = dynamic_cast<AuthenticatingCaller*>(callerObject)) caller->authenticationSucceeded();
    return cob();
  }
  // A wrong token is answered late, later with each try (AuthThrottle): a
  // guesser gets a handful of tries a minute, not thousands a second. The
  // connection serves nothing meanwhile (it is not authenticated) and may go.
  const std::chrono::milliseconds delay = authThrottle_.failed(client);
  QTimer::singleShot(delay, callerObject ? callerObject : qApp, [caller = QPointer<QObject>(callerObject), exn_cob] {
    if (auto* authenticating = dynamic_cast<AuthenticatingCaller*>(caller.data())) authenticating->authenticationFailed();
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
  info.uptimeMs = uptime_.elapsed();
  info.connections = stats_.connections;
  info.callsServed = stats_.callsServed;
  info.windows = 1 + static_cast<int32_t>(windows_.size());  // the stage and the rest
  for (const QString& listener : listeners_) info.listeners.push_back(listener.toStdString());
  info.platform = QGuiApplication::platformName().toStdString();
  info.qtVersion = qVersion();
  info.pid = static_cast<int32_t>(::getpid());
  info.longestTurnUs = stats_.turns.longest().count();
  info.longestTurnCause = stats_.turns.longestCause().toStdString();
  info.slowTurns = stats_.turns.slowTurns();
  info.pictureBytes = stats_.pictureBytes;
  info.unsentBytes = stats_.unsentBytes;
  cob(info);
}

void VitrineService::resetLongestTurn(std::function<void()> cob) {
  VITRINE_ASSERT_GUI_THREAD();
  stats_.turns.resetLongest();
  cob();
}

// ---------------------------------------------------------------- windows

void VitrineService::screenshot(std::function<void(std::string const&)> cob, ExceptionCob exn_cob,
                                const int64_t windowId) {
  VITRINE_ASSERT_GUI_THREAD();
  if (windowId != 0) {
    const WindowRegistry::Entry* entry = windows_.entry(windowId);
    if (!entry) return exn_cob(delayed(windowNotFound(windowId)));
    if (entry->kind == api::WindowKind::FILE_CHOOSER && !options_.remoteFiles && callerIsRemote()) {
      return exn_cob(delayed(notAllowed(QStringLiteral(
          "a file chooser shows the server's files: a remote client may not take its screenshot unless the server "
          "has --remote-files"))));
    }
  }
  // Rendering is the GUI thread's, when its turn comes (a few screenshots are
  // under way at a time, however many are asked for); compressing the PNG
  // (tens of milliseconds for a screenful, more for a noisy picture) is not.
  background_.run<std::string>(
      [this, windowId, exn_cob]() -> std::function<std::string()> {
        QImage image;
        if (windowId == 0) {
          image = stage_.grab();
        } else {
          ManagedWindow* window = windows_.find(windowId);
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
  ManagedWindow* window = windows_.find(windowId);
  if (!window) return exn_cob(delayed(windowNotFound(windowId)));
  window->closeFor(CloseReason::ClosedByClient);
  cob();
}

void VitrineService::isClosed(std::function<void(bool const&)> cob, const int64_t windowId) {
  VITRINE_ASSERT_GUI_THREAD();
  cob(windowId != 0 && windows_.find(windowId) == nullptr);
}

void VitrineService::listWindows(std::function<void(std::vector<api::WindowInfo> const&)> cob) {
  VITRINE_ASSERT_GUI_THREAD();
  std::vector<api::WindowInfo> out;
  if (const QWidget* stageWindow = stage_.window()) {
    out.push_back(windowInfo(0, api::WindowKind::STAGE, *stageWindow, stage_.name()));
  } else {
    // Not used yet: no window exists or is shown (see Stage).
    api::WindowInfo stage;
    stage.kind = api::WindowKind::STAGE;
    stage.title = Stage::title().toStdString();
    stage.geometry.width = stage_.plannedSize().width();
    stage.geometry.height = stage_.plannedSize().height();
    out.push_back(std::move(stage));
  }
  for (const WindowRegistry::Entry* entry : windows_.entries()) {
    out.push_back(windowInfo(entry->id, entry->kind, *entry->window, entry->name));
  }
  cob(out);
}

void VitrineService::waitEvents(std::function<void(std::vector<api::Event> const&)> cob, const int64_t afterSequence,
                                const int32_t timeoutMs) {
  VITRINE_ASSERT_GUI_THREAD();
  events_.wait(afterSequence, std::chrono::milliseconds(std::max(0, timeoutMs)), currentCaller(),
               [cob](const std::vector<api::Event>& events) { cob(events); });
}

void VitrineService::subscribeEvents(std::function<void()> cob, ExceptionCob exn_cob, const int64_t afterSequence) {
  VITRINE_ASSERT_GUI_THREAD();
  auto* subscriber = dynamic_cast<EventSubscriber*>(currentCaller());
  if (!subscriber) {
    return exn_cob(delayed(invalidArgument(QStringLiteral(
        "subscribeEvents pushes events as AMP commands, which a Thrift connection cannot receive: call waitEvents"))));
  }
  if (afterSequence < -1) {
    return exn_cob(delayed(invalidArgument(QStringLiteral("afterSequence must be -1 (only new events) or more"))));
  }
  subscriber->subscribeEvents(events_, afterSequence == -1 ? events_.lastSequence() : afterSequence);
  cob();
}

void VitrineService::unsubscribeEvents(std::function<void()> cob) {
  VITRINE_ASSERT_GUI_THREAD();
  if (auto* subscriber = dynamic_cast<EventSubscriber*>(currentCaller())) subscriber->unsubscribeEvents();
  cob();
}

bool VitrineService::checkRoom(const ExceptionCob& exn_cob) {
  const std::optional<QString> why = windows_.whyNoRoom(callerClientKey());
  if (!why) return true;
  exn_cob(delayed(limitExceeded(*why)));
  return false;
}

std::int64_t VitrineService::openDialog(ManagedWindow* window, api::WindowKind::type kind, QString name,
                                        std::chrono::milliseconds timeout) {
  const std::int64_t id = windows_.add(window, kind, std::move(name), callerClientKey());
  // The caller waits for this dialog; if it goes, nobody will read the answer.
  if (QObject* caller = currentCaller()) {
    QObject::connect(caller, &QObject::destroyed, window, [window] { window->closeFor(CloseReason::ClientDisconnected); });
  }
  window->closeAfter(timeout);
  window->show();
  return id;
}

// ---------------------------------------------------------------- popups

PopupWindow* VitrineService::openPopup(const std::string& text, const api::SayOptions& options,
                                       const ExceptionCob& exn_cob, std::int64_t* id) {
  // Sizes first: nothing of a text or a row of buttons over its limit is looked at further, let alone laid out.
  std::optional<FieldOverLimit> over = firstFieldOverLimit(text, "text", options_.displayLimits);
  if (!over) over = firstFieldOverLimit(options, "options", options_.displayLimits);
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
  *id = windows_.add(popup, api::WindowKind::POPUP, fromUtf8(options.name), callerClientKey());
  QObject::connect(popup, &PopupWindow::actionInvoked, popup, [this, windowId = *id](const QString& key) {
    api::Event event;
    event.kind = api::EventKind::ACTION_INVOKED;
    event.windowId = windowId;
    event.__set_action(key.toStdString());
    events_.append(std::move(event));
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
  if (QObject* caller = currentCaller()) {
    QObject::connect(caller, &QObject::destroyed, popup, [popup] { popup->closeFor(CloseReason::ClientDisconnected); });
  }
  popup->show();
}

// ---------------------------------------------------------------- dialogs

void VitrineService::ask(std::function<void(api::Answer const&)> cob, ExceptionCob exn_cob,
                         const api::Question& question) {
  VITRINE_ASSERT_GUI_THREAD();
  if (const auto over = firstFieldOverLimit(question, "question", options_.displayLimits)) {
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
                   [this, cob, answered, id, kind](const QuestionAnswer& answer) {
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
                     events_.append(std::move(event));
                     cob(result);
                   });
  QObject::connect(window, &ManagedWindow::windowClosed, window, [exn_cob, answered](CloseReason reason) {
    if (!*answered) exn_cob(delayed(dialogCanceled(reason)));
  });
}

void VitrineService::chooseFile(std::function<void(std::string const&)> cob, ExceptionCob exn_cob,
                                const api::FileChooser& chooser) {
  VITRINE_ASSERT_GUI_THREAD();
  if (const auto over = firstFieldOverLimit(chooser, "chooser", options_.displayLimits)) {
    return exn_cob(delayed(limitExceeded(*over)));
  }
  if (const auto field = firstNonUtf8Field(chooser, "chooser")) {
    // chooseFile declares no InvalidArgument: the caller gets a TApplicationException with this message.
    return exn_cob(delayed(apache::thrift::TApplicationException(apache::thrift::TApplicationException::PROTOCOL_ERROR,
                                                                 notUtf8(*field).toStdString())));
  }
  if (!options_.remoteFiles && callerIsRemote()) {
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
  if (const auto over = firstFieldOverLimit(options, "options", options_.displayLimits)) {
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

qint64 VitrineService::pictureRoom() const {
  return options_.maxPictureBytes - stats_.pictureBytes - reservedPictureBytes_;
}

template <class Finish>
void VitrineService::decodeThen(const api::Picture& picture, qint64 room, QImage* reuse, ExceptionCob exn_cob,
                                Finish finish) {
  if (!decodingTakesLong(picture)) {
    DecodedPicture decoded = decodePicture(takeable(picture), options_.maxPicturePixels, reuse, room);
    if (failedDecode(decoded, exn_cob)) return;
    return finish(std::move(decoded.image));
  }
  // A PNG or JPEG (or a large copy) costs more than a frame: decoded on
  // BackgroundWork, with its bytes set aside in the budget from now on, so
  // that pictures decoding side by side cannot pass it together.
  const std::optional<qint64> planned = decodedPictureBytes(picture);
  if (!planned || *planned > room) {
    // A bad size or header, or over a limit: decodePicture refuses it from
    // the header (with the reason, the pixel limit first), decoding nothing.
    DecodedPicture refused = decodePicture(picture, options_.maxPicturePixels, nullptr, room);
    if (!failedDecode(refused, exn_cob)) finish(std::move(refused.image));  // cannot happen: the header said no
    return;
  }
  const qint64 reserved = *planned;
  reservedPictureBytes_ += reserved;
  auto owned = std::make_shared<api::Picture>(takeable(picture));
  background_.run<DecodedPicture>(
      [owned, maxPixels = options_.maxPicturePixels, room]() -> std::function<DecodedPicture()> {
        return [owned, maxPixels, room] { return decodePicture(std::move(*owned), maxPixels, nullptr, room); };
      },
      [this, reserved, exn_cob, finish = std::move(finish)](DecodedPicture decoded) mutable {
        reservedPictureBytes_ -= reserved;
        if (failedDecode(decoded, exn_cob)) return;
        finish(std::move(decoded.image));
      });
}

void VitrineService::showPicture(std::function<void(int64_t const&)> cob, ExceptionCob exn_cob,
                                 const api::Picture& picture, const api::PictureOptions& options) {
  VITRINE_ASSERT_GUI_THREAD();
  if (const auto over = firstFieldOverLimit(options, "options", options_.displayLimits)) {
    return exn_cob(delayed(limitExceeded(*over)));
  }
  if (const auto field = firstNonUtf8Field(options, "options")) return exn_cob(delayed(invalidArgument(notUtf8(*field))));
  if (!checkRoom(exn_cob)) return;
  const QString client = callerClientKey();
  decodeThen(picture, pictureRoom(), nullptr, exn_cob,
             [this, cob, exn_cob, options, client](QImage image) {
               // Decoded later, maybe: the room may have gone meanwhile.
               if (const std::optional<QString> why = windows_.whyNoRoom(client)) {
                 return exn_cob(delayed(limitExceeded(*why)));
               }
               const bool inspectable = options.__isset.inspectable && options.inspectable;
               auto* window = new PictureWindow(
                   options.__isset.title ? fromUtf8(options.title) : QStringLiteral("vitrine picture"),
                   std::move(image), inspectable, &stats_.pictureBytes);
               const std::int64_t id = windows_.add(window, api::WindowKind::PICTURE, fromUtf8(options.name), client);
               QObject::connect(window, &PictureWindow::pixelClicked, window,
                                [this, id](int x, int y, const QColor& color) {
                                  api::Event event;
                                  event.kind = api::EventKind::PIXEL_CLICKED;
                                  event.windowId = id;
                                  event.__set_x(x);
                                  event.__set_y(y);
                                  event.__set_color(toApiColor(color, color.alpha() != 255));
                                  events_.append(std::move(event));
                                });
               window->show();
               cob(id);
             });
}

void VitrineService::updatePicture(std::function<void()> cob, ExceptionCob exn_cob, const int64_t windowId,
                                   const api::Picture& picture) {
  VITRINE_ASSERT_GUI_THREAD();
  const WindowRegistry::Entry* entry = windows_.entry(windowId);
  if (!entry || entry->kind != api::WindowKind::PICTURE) return exn_cob(delayed(windowNotFound(windowId)));
  auto* window = static_cast<PictureWindow*>(entry->window.data());
  // A picture of the same size and format is written over the shown one's
  // pixels (no allocation); the window repaints at the screen's pace. The
  // picture it replaces gives its bytes back to the budget.
  decodeThen(picture, pictureRoom() + window->imageBytes(), window->reusableImage(), exn_cob,
             [this, cob, exn_cob, windowId](QImage image) {
               // Decoded later, maybe: the window may have closed meanwhile.
               const WindowRegistry::Entry* shown = windows_.entry(windowId);
               if (!shown || shown->kind != api::WindowKind::PICTURE) return exn_cob(delayed(windowNotFound(windowId)));
               static_cast<PictureWindow*>(shown->window.data())->setImage(std::move(image));
               cob();
             });
}

}  // namespace vitrine
