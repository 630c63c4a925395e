// The service: every IDL command, implemented on the GUI thread.
#pragma once

#include <QElapsedTimer>
#include <QStringList>
#include <QUrl>
#include <chrono>
#include <optional>

#include "service/auth_throttle.h"
#include "service/auth_token.h"
#include "service/background_work.h"
#include "service/caller.h"
#include "service/display_limits.h"
#include "service/event_log.h"
#include "service/window_registry.h"
#include "vitrine/api/Vitrine.h"

namespace vitrine {

class Stage;
struct ServerStats;

/// Service-wide settings fixed at start-up.
struct ServiceOptions {
  /// Default for fetchUrl/postHtml when the call does not set timeoutMs (--load-timeout).
  std::chrono::milliseconds loadTimeout{30000};
  /// Allow file: URLs in fetchUrl (--allow-file-urls).
  bool allowFileUrls = false;
  /// Windows open at once besides the stage (--max-windows).
  int maxWindows = 1000;
  /// Windows one client may have open at once (--max-windows-per-client).
  int maxWindowsPerClient = 250;
  /// Pixels in one picture (--max-picture-pixels).
  qint64 maxPicturePixels = 64LL << 20;
  /// Bytes of pixels all open pictures may hold together (--max-picture-memory).
  qint64 maxPictureBytes = 2LL << 30;
  /// Remote clients may browse the server's files: chooseFile, screenshots
  /// of file choosers, file: URLs (with --allow-file-urls) (--remote-files).
  bool remoteFiles = false;
  /// Sizes of the texts, labels, lists and actions a window shows, and of what goes on the stage.
  DisplayLimits displayLimits;
  /// Events kept for waitEvents.
  std::size_t eventLogCapacity = 10000;
  /// Most bytes of events one waitEvents answer carries (below --max-frame).
  std::size_t maxEventBatchBytes = 16u << 20;
  /// The token authenticate() checks (--token-file); unset: any token is accepted.
  std::optional<AuthToken> authToken;
};

/// What every caller's calls share: the stage, the windows and the event log,
/// the budgets, the work done off the GUI thread. Owned by main; outlives
/// every connection and every VitrineService. Does not own the stage or the
/// stats; owns the event log and the window registry (the windows own
/// themselves). GUI thread only.
class ServiceCore {
 public:
  ServiceCore(Stage& theStage, ServerStats& serverStats, ServiceOptions serviceOptions);
  ~ServiceCore();
  ServiceCore(const ServiceCore&) = delete;
  ServiceCore& operator=(const ServiceCore&) = delete;

  /// The addresses reported by serverInfo(); set once listeners are up.
  void setListeners(QStringList addresses) { listeners = std::move(addresses); }
  /// Closes every window for server shutdown: waiting dialogs answer
  /// DialogCanceled(SERVER_STOPPING).
  void closeAllWindows();

  using ExceptionCob = std::function<void(apache::thrift::TDelayedException*)>;
  /// Answers a picture decode failure through exn_cob; true when there was one.
  bool failedDecode(const struct DecodedPicture& decoded, const ExceptionCob& exn_cob) const;
  /// Bytes the next picture may take under --max-picture-memory.
  qint64 pictureRoom() const;

  Stage& stage;
  ServerStats& stats;
  const ServiceOptions options;
  QStringList listeners;
  QElapsedTimer uptime;
  EventLog events;
  WindowRegistry windows;
  AuthThrottle authThrottle;
  /// Picture bytes set aside for decodes under way on `background`.
  qint64 reservedPictureBytes = 0;
  /// Last member: destroyed first, it waits for work under way while the rest still exists.
  BackgroundWork background;
};

/// The commands, as one caller calls them: implements the generated
/// cob-style interface, whose methods each receive a completion callback and
/// may answer now or later (a page load, a person answering a dialog), which
/// is what lets the GUI thread serve everyone while a call waits.
///
/// One per caller: a connection's processor is made with one bound to it
/// (ConnectionShell::ProcessorFactory), so the service knows who calls
/// without asking anyone: dialogs end when their caller goes, each client's
/// windows count against its own share, a remote client is kept from the
/// server's files, events go to the caller that subscribed.
///
/// Holds references only. A handler goes with its connection while what it
/// opened (a popup, a picture) may stay: everything that runs after a call
/// has returned captures the core, never the handler, and touches the
/// caller only through a QPointer to its lifetime().
///
/// Every method must be called on the GUI thread (asserted in debug builds).
/// Bad input is answered through the IDL's results and exceptions, never by
/// throwing out of a method.
class VitrineService : public api::VitrineCobSvIf {
 public:
  VitrineService(ServiceCore& core, Caller& caller) : core_(core), caller_(caller) {}

  using ExceptionCob = ServiceCore::ExceptionCob;
  // DisplayManager
  void fetchUrl(std::function<void(api::PushResult::type const&)> cob, const api::PushUrl& url) override;
  void postHtml(std::function<void(api::PushResult::type const&)> cob, const api::PushHtml& html) override;
  void whatsLoaded(std::function<void(std::string const&)> cob) override;
  void currentUrl(std::function<void(std::string const&)> cob) override;

  // Vitrine
  void authenticate(std::function<void()> cob, ExceptionCob exn_cob, const std::string& token) override;
  void ping(std::function<void()> cob) override;
  void serverInfo(std::function<void(api::ServerInfo const&)> cob) override;
  void resetLongestTurn(std::function<void()> cob) override;
  void screenshot(std::function<void(std::string const&)> cob, ExceptionCob exn_cob, const int64_t windowId) override;
  void say(std::function<void(int64_t const&)> cob, ExceptionCob exn_cob, const std::string& text,
           const api::SayOptions& options) override;
  void sayAndWait(std::function<void(std::string const&)> cob, ExceptionCob exn_cob, const std::string& text,
                  const api::SayOptions& options) override;
  /// ask takes the choices out of `question` (a list of 100,000 is not
  /// copied), which must be, as for showPicture, a non-const object the
  /// caller no longer reads: the generated processor's argument struct is.
  void ask(std::function<void(api::Answer const&)> cob, ExceptionCob exn_cob, const api::Question& question) override;
  void chooseFile(std::function<void(std::string const&)> cob, ExceptionCob exn_cob,
                  const api::FileChooser& chooser) override;
  void chooseColor(std::function<void(api::Color const&)> cob, ExceptionCob exn_cob, const api::Color& initial,
                   const api::ColorChooser& options) override;
  /// showPicture and updatePicture take the bytes of `picture.data` when
  /// they can (a raw picture becomes the window's image over that very
  /// memory, see decodePicture) and may leave it empty: `picture` must be a
  /// non-const object the caller no longer reads. The generated processor's
  /// argument struct is that: a local, destroyed when the handler returns.
  void showPicture(std::function<void(int64_t const&)> cob, ExceptionCob exn_cob, const api::Picture& picture,
                   const api::PictureOptions& options) override;
  void updatePicture(std::function<void()> cob, ExceptionCob exn_cob, const int64_t windowId,
                     const api::Picture& picture) override;
  void closeWindow(std::function<void()> cob, ExceptionCob exn_cob, const int64_t windowId) override;
  void isClosed(std::function<void(bool const&)> cob, const int64_t windowId) override;
  void listWindows(std::function<void(std::vector<api::WindowInfo> const&)> cob) override;
  void waitEvents(std::function<void(std::vector<api::Event> const&)> cob, const int64_t afterSequence,
                  const int32_t timeoutMs) override;
  void subscribeEvents(std::function<void()> cob, ExceptionCob exn_cob, const int64_t afterSequence) override;
  void unsubscribeEvents(std::function<void()> cob) override;

 private:
  std::chrono::milliseconds loadTimeout(bool isSet, int32_t timeoutMs) const;
  /// Answers a push INVALID_ARGUMENT: logs `why` (the caller of fetchUrl or
  /// postHtml gets no message), and tells every client (PUSH_FAILED).
  void refusePush(const char* method, const QString& why, const std::string& name, const QUrl& url,
                  const std::function<void(api::PushResult::type const&)>& cob);
  /// Opens a popup for say/sayAndWait, or answers exn_cob and returns nullptr.
  class PopupWindow* openPopup(const std::string& text, const api::SayOptions& options, const ExceptionCob& exn_cob,
                               std::int64_t* id);
  /// False (and exn_cob answered with LimitExceeded) when the caller may not open a window.
  bool checkRoom(const ExceptionCob& exn_cob);
  /// Decodes `picture` (taking its bytes) within `room` bytes, at once or on
  /// BackgroundWork when that takes long, then calls `finish(image)` on the
  /// GUI thread; a failure is answered through exn_cob instead.
  template <class Finish>
  void decodeThen(const api::Picture& picture, qint64 room, QImage* reuse, ExceptionCob exn_cob, Finish finish);
  /// Registers a dialog, ends it when its caller disconnects, starts its timeout, shows it.
  std::int64_t openDialog(ManagedWindow* window, api::WindowKind::type kind, QString name,
                          std::chrono::milliseconds timeout);

  ServiceCore& core_;
  Caller& caller_;
};

}  // namespace vitrine
