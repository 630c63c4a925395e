// vitrine-server: the display server. See --help.
#include <sys/resource.h>
#include <unistd.h>

#include <thrift/Thrift.h>

#include <QApplication>
#include <QCommandLineParser>
#include <QFile>
#include <QLoggingCategory>
#include <QQuickWindow>
#include <QRegularExpression>
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <limits>
#include <list>
#include <memory>
#include <optional>
#include <stdexcept>

#include "amp/amp_connection.h"
#include "amp/amp_schema.h"
#include "amp/amp_schema_loader.h"
#include "base/logging.h"
#include "app/monitored_application.h"
#include "app/token_file.h"
#include "app/unix_signals.h"
#include "net/connection_registry.h"
#include "rpc/rpc_connection.h"
#include "net/listener.h"
#include "net/tls_context.h"
#include "service/server_stats.h"
#include "service/vitrine_service.h"
#include "ui/html_documents.h"
#include "ui/stage.h"
#include "vitrine/api/Vitrine.h"
#include "vitrine/endpoint.h"
#include "vitrine/version.h"

namespace {

using namespace vitrine;

constexpr int kExitUsage = 2;
constexpr int kExitCannotListen = 3;
constexpr int kExitBroken = 4;
// PyGraphics' mediawindows port: its clients connect here unchanged.
constexpr const char* kDefaultAmpAddress = "tcp:127.0.0.1:31337";

struct Options {
  std::vector<Endpoint> listen;
  /// Where AMP listens; unset with --amp off.
  std::optional<Endpoint> amp;
  /// --amp was given: failing to bind is an error rather than a warning.
  bool ampExplicit = false;
  RequestLimits limits;
  ServiceOptions service;
  QSize stageSize{1280, 720};
  bool fullScreen = false;
  bool welcome = false;
  /// --token-file was given: TCP connections authenticate, and may come from anywhere.
  bool tokenRequired = false;
  /// --tls-cert, --tls-key, --tls-client-ca, loaded; null without them.
  std::shared_ptr<const TlsContext> tls;
  /// --max-connections and the other budgets over all connections.
  ConnectionLimits connections;
  /// --slow-turn: GUI-thread turns longer than this are logged and counted.
  std::chrono::milliseconds slowTurn{50};
};

// The default of --max-picture-memory: a quarter of the machine's memory, at most 2 GiB.
qint64 defaultPictureMemory() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long pageSize = ::sysconf(_SC_PAGESIZE);
  constexpr qint64 kAtMost = qint64{2} << 30;
  if (pages <= 0 || pageSize <= 0) return kAtMost;
  return std::min<qint64>(kAtMost, static_cast<qint64>(pages) * pageSize / 4);
}

// Room a waitEvents answer leaves under --max-frame for the message around its events.
constexpr std::uint32_t kAnswerFraming = 64u << 10;

// File descriptors kept for what is not a connection: the web engine's
// (about 40 once the stage exists), fonts, images being read, logs.
constexpr rlim_t kFilesNotForConnections = 128;

// Raises the soft open-files limit to the hard one (a login's soft limit is
// often 1024 under a hard limit of a million) and returns the soft limit in
// effect: what bounds the connections the server can hold.
rlim_t raiseOpenFilesLimit() {
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) != 0) return 1024;
  if (files.rlim_cur < files.rlim_max) {
    rlimit raised = files;
    raised.rlim_cur = files.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) files = raised;
  }
  return files.rlim_cur;
}

// Connections an open-files limit leaves room for, one descriptor each.
int connectionsAllowedBy(rlim_t openFiles) {
  constexpr rlim_t kAtLeast = 16;
  constexpr rlim_t kAtMost = 1 << 20;
  if (openFiles == RLIM_INFINITY) return static_cast<int>(kAtMost);
  const rlim_t room = openFiles > kFilesNotForConnections + kAtLeast ? openFiles - kFilesNotForConnections : kAtLeast;
  return static_cast<int>(std::min(room, kAtMost));
}

[[noreturn]] void usageError(const QString& message) {
  std::fprintf(stderr, "vitrine-server: %s\nTry 'vitrine-server --help'.\n", qPrintable(message));
  std::exit(kExitUsage);
}

// What one window may be asked to show (service/display_limits.h): the
// flags, their --help and their checks in one place.
// The value of `option` as a whole number from `least` to `most`; a usage
// error naming the option otherwise.
qint64 wholeNumber(const QCommandLineParser& parser, const QCommandLineOption& option, qint64 least,
                   qint64 most = 0x7fffffff) {
  bool ok = false;
  const qlonglong value = parser.value(option).toLongLong(&ok);
  if (!ok || value < least || value > most) {
    usageError(QStringLiteral("--%1 must be a whole number from %2 to %3").arg(option.names().first()).arg(least).arg(most));
  }
  return value;
}

struct DisplayLimitFlags {
  static QCommandLineOption byteFlag(const char* name, const QString& what, std::size_t value) {
    return QCommandLineOption(QLatin1String(name), what.arg(value), QStringLiteral("BYTES"), QString::number(value));
  }
  static QCommandLineOption countFlag(const char* name, const QString& what, std::size_t value) {
    return QCommandLineOption(QLatin1String(name), what.arg(value), QStringLiteral("N"), QString::number(value));
  }

  const DisplayLimits defaults;
  const QCommandLineOption text = byteFlag(
      "max-text", QStringLiteral("Longest text a window shows (a popup's message, a question's prompt or default), in "
                                 "bytes of UTF-8; a longer one is answered LimitExceeded (default %1). A popup shows "
                                 "a long text in a scrolling view."),
      defaults.maxTextBytes);
  const QCommandLineOption label = byteFlag(
      "max-label", QStringLiteral("Longest label, in bytes: a title, a name, an action's key or label, a choice, a "
                                  "file chooser's name filter, directory or default name (default %1)."),
      defaults.maxLabelBytes);
  const QCommandLineOption listItems = countFlag(
      "max-list-items", QStringLiteral("Most entries in a list: a question's choices and default choices, a file "
                                       "chooser's name filters (default %1). Long lists are shown lazily."),
      defaults.maxListItems);
  const QCommandLineOption actions = countFlag(
      "max-actions", QStringLiteral("Most action buttons on one popup (default %1)."), defaults.maxActions);
  const QCommandLineOption html = byteFlag(
      "max-html", QStringLiteral("Largest HTML document postHtml shows, in bytes; a larger one is answered "
                                 "INVALID_ARGUMENT and logged (default %1 = 32 MiB). URLs have Chromium's own "
                                 "limit of 2097152 bytes."),
      defaults.maxHtmlBytes);

  QList<QCommandLineOption> all() const { return {text, label, listItems, actions, html}; }

  DisplayLimits read(const QCommandLineParser& parser) const {
    DisplayLimits limits;
    limits.maxTextBytes = positive(parser, text);
    limits.maxLabelBytes = positive(parser, label);
    limits.maxListItems = positive(parser, listItems);
    limits.maxActions = positive(parser, actions);
    limits.maxHtmlBytes = positive(parser, html);
    return limits;
  }

 private:
  static std::size_t positive(const QCommandLineParser& parser, const QCommandLineOption& option) {
    return static_cast<std::size_t>(wholeNumber(parser, option, 1));
  }
};

// Without a display there is nothing for xcb or wayland to connect to:
// serve offscreen rather than abort, and say so.
void chooseOffscreenWithoutDisplay(int argc, char** argv) {
  if (!qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) return;
  for (int i = 1; i < argc; ++i) {
    if (qstrcmp(argv[i], "-platform") == 0 || qstrcmp(argv[i], "--platform") == 0) return;
  }
  if (qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY")) {
    qputenv("QT_QPA_PLATFORM", "offscreen");
    std::fprintf(stderr, "vitrine-server: no DISPLAY or WAYLAND_DISPLAY: running offscreen\n");
  }
}

// The TLS context of --tls-cert, --tls-key and --tls-client-ca, checked
// now so that a bad file stops the server before it listens (exit 2).
// Null when no flag asks for TLS.
std::shared_ptr<const TlsContext> loadTls(const QCommandLineParser& parser, const QCommandLineOption& cert,
                                          const QCommandLineOption& key, const QCommandLineOption& clientCa,
                                          const Options& options) {
  for (const QCommandLineOption* option : {&cert, &key, &clientCa}) {
    if (parser.values(*option).size() > 1) {
      usageError(QStringLiteral("--%1 may be given once").arg(option->names().first()));
    }
  }
  bool tlsListener = options.amp && options.amp->kind == Endpoint::Kind::Tls;
  for (const Endpoint& endpoint : options.listen) tlsListener = tlsListener || endpoint.kind == Endpoint::Kind::Tls;
  const bool anyFlag = parser.isSet(cert) || parser.isSet(key) || parser.isSet(clientCa);
  if (!tlsListener && !anyFlag) return nullptr;
  // TLS flags without a TLS listener: whoever wrote them expects TLS, and would get clear text.
  if (!tlsListener) {
    usageError(QStringLiteral("--tls-cert, --tls-key and --tls-client-ca are for tls: listeners, but no --listen or "
                              "--amp address is tls:HOST:PORT"));
  }
  if (!parser.isSet(cert) || !parser.isSet(key)) {
    const QString missing = !parser.isSet(cert) && !parser.isSet(key)
                                ? QStringLiteral("--tls-cert FILE and --tls-key FILE")
                                : QString::fromLatin1(!parser.isSet(cert) ? "--tls-cert FILE" : "--tls-key FILE");
    usageError(QStringLiteral("a tls: listener needs %1 (see docs/security.md for making them with openssl)")
                   .arg(missing));
  }
  QString error;
  std::shared_ptr<const TlsContext> tls =
      TlsContext::load({parser.value(cert), parser.value(key), parser.value(clientCa)}, &error);
  if (!tls) usageError(error);
  for (const QString& warning : tls->warnings()) {
    std::fprintf(stderr, "vitrine-server: warning: %s\n", qPrintable(warning));
  }
  return tls;
}

Options parseOptions(const QApplication& app) {
  QCommandLineParser parser;
  parser.setApplicationDescription(QStringLiteral(
      "vitrine display server: shows web pages, HTML and pictures that clients send over Thrift RPC.\n"
      "\n"
      "The same commands are served over AMP (Twisted's Asynchronous Messaging Protocol,\n"
      "PyGraphics' mediawindows protocol included) on --amp; see docs/amp.md.\n"
      "\n"
      "Prints 'vitrine: listening on ADDRESS' on stdout when each Thrift listener is ready,\n"
      "and 'vitrine: AMP listening on ADDRESS' for AMP.\n"
      "Runs offscreen when there is no display (or with QT_QPA_PLATFORM=offscreen).\n"
      "SIGINT/SIGTERM stop it cleanly (socket file removed, exit status 0).\n"
      "\n"
      "Who may connect: the Unix socket is the user's own (mode 0600). TCP, for Thrift and AMP,\n"
      "binds loopback addresses only, unless --token-file is given: then every TCP connection\n"
      "must call authenticate(token) first, and any address may be bound. On tcp: the token\n"
      "travels in clear text. tls:HOST:PORT listeners speak TLS (1.2 or later) with the\n"
      "certificate of --tls-cert and --tls-key: the token then travels inside TLS, and with\n"
      "--tls-client-ca every client must present a certificate that CA signed. A tls: listener\n"
      "may bind any address with --token-file or --tls-client-ca. See docs/security.md.\n"
      "\n"
      "Exit status: 0 stopped by a signal, 2 bad usage (a bad --token-file or TLS file included),\n"
      "3 cannot listen, 4 broken installation."));
  parser.addHelpOption();
  parser.addVersionOption();
  const QCommandLineOption listen(
      QStringLiteral("listen"),
      QStringLiteral("Listen on ADDR: unix:PATH, tcp:HOST:PORT (loopback only without --token-file) or "
                     "tls:HOST:PORT (needs --tls-cert and --tls-key; loopback only without --token-file or "
                     "--tls-client-ca); port 0 picks a free one. Repeatable. Default: unix:%1")
          .arg(QString::fromStdString(defaultSocketPath())),
      QStringLiteral("ADDR"));
  const QCommandLineOption amp(
      QStringLiteral("amp"),
      QStringLiteral("Serve AMP on ADDR: tcp:HOST:PORT or tls:HOST:PORT (as for --listen; port 0 picks a free "
                     "one) or unix:PATH; "
                     "'off' disables it. Default: %1 (PyGraphics' port; if it is taken, a warning and no AMP). "
                     "An ADDR given here that cannot be bound is an error.").arg(QLatin1String(kDefaultAmpAddress)),
      QStringLiteral("ADDR"));
  const QCommandLineOption maxFrame(QStringLiteral("max-frame"),
                                    QStringLiteral("Largest request frame (Thrift) or box (AMP) in bytes; a bigger "
                                                   "one is answered LimitExceeded and its connection closed; no "
                                                   "waitEvents answer is bigger either (default 67108864 = 64 MiB, "
                                                   "at least 131072)."),
                                    QStringLiteral("BYTES"), QString::number(64u << 20));
  const QCommandLineOption loadTimeout(QStringLiteral("load-timeout"),
                                       QStringLiteral("How long fetchUrl/postHtml wait for a page before answering "
                                                      "TIMED_OUT, unless the call sets its own (default 30000)."),
                                       QStringLiteral("MS"), QStringLiteral("30000"));
  const QCommandLineOption allowFile(QStringLiteral("allow-file-urls"),
                                     QStringLiteral("Let fetchUrl load file: URLs (refused by default)."));
  const QCommandLineOption size(QStringLiteral("size"), QStringLiteral("Stage window size (default 1280x720)."),
                                QStringLiteral("WxH"), QStringLiteral("1280x720"));
  const QCommandLineOption fullScreen(QStringLiteral("fullscreen"), QStringLiteral("Show the stage full screen."));
  const QCommandLineOption maxWindows(QStringLiteral("max-windows"),
                                    QStringLiteral("Most windows open at once besides the stage; more answer "
                                                   "LimitExceeded (default 1000)."),
                                    QStringLiteral("N"), QStringLiteral("1000"));
  const QCommandLineOption maxWindowsPerClient(
      QStringLiteral("max-windows-per-client"),
      QStringLiteral("Most windows one client may have open at once: one network address, or one connection on "
                     "the Unix socket; more answer LimitExceeded (default 250)."),
      QStringLiteral("N"), QStringLiteral("250"));
  const QCommandLineOption maxPicturePixels(QStringLiteral("max-picture-pixels"),
                                            QStringLiteral("Most pixels in one picture (default 67108864 = 8192 x 8192)."),
                                            QStringLiteral("N"), QString::number(64LL << 20));
  const QCommandLineOption maxPictureMemory(
      QStringLiteral("max-picture-memory"),
      QStringLiteral("Most bytes of pixels all open pictures may hold together; a picture that would pass it "
                     "answers LimitExceeded (default: a quarter of this machine's memory, at most 2 GiB; here %1)."
                     ).arg(defaultPictureMemory()),
      QStringLiteral("BYTES"), QString::number(defaultPictureMemory()));
  const QCommandLineOption remoteFiles(
      QStringLiteral("remote-files"),
      QStringLiteral("Let remote clients (TLS, or TCP with --token-file) browse the server's files: chooseFile, "
                     "screenshots of file choosers, and file: URLs when --allow-file-urls is given too. Off by "
                     "default: those are the owner's business."));
  const QCommandLineOption maxConnections(
      QStringLiteral("max-connections"),
      QStringLiteral("Most connections (Thrift and AMP together) held at once; one more is closed as soon as it "
                     "is accepted, with a warning. The last 32 are kept for the Unix socket. Default 1024; never "
                     "more than the open-files limit (ulimit -n, raised to its hard limit at start) leaves after "
                     "%1 files for the server itself.")
          .arg(kFilesNotForConnections),
      QStringLiteral("N"), QStringLiteral("1024"));
  const QCommandLineOption maxConnectionsPerClient(
      QStringLiteral("max-connections-per-client"),
      QStringLiteral("Most connections from one network address (TCP, AMP); more are closed as soon as they are "
                     "accepted (default 256)."),
      QStringLiteral("N"), QStringLiteral("256"));
  const QCommandLineOption readTimeout(
      QStringLiteral("read-timeout"),
      QStringLiteral("A request (a Thrift frame, an AMP box) that has begun to arrive must be complete within MS, "
                     "or its connection is closed; idle connections may stay (default 20000)."),
      QStringLiteral("MS"), QStringLiteral("20000"));
  const QCommandLineOption authTimeout(
      QStringLiteral("auth-timeout"),
      QStringLiteral("With --token-file, a TCP connection that has not authenticated within MS is closed "
                     "(default 10000)."),
      QStringLiteral("MS"), QStringLiteral("10000"));
  const QCommandLineOption maxUnsent(
      QStringLiteral("max-unsent"),
      QStringLiteral("Most bytes of answers waiting for their clients to read them, over all connections; past "
                     "it the connection holding the most is closed. One connection that holds 16 MiB is no "
                     "longer served until it reads (default 268435456 = 256 MiB)."),
      QStringLiteral("BYTES"), QString::number(256 << 20));
  const QCommandLineOption tokenFile(
      QStringLiteral("token-file"),
      QStringLiteral("Read a token from FILE (one line of printable ASCII; mode 0600 or stricter, owned by you). "
                     "Every TCP connection, Thrift or AMP, must then call authenticate with it before anything "
                     "else, and --listen/--amp may bind non-loopback addresses. Clients take it from "
                     "VITRINE_TOKEN. Make one with: openssl rand -hex 32 > FILE; chmod 600 FILE."),
      QStringLiteral("FILE"));
  const QCommandLineOption tlsCert(
      QStringLiteral("tls-cert"),
      QStringLiteral("The certificate (PEM, then any intermediate ones) that tls: listeners present. Read once at "
                     "start-up."),
      QStringLiteral("FILE"));
  const QCommandLineOption tlsKey(
      QStringLiteral("tls-key"),
      QStringLiteral("The private key of --tls-cert (PEM, unencrypted; mode 0600 or stricter)."),
      QStringLiteral("FILE"));
  const QCommandLineOption tlsClientCa(
      QStringLiteral("tls-client-ca"),
      QStringLiteral("Every TLS client must present a certificate signed by the CA in FILE (PEM); others are "
                     "refused during the handshake. Without --token-file, that certificate is the client's "
                     "authentication."),
      QStringLiteral("FILE"));
  const QCommandLineOption slowTurn(
      QStringLiteral("slow-turn"),
      QStringLiteral("Log (at most once a second) and count every turn of the GUI thread longer than MS: one "
                     "event, such as a socket read and the calls served from it, during which every other client "
                     "waits. serverInfo reports the longest (default 50)."),
      QStringLiteral("MS"), QStringLiteral("50"));
  const QCommandLineOption welcome(QStringLiteral("welcome"),
                                   QStringLiteral("Show a welcome page on the stage until a client pushes one."));
  parser.addOptions({listen, amp, tokenFile, tlsCert, tlsKey, tlsClientCa, maxFrame, loadTimeout, allowFile,
                     remoteFiles, size, fullScreen, maxWindows, maxWindowsPerClient, maxPicturePixels,
                     maxPictureMemory, maxConnections, maxConnectionsPerClient, readTimeout, authTimeout, maxUnsent,
                     slowTurn, welcome});
  const DisplayLimitFlags displayLimits;
  parser.addOptions(displayLimits.all());
  parser.process(app);  // --help, --version and unknown options exit here
  if (!parser.positionalArguments().isEmpty()) usageError(QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().first()));

  Options options;
  for (const QString& text : parser.values(listen)) {
    try {
      options.listen.push_back(Endpoint::parse(text.toStdString()));
    } catch (const std::invalid_argument& e) {
      usageError(QString::fromUtf8(e.what()));
    }
  }
  if (options.listen.empty()) options.listen.push_back(Endpoint{Endpoint::Kind::Unix, defaultSocketPath(), {}, 0});

  options.ampExplicit = parser.isSet(amp);
  const QStringList ampValues = parser.values(amp);
  if (ampValues.size() > 1) usageError(QStringLiteral("--amp may be given once"));
  const QString ampText = options.ampExplicit ? ampValues.first() : QString::fromLatin1(kDefaultAmpAddress);
  if (ampText != QLatin1String("off")) {
    try {
      options.amp = Endpoint::parse(ampText.toStdString());
    } catch (const std::invalid_argument& e) {
      usageError(QStringLiteral("--amp: %1 (or 'off')").arg(QString::fromUtf8(e.what())));
    }
  }

  using std::chrono::milliseconds;
  constexpr qint64 kMaxInt64 = std::numeric_limits<qint64>::max();
  options.limits.maxFrameBytes = static_cast<std::uint32_t>(wholeNumber(parser, maxFrame, 2 * kAnswerFraming));
  options.service.maxEventBatchBytes = options.limits.maxFrameBytes - kAnswerFraming;
  options.service.loadTimeout = milliseconds(wholeNumber(parser, loadTimeout, 1));
  options.service.allowFileUrls = parser.isSet(allowFile);
  options.service.remoteFiles = parser.isSet(remoteFiles);
  options.service.maxWindows = static_cast<int>(wholeNumber(parser, maxWindows, 0));
  options.service.maxWindowsPerClient = static_cast<int>(wholeNumber(parser, maxWindowsPerClient, 1));
  options.service.maxPictureBytes = wholeNumber(parser, maxPictureMemory, 1, kMaxInt64);
  options.service.maxPicturePixels = wholeNumber(parser, maxPicturePixels, 1, kMaxInt64);
  options.service.displayLimits = displayLimits.read(parser);
  options.connections.maxConnections = static_cast<int>(wholeNumber(parser, maxConnections, 1));
  options.connections.maxPerClient = static_cast<int>(wholeNumber(parser, maxConnectionsPerClient, 1));
  options.connections.readTimeout = milliseconds(wholeNumber(parser, readTimeout, 1));
  options.connections.authTimeout = milliseconds(wholeNumber(parser, authTimeout, 1));
  options.connections.maxUnsentBytes = wholeNumber(parser, maxUnsent, 1 << 20, kMaxInt64);
  options.slowTurn = milliseconds(wholeNumber(parser, slowTurn, 1));

  const QRegularExpressionMatch wxh = QRegularExpression(QStringLiteral("^(\\d{2,5})x(\\d{2,5})$")).match(parser.value(size));
  if (!wxh.hasMatch()) usageError(QStringLiteral("--size must look like 1280x720"));
  options.stageSize = QSize(wxh.captured(1).toInt(), wxh.captured(2).toInt());
  options.fullScreen = parser.isSet(fullScreen);
  options.welcome = parser.isSet(welcome);

  if (parser.isSet(tokenFile)) {
    if (parser.values(tokenFile).size() > 1) usageError(QStringLiteral("--token-file may be given once"));
    QString error;
    const std::optional<std::string> token = readTokenFile(parser.value(tokenFile), &error);
    if (!token) usageError(error);
    if (token->size() < kShortTokenLength) {
      std::fprintf(stderr, "vitrine-server: warning: the token in --token-file is %zu characters long; one of 16 or "
                   "more (openssl rand -hex 32) is much harder to guess\n", token->size());
    }
    options.service.authToken.emplace(*token);
    options.tokenRequired = true;
  }
  options.tls = loadTls(parser, tlsCert, tlsKey, tlsClientCa, options);
  return options;
}

// The IDL's resolved AMP schema (gen/amp/vitrine_amp.json), compiled into the binary by server/CMakeLists.txt.
std::shared_ptr<const AmpSchema> loadAmpSchema() {
  QFile file(QStringLiteral(":/vitrine/amp/vitrine_amp.json"));
  if (!file.open(QIODevice::ReadOnly)) throw std::runtime_error("the resource :/vitrine/amp/vitrine_amp.json is missing");
  const QByteArray json = file.readAll();
  auto schema = AmpSchemaLoader::load(std::string_view(json.constData(), static_cast<std::size_t>(json.size())));
  if (!schema->findCallback("event")) throw std::runtime_error("VitrineEvents.event is not in the schema");
  return schema;
}

}  // namespace

int main(int argc, char** argv) {
  // Everything up to the QApplication shapes how Qt and Chromium start.
  chooseOffscreenWithoutDisplay(argc, argv);
  const bool offscreen = qgetenv("QT_QPA_PLATFORM") == "offscreen";
  if (offscreen) {
    // No OpenGL offscreen: the web view renders through Qt Quick's software backend.
    QQuickWindow::setGraphicsApi(QSGRendererInterface::Software);
  }
  const bool runningAsRoot = ::geteuid() == 0;
  if (runningAsRoot) qputenv("QTWEBENGINE_DISABLE_SANDBOX", "1");  // Chromium refuses root otherwise
  HtmlDocuments::registerScheme();
  QCoreApplication::setAttribute(Qt::AA_ShareOpenGLContexts);
  ::signal(SIGPIPE, SIG_IGN);  // a peer that hangs up must not kill the server
  // Qt's own Unix event dispatcher rather than GLib's: GLib wakes its loop
  // with a write(2) to an eventfd for every event posted and every socket
  // notifier switched, three per Thrift call here; Qt's coalesces wake-ups.
  // That is a third of the syscalls of a small call (docs/performance.md).
  // QT_NO_GLIB set to anything, even empty, is the user's choice and kept.
  if (!qEnvironmentVariableIsSet("QT_NO_GLIB")) qputenv("QT_NO_GLIB", "1");

  ServerStats stats;  // before the application, which times every event into stats.turns
  MonitoredApplication app(argc, argv, stats.turns);
  QApplication::setApplicationName(QStringLiteral("vitrine-server"));
  QApplication::setApplicationVersion(QStringLiteral(VITRINE_VERSION_STRING));
  QApplication::setQuitOnLastWindowClosed(false);  // closing the stage window does not stop the server
  if (qEnvironmentVariableIsEmpty("QT_LOGGING_RULES")) {
    QLoggingCategory::setFilterRules(QStringLiteral("qt.webenginecontext.info=false\nqt.webenginecontext.debug=false"));
  }
  qSetMessagePattern(QStringLiteral("vitrine-server: %{if-category}%{category}: %{endif}%{message}"));
  // Thrift's own diagnostics go to our log rather than bare stderr.
  apache::thrift::GlobalOutput.setOutputFunction([](const char* message) { qCWarning(lcRpc) << message; });

  const Options options = parseOptions(app);
  if (runningAsRoot) qCInfo(lcServer) << "running as root: Chromium's sandbox is disabled (--no-sandbox)";
  stats.turns.setSlowTurn(options.slowTurn);
  // Never accept(2) into EMFILE: Qt's listeners do not survive it (see Listener::listen).
  ConnectionLimits connectionLimits = options.connections;
  const int allowedByFiles = connectionsAllowedBy(raiseOpenFilesLimit());
  if (connectionLimits.maxConnections > allowedByFiles) {
    qCWarning(lcServer).noquote() << QStringLiteral("--max-connections %1 is more than the open-files limit allows; "
                                                    "using %2 (raise ulimit -n for more)")
                                         .arg(connectionLimits.maxConnections)
                                         .arg(allowedByFiles);
    connectionLimits.maxConnections = allowedByFiles;
  }
  // The Unix socket's reserve is a slice of the cap, never all of it.
  connectionLimits.reservedForUnixSocket =
      std::min(connectionLimits.reservedForUnixSocket, connectionLimits.maxConnections / 2);
  ConnectionRegistry registry(connectionLimits, stats);
  Stage stage(options.stageSize, options.fullScreen);
  ServiceCore service(stage, stats, options.service);
  // Each connection is served by a processor of its own over a service
  // handler bound to it: the service knows its caller without asking.
  const auto callNamer = std::make_shared<CallNamer>(stats.turns);  // turns say which calls they served
  const ConnectionShell::ProcessorFactory makeProcessor = [&service, callNamer](Caller& caller) {
    auto processor = std::make_shared<api::VitrineAsyncProcessor>(std::make_shared<VitrineService>(service, caller));
    processor->setEventHandler(callNamer);
    return processor;
  };

  std::list<std::unique_ptr<Listener>> listeners;
  QStringList addresses;
  const RequestLimits limits = options.limits;
  // With a token, TCP may face the network, because it has to authenticate;
  // TLS too, or with a client CA, whose certificate is the authentication.
  // The Unix socket needs no token: only its owner can open it.
  const bool clientCertificates = options.tls && options.tls->verifiesClients();
  const auto reachFor = [&options, clientCertificates](const Endpoint& endpoint) {
    const bool authenticated =
        options.tokenRequired || (endpoint.kind == Endpoint::Kind::Tls && clientCertificates);
    return authenticated ? Listener::TcpReach::AnyAddress : Listener::TcpReach::LoopbackOnly;
  };
  const auto admissionFor = [&options](const Endpoint& endpoint) {
    return options.tokenRequired && endpoint.isNetwork() ? Admission::AuthenticateFirst : Admission::Open;
  };
  // Who may be on another machine: TLS always, TCP when it may bind any address.
  const auto remoteFor = [&options](const Endpoint& endpoint) {
    return endpoint.kind == Endpoint::Kind::Tls || (endpoint.kind == Endpoint::Kind::Tcp && options.tokenRequired);
  };
  for (const Endpoint& endpoint : options.listen) {
    QString error;
    const Admission admission = admissionFor(endpoint);
    std::unique_ptr<Listener> listener = Listener::listen(
        endpoint,
        [&makeProcessor, limits, &registry, &stats, admission](StreamSocket* socket, ConnectionShell::Peer peer,
                                                          QObject* parent) {
          new RpcConnection(socket, std::move(peer), makeProcessor, limits, registry, stats, admission, parent);
        },
        registry, &error, reachFor(endpoint), options.tls, remoteFor(endpoint));
    if (!listener) {
      std::fprintf(stderr, "vitrine-server: %s\n", qPrintable(error));
      return kExitCannotListen;
    }
    addresses << listener->address();
    std::printf("vitrine: listening on %s\n", qPrintable(listener->address()));
    std::fflush(stdout);
    listeners.push_back(std::move(listener));
  }
  if (options.amp) {
    std::shared_ptr<const AmpSchema> schema;
    try {
      schema = loadAmpSchema();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "vitrine-server: the AMP schema does not load (a build problem): %s\n", e.what());
      return kExitBroken;
    }
    AmpLimits ampLimits;
    ampLimits.box.maxBoxBytes = options.limits.maxFrameBytes;
    QString error;
    const Admission admission = admissionFor(*options.amp);
    std::unique_ptr<Listener> listener = Listener::listen(
        *options.amp,
        [schema, &makeProcessor, ampLimits, &registry, &stats, admission](StreamSocket* socket,
                                                                          ConnectionShell::Peer peer,
                                                                     QObject* parent) {
          new AmpConnection(socket, std::move(peer), schema, makeProcessor, ampLimits, registry, stats, admission,
                            parent);
        },
        registry, &error, reachFor(*options.amp), options.tls, remoteFor(*options.amp));
    if (listener) {
      addresses << QStringLiteral("amp:") + listener->address();
      std::printf("vitrine: AMP listening on %s\n", qPrintable(listener->address()));
      std::fflush(stdout);
      listeners.push_back(std::move(listener));
    } else if (options.ampExplicit) {
      std::fprintf(stderr, "vitrine-server: %s\n", qPrintable(error));
      return kExitCannotListen;
    } else {
      // Another vitrine (or PyGraphics) has the default port: Thrift still works.
      qCWarning(lcServer).noquote() << error << "- serving without AMP (--amp ADDR moves it, --amp off silences this)";
    }
  }
  const auto anyListenerOf = [&options](Endpoint::Kind kind) {
    bool found = options.amp && options.amp->kind == kind;
    for (const Endpoint& endpoint : options.listen) found = found || endpoint.kind == kind;
    return found;
  };
  if (options.tokenRequired) {
    qCInfo(lcServer).noquote() << "TCP connections must authenticate with the token of --token-file"
                               << (anyListenerOf(Endpoint::Kind::Tcp)
                                       ? "(sent in clear text on tcp: listeners: see docs/security.md)"
                                       : "(sent inside TLS)");
  }
  if (options.tls && anyListenerOf(Endpoint::Kind::Tls)) {
    qCInfo(lcServer).noquote() << "TLS listeners present the certificate" << options.tls->subject() << "-"
                               << (clientCertificates
                                       ? "clients must present a certificate signed by --tls-client-ca"
                                       : "client certificates are not asked for");
  }
  service.setListeners(addresses);
  if (options.welcome) stage.showWelcome(addresses);

  UnixSignals signals;
  QObject::connect(&signals, &UnixSignals::received, &app, [&service](int signalNumber) {
    qCInfo(lcServer).noquote() << "stopping on" << (signalNumber == SIGINT ? "SIGINT" : "SIGTERM");
    // Before quit(), which closes every window as if a person had: waiting
    // dialogs must tell their callers the truth.
    service.closeAllWindows();
    QCoreApplication::quit();
  });

  const int status = app.exec();
  // Answer what still waits while the service and the processor exist.
  stage.cancelPending();
  service.closeAllWindows();  // waiting dialogs answer DialogCanceled(SERVER_STOPPING)
  listeners.clear();           // stop accepting, close connections, remove socket files
  return status;
}
