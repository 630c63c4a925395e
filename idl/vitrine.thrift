/**
 * vitrine: a display server that other programs drive over RPC.
 *
 * This file is the one source of truth for every command vitrine serves.
 * `make gen` turns it into C++ (gen/cpp), Python (gen/py) and the JSON
 * schema (gen/amp) that the AMP bridge reads. Annotations in the
 * `amp.` namespace describe how a command looks on the AMP side.
 *
 * Transport: framed (4-byte big-endian length, then the message), binary
 * or compact protocol, over a Unix socket or loopback TCP.
 */

namespace cpp vitrine.api
namespace py vitrine_thrift

/** What happened to a request to put something on the stage. */
enum PushResult {
  /** The content is loaded and rendered on the stage. */
  OK = 0,
  /** The page could not be loaded (unreachable host, HTTP error page, DNS failure...). */
  LOAD_FAILED = 1,
  /** The request was refused before loading: malformed URL, forbidden scheme, empty name. */
  INVALID_ARGUMENT = 2,
  /** The page did not finish loading within the load timeout; the stage keeps what it has. */
  TIMED_OUT = 3,
  /** A newer push replaced this one before it finished loading. */
  SUPERSEDED = 4,
}

/** A web page to show on the stage. */
struct PushUrl {
  /** A label for what is shown, returned by whatsLoaded(). */
  1: string name,
  /** Absolute URL; http, https and data are allowed (file only with --allow-file-urls). */
  2: string url,
  /** Load timeout for this push in milliseconds; unset or <= 0 uses the server's --load-timeout. */
  3: optional i32 timeoutMs,
}

/** An HTML document to show on the stage. */
struct PushHtml {
  /** A label for what is shown, returned by whatsLoaded(). */
  1: string name,
  /** The HTML document itself (UTF-8). */
  2: string data,
  /** Load timeout for this push in milliseconds; unset or <= 0 uses the server's --load-timeout. */
  3: optional i32 timeoutMs,
}

/** A snapshot of the server's state, for monitoring and for `vitrine info`. */
struct ServerInfo {
  /** vitrine's version, e.g. "0.1.0". */
  1: string version,
  /** Milliseconds since the server started. */
  2: i64 uptimeMs,
  /** RPC connections open now (Thrift and AMP). */
  3: i32 connections,
  /** Calls answered since the server started. */
  4: i64 callsServed,
  /** Windows open now, the stage included. */
  5: i32 windows,
  /** Every address the server listens on, e.g. "unix:/run/user/1000/vitrine.sock". */
  6: list<string> listeners,
  /** The Qt platform plugin in use: "offscreen", "xcb", "wayland"... */
  7: string platform,
  /** The Qt version the server runs on. */
  8: string qtVersion,
  /** The server's process id. */
  9: i32 pid,
}

/** The caller passed a value the server cannot act on; the message says which and why. */
exception InvalidArgument {
  /** What was wrong, in words meant for the person who wrote the call. */
  1: string message,
} (amp.code = "INVALID_ARGUMENT")

/** No window with this id is open (it was never opened, or it has been closed). */
exception WindowNotFound {
  /** The id that was asked for. */
  1: i64 windowId,
  /** A sentence naming the id. */
  2: string message,
} (amp.code = "WINDOW_DOES_NOT_EXIST")

/**
 * The display-manager contract: put a web page or an HTML document on the
 * stage and ask what is shown. Names, field ids and types are those of the
 * original displaymanager service and do not change.
 */
service DisplayManager {
  /**
   * Loads `url.url` on the stage. Answers once the page has loaded (OK),
   * failed (LOAD_FAILED) or run past the load timeout (TIMED_OUT);
   * INVALID_ARGUMENT for a malformed URL or a forbidden scheme, and
   * SUPERSEDED when a newer push replaced it first.
   */
  PushResult fetchUrl(1: PushUrl url),

  /**
   * Shows the HTML document `html.data` on the stage and answers once it is
   * rendered (OK), or TIMED_OUT / SUPERSEDED as for fetchUrl. Relative links
   * in the document do not resolve.
   */
  PushResult postHtml(1: PushHtml html),

  /** The name of what the stage shows now; empty before anything was pushed. */
  string whatsLoaded(),

  /** The URL the stage shows now (for HTML, an internal vitrine: URL); empty before anything was pushed. */
  string currentUrl(),
}

/**
 * The media service: everything vitrine serves. It extends DisplayManager,
 * so one connection and one generated client reach every command.
 */
service Vitrine extends DisplayManager {
  /** Does nothing and answers at once: checks that the server is there. */
  void ping(),

  /** Version, uptime and counters of the running server. */
  ServerInfo serverInfo(),

  /**
   * A PNG of what window `windowId` shows now; 0 is the stage. Answers once
   * the window has rendered its current content.
   */
  binary screenshot(
    /** The window to capture; 0 for the stage. */
    1: i64 windowId,
  ) throws (
    /** No window with this id is open. */
    1: WindowNotFound notFound,
  ),
}
