#include "ui/stage_page.h"

#include <QAuthenticator>
#include <QDialog>
#include <QTimer>
#include <QWebEngineCertificateError>
#include <QWebEngineClientCertificateSelection>
#include <QWebEngineDownloadRequest>
#include <QWebEngineFileSystemAccessRequest>
#include <QWebEngineFullScreenRequest>
#include <QWebEngineNewWindowRequest>
#include <QWebEngineQuotaRequest>
#include <QWebEngineRegisterProtocolHandlerRequest>
#include <QWebEngineSettings>

#include "base/logging.h"

namespace vitrine {

namespace {

// A page may ask in a loop: one line per kind of request this often, at most.
constexpr qint64 kReportIntervalMs = 5000;
// How much of a page's own text (a message, a URL) goes into a log line.
constexpr qsizetype kQuoteLength = 160;

// `text` on one line and cut short, for a log line.
QString quoted(QString text) {
  const bool cut = text.size() > kQuoteLength;
  text.truncate(kQuoteLength);
  text.replace(QLatin1Char('\n'), QLatin1Char(' ')).replace(QLatin1Char('\r'), QLatin1Char(' '));
  return QLatin1Char('"') + text + (cut ? QStringLiteral("...\"") : QStringLiteral("\""));
}

QString shortUrl(const QUrl& url) {
  return url.toString(QUrl::RemoveQuery | QUrl::RemoveUserInfo).left(kQuoteLength);
}

QString featureName(QWebEnginePage::Feature feature) {
  switch (feature) {
    case QWebEnginePage::Notifications:
      return QStringLiteral("notifications");
    case QWebEnginePage::Geolocation:
      return QStringLiteral("geolocation");
    case QWebEnginePage::MediaAudioCapture:
      return QStringLiteral("the microphone");
    case QWebEnginePage::MediaVideoCapture:
      return QStringLiteral("the camera");
    case QWebEnginePage::MediaAudioVideoCapture:
      return QStringLiteral("the camera and microphone");
    case QWebEnginePage::MouseLock:
      return QStringLiteral("mouse lock");
    case QWebEnginePage::DesktopVideoCapture:
      return QStringLiteral("screen capture");
    case QWebEnginePage::DesktopAudioVideoCapture:
      return QStringLiteral("screen and audio capture");
  }
  return QStringLiteral("feature %1").arg(static_cast<int>(feature));
}

}  // namespace

StagePage::StagePage(QWebEngineProfile* profile, QObject* parent) : QWebEnginePage(profile, parent) {
  // No window is created for a script without a person's click (a page
  // loading off screen gets none): see the class comment for why that
  // matters in Qt 6.4. A click's window is refused in createWindow().
  settings()->setAttribute(QWebEngineSettings::JavascriptCanOpenWindows, false);
  // mailto:, tel: and the like would start another program on the kiosk.
  settings()->setUnknownUrlSchemePolicy(QWebEngineSettings::DisallowUnknownUrlSchemes);

  connect(this, &QWebEnginePage::newWindowRequested, this, [this](QWebEngineNewWindowRequest& request) {
    // Not calling request.openIn() is the refusal.
    report(Request::NewWindow, QStringLiteral("a new window for %1").arg(shortUrl(request.requestedUrl())),
           QStringLiteral("refused"));
  });
  connect(this, &QWebEnginePage::featurePermissionRequested, this,
          [this](const QUrl& origin, QWebEnginePage::Feature feature) {
            setFeaturePermission(origin, feature, QWebEnginePage::PermissionDeniedByUser);
            report(Request::Permission, QStringLiteral("permission for %1").arg(featureName(feature)),
                   QStringLiteral("denied"));
          });
  connect(this, &QWebEnginePage::fullScreenRequested, this, [this](QWebEngineFullScreenRequest request) {
    request.reject();
    report(Request::FullScreen, QStringLiteral("full screen"), QStringLiteral("refused"));
  });
  connect(this, &QWebEnginePage::quotaRequested, this, [this](QWebEngineQuotaRequest request) {
    request.reject();
    report(Request::Quota, QStringLiteral("storage quota"), QStringLiteral("refused"));
  });
  connect(this, &QWebEnginePage::registerProtocolHandlerRequested, this,
          [this](QWebEngineRegisterProtocolHandlerRequest request) {
            request.reject();
            report(Request::ProtocolHandler, QStringLiteral("to handle %1: links").arg(request.scheme()),
                   QStringLiteral("refused"));
          });
  connect(this, &QWebEnginePage::fileSystemAccessRequested, this, [this](QWebEngineFileSystemAccessRequest request) {
    request.reject();
    report(Request::FileSystemAccess, QStringLiteral("access to %1").arg(shortUrl(request.filePath())),
           QStringLiteral("refused"));
  });
  connect(this, &QWebEnginePage::certificateError, this, [this](const QWebEngineCertificateError& error) {
    QWebEngineCertificateError answer = error;  // shares the request; the signal's copy is const
    answer.rejectCertificate();
    report(Request::Certificate,
           QStringLiteral("to accept a bad certificate for %1 (%2)").arg(shortUrl(error.url()), error.description()),
           QStringLiteral("rejected, the load fails"));
  });
  connect(this, &QWebEnginePage::selectClientCertificate, this, [this](QWebEngineClientCertificateSelection selection) {
    selection.selectNone();
    report(Request::ClientCertificate, QStringLiteral("a client certificate for %1").arg(shortUrl(selection.host())),
           QStringLiteral("none sent"));
  });
  connect(this, &QWebEnginePage::authenticationRequired, this, [this](const QUrl& url, QAuthenticator* authenticator) {
    // A null authenticator cancels; the one Qt passes may already carry the realm.
    *authenticator = QAuthenticator();
    report(Request::Authentication, QStringLiteral("a password for %1").arg(shortUrl(url)),
           QStringLiteral("cancelled"));
  });
  connect(this, &QWebEnginePage::proxyAuthenticationRequired, this,
          [this](const QUrl& url, QAuthenticator* authenticator, const QString& proxyHost) {
            *authenticator = QAuthenticator();
            report(Request::Authentication,
                   QStringLiteral("a password for the proxy %1 (loading %2)").arg(proxyHost.left(kQuoteLength), shortUrl(url)),
                   QStringLiteral("cancelled"));
          });
  connect(this, &QWebEnginePage::printRequested, this,
          [this] { report(Request::Print, QStringLiteral("to print"), QStringLiteral("nothing printed")); });
  connect(this, &QWebEnginePage::windowCloseRequested, this, [this] {
    report(Request::WindowManagement, QStringLiteral("to close its window"), QStringLiteral("ignored"));
  });
  connect(this, &QWebEnginePage::geometryChangeRequested, this, [this](const QRect&) {
    report(Request::WindowManagement, QStringLiteral("to move or resize its window"), QStringLiteral("ignored"));
  });
  connect(this, &QWebEnginePage::renderProcessTerminated, this, [this](RenderProcessTerminationStatus status, int) {
    rendererAlive_ = false;
    rendererEnd_ = status;
  });
  connect(this, &QWebEnginePage::renderProcessPidChanged, this, [this](qint64 pid) {
    if (pid > 0) rendererAlive_ = true;
  });
}

QWebEnginePage* StagePage::createWindow(WebWindowType type) {
  static const char* const kWhat[] = {"a new window", "a new tab", "a dialog window", "a background tab"};
  const auto index = static_cast<std::size_t>(type);
  report(Request::NewWindow, QString::fromLatin1(index < std::size(kWhat) ? kWhat[index] : "a new window"),
         QStringLiteral("refused"));
  // nullptr: Qt then asks newWindowRequested, which refuses too (connected above).
  return nullptr;
}

QStringList StagePage::chooseFiles(FileSelectionMode, const QStringList&, const QStringList&) {
  report(Request::FileChooser, QStringLiteral("to choose a file"), QStringLiteral("nothing chosen"));
  return {};
}

void StagePage::javaScriptAlert(const QUrl&, const QString& msg) {
  report(Request::Alert, QStringLiteral("alert(%1)").arg(quoted(msg)), QStringLiteral("dismissed"));
}

bool StagePage::javaScriptConfirm(const QUrl&, const QString& msg) {
  // Qt asks beforeunload's "leave this page?" through here too: false stays.
  report(Request::Confirm, QStringLiteral("confirm(%1)").arg(quoted(msg)), QStringLiteral("false"));
  return false;
}

bool StagePage::javaScriptPrompt(const QUrl&, const QString& msg, const QString&, QString*) {
  report(Request::Prompt, QStringLiteral("prompt(%1)").arg(quoted(msg)), QStringLiteral("cancelled (null)"));
  return false;
}

void StagePage::javaScriptConsoleMessage(JavaScriptConsoleMessageLevel level, const QString& message, int lineNumber,
                                         const QString& sourceID) {
  // Debug level only: a page may log thousands of lines a second.
  if (!lcStage().isDebugEnabled()) return;
  static const char* const kLevel[] = {"info", "warning", "error"};
  const auto index = static_cast<std::size_t>(level);
  report(Request::Console,
         QStringLiteral("console %1 at %2:%3: %4")
             .arg(QString::fromLatin1(index < std::size(kLevel) ? kLevel[index] : "message"),
                  sourceID.left(kQuoteLength))
             .arg(lineNumber)
             .arg(quoted(message)),
         QString());
}

void StagePage::refuseDialog(QDialog* dialog) {
  if (dialog->property("vitrineRefused").toBool()) return;
  dialog->setProperty("vitrineRefused", true);
  // Out of sight for the one turn it exists: placed off the screen, which
  // also keeps QDialog from centring it over the stage. (Qt::WA_DontShowOnScreen
  // would be neater, but a window-modal dialog hidden that way leaves the
  // stage refusing the keyboard after it is gone.)
  dialog->move(-32000, -32000);
  // Not now: Qt is still inside the call that opens it, and connects its
  // answer after constructing it. The next turn of the event loop cancels
  // it through its own rejected() signal, which answers the page.
  QTimer::singleShot(0, dialog, &QDialog::reject);
  report(Request::Dialog, QStringLiteral("a %1").arg(QString::fromLatin1(dialog->metaObject()->className())),
         QStringLiteral("cancelled"));
}

void StagePage::refuseDownload(QWebEngineDownloadRequest* download) {
  download->cancel();
  report(Request::Download, QStringLiteral("to download %1").arg(shortUrl(download->url())), QStringLiteral("cancelled"));
}

void StagePage::report(Request kind, const QString& asked, const QString& answer) {
  Tally& tally = tallies_[static_cast<std::size_t>(kind)];
  if (tally.lastLine.isValid() && tally.lastLine.elapsed() < kReportIntervalMs) {
    ++tally.leftOut;
    return;
  }
  tally.lastLine.start();
  QString line = QStringLiteral("page %1 asked %2").arg(shortUrl(url()), asked);
  if (!answer.isEmpty()) line += QStringLiteral(": ") + answer;
  if (tally.leftOut > 0) {
    line += QStringLiteral(" (and %1 more like it since the last line, not logged)").arg(tally.leftOut);
    tally.leftOut = 0;
  }
  if (kind == Request::Console) {
    qCDebug(lcStage).noquote() << line;
  } else {
    qCInfo(lcStage).noquote() << line;
  }
}

}  // namespace vitrine
