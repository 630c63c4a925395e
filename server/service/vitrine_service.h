// The service: every IDL command, implemented on the GUI thread.
#pragma once

#include <QElapsedTimer>
#include <QStringList>
#include <chrono>

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
};

/// Implements the generated cob-style interface: each method receives a
/// completion callback and may answer now or later (a page load), which is
/// what lets the GUI thread serve everyone while a call waits.
///
/// Holds no socket code: transports (Thrift, AMP) call into it. Every method
/// must be called on the GUI thread (asserted in debug builds). Bad input is
/// answered through the IDL's results and exceptions, never by throwing out
/// of a method. Does not own the stage or the stats.
class VitrineService : public api::VitrineCobSvIf {
 public:
  VitrineService(Stage& stage, ServerStats& stats, ServiceOptions options);

  /// The addresses reported by serverInfo(); set once listeners are up.
  void setListeners(QStringList listeners) { listeners_ = std::move(listeners); }

  void fetchUrl(std::function<void(api::PushResult::type const&)> cob, const api::PushUrl& url) override;
  void postHtml(std::function<void(api::PushResult::type const&)> cob, const api::PushHtml& html) override;
  void whatsLoaded(std::function<void(std::string const&)> cob) override;
  void currentUrl(std::function<void(std::string const&)> cob) override;
  void ping(std::function<void()> cob) override;
  void serverInfo(std::function<void(api::ServerInfo const&)> cob) override;
  void screenshot(std::function<void(std::string const&)> cob,
                  std::function<void(apache::thrift::TDelayedException*)> exn_cob, const int64_t windowId) override;

 private:
  std::chrono::milliseconds loadTimeout(bool isSet, int32_t timeoutMs) const;

  Stage& stage_;
  ServerStats& stats_;
  ServiceOptions options_;
  QStringList listeners_;
  QElapsedTimer uptime_;
};

}  // namespace vitrine
