/**
 * vitrine: a display server that other programs drive over RPC.
 *
 * This file is the one source of truth for every command vitrine serves.
 * `make gen` turns it into C++ (gen/cpp), Python (gen/py) and the JSON
 * schema (gen/amp) that the AMP bridge reads. Annotations in the
 * `amp.` namespace describe how a command looks on the AMP side; Thrift
 * clients never see them:
 *
 * - on a method: `amp.command` (its AMP name; default the method name),
 *   `amp.response` (the answer's key for a non-struct result; default
 *   "result"; a struct result spreads its fields as keys), and
 *   `amp.alias.NAME = "key=VALUE;..."` (a second AMP command NAME calling the
 *   same method with those argument keys fixed);
 * - on an argument or a struct field: `amp.name` (its AMP key; default the
 *   name), and on a struct argument `amp.flatten = "true"` (its fields become
 *   top-level keys instead of `argument.field`);
 * - on an exception: `amp.code` (its `_error_code`; default the type name).
 *
 * They make vitrine speak PyGraphics' `mediawindows` protocol: StartInspect,
 * UpdateInspect, StopInspect, PollInspect, AskOpenFilename,
 * AskSaveasFilename, AskDirectory, AskColor and Say.
 *
 * Transport: framed (4-byte big-endian length, then the message), binary
 * or compact protocol, over a Unix socket or TCP (loopback only, unless the
 * server has a --token-file). A server started with --token-file serves a TCP
 * connection, Thrift or AMP, only once it has called authenticate() with the
 * token; see docs/security.md.
 *
 * Every `string` is UTF-8. One that is not is refused by the field's name:
 * InvalidArgument where the method declares it, INVALID_ARGUMENT from
 * fetchUrl and postHtml, a TApplicationException from chooseFile. Bytes
 * that are not text travel as `binary`.
 *
 * Sizes are bounded, and every bound is checked before anything is built
 * or set aside for it. What a window shows has these limits (each a flag of
 * vitrine-server, with its default): a text (a popup's message, a
 * question's prompt or default) at most --max-text bytes (65536); a label
 * (a title, a name, an action's key or label, a choice, a name filter) at
 * most --max-label bytes (4096); a list (choices, default choices, name
 * filters) at most --max-list-items entries (100000); a popup at most
 * --max-actions action buttons (16); an HTML document at most --max-html
 * bytes (33554432); a URL at most 2097152 bytes (Chromium's own limit).
 * Past one, the call is answered LimitExceeded naming the field, the limit
 * and its flag (fetchUrl and postHtml, which declare no exceptions, answer
 * INVALID_ARGUMENT and the server logs why). A request frame over
 * --max-frame is answered with a TApplicationException saying so (the
 * clients raise LimitExceeded), then the connection closes. See
 * docs/security.md for every limit and budget.
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
  /** Absolute URL of at most 2097152 bytes; http, https and data are allowed (file only with --allow-file-urls, and for remote clients only with --remote-files too). */
  2: string url,
  /** Load timeout for this push in milliseconds; unset or <= 0 uses the server's --load-timeout. */
  3: optional i32 timeoutMs,
}

/** An HTML document to show on the stage. */
struct PushHtml {
  /** A label for what is shown, returned by whatsLoaded(). */
  1: string name,
  /** The HTML document itself (UTF-8), at most --max-html bytes (default 33554432). */
  2: string data,
  /** Load timeout for this push in milliseconds; unset or <= 0 uses the server's --load-timeout. */
  3: optional i32 timeoutMs,
}

/** Why a window closed, or why a dialog ended without an answer. */
enum CloseReason {
  /** The person closed the window (its close button, or the OK of a popup). */
  USER_CLOSED = 0,
  /** The person pressed Cancel or Escape in a dialog. */
  CANCELED = 1,
  /** A client called closeWindow. */
  CLOSED_BY_CLIENT = 2,
  /** The window's own timeout ran out. */
  TIMED_OUT = 3,
  /** The dialog was answered (ask, chooseFile, chooseColor). */
  ANSWERED = 4,
  /** An action button of a popup was pressed. */
  ACTION_INVOKED = 5,
  /** The client that opened the dialog disconnected before it was answered. */
  CLIENT_DISCONNECTED = 6,
  /** The server is shutting down. */
  SERVER_STOPPING = 7,
}

/** A button on a popup, like a freedesktop notification action. */
struct Action {
  /** What the ACTION_INVOKED event and sayAndWait report when it is pressed. */
  1: string key,
  /** The button's text. */
  2: string label,
}

/** How a popup looks and when it goes away. */
struct SayOptions {
  /** Window title (at most --max-label bytes); default "vitrine". */
  1: optional string title,
  /** Close the popup by itself after this many milliseconds; unset or <= 0: stays until closed. */
  2: optional i32 timeoutMs,
  /** Buttons, at most --max-actions (default 16), each key and label at most --max-label bytes; pressing one emits ACTION_INVOKED and closes the popup. Without actions the popup has an OK button. */
  3: optional list<Action> actions,
  /** A label for listWindows() (at most --max-label bytes). */
  4: optional string name,
}

/** What kind of answer a question wants, and so which input it shows. */
enum QuestionKind {
  /** One line of text. */
  TEXT = 0,
  /** One line of text, shown as dots. */
  PASSWORD = 1,
  /** A whole number (64-bit), within minimum..maximum when given. */
  INTEGER = 2,
  /** A decimal number, within minimum..maximum when given. */
  NUMBER = 3,
  /** One of `choices`. */
  CHOICE = 4,
  /** Any number of `choices` (none included). */
  MULTI_CHOICE = 5,
  /** Yes or No. */
  YES_NO = 6,
}

/** A question for the person at the screen. */
struct Question {
  /** The question itself, shown above the input (at most --max-text bytes). */
  1: string prompt,
  /** The kind of answer wanted. */
  2: QuestionKind kind = QuestionKind.TEXT,
  /** Window title (at most --max-label bytes); default "vitrine". */
  3: optional string title,
  /** Pre-filled text (TEXT, PASSWORD; at most --max-text bytes). */
  4: optional string defaultText,
  /** Pre-filled value (INTEGER). */
  5: optional i64 defaultInteger,
  /** Pre-filled value (NUMBER). */
  6: optional double defaultNumber,
  /** Smallest accepted value (INTEGER, NUMBER). */
  7: optional double minimum,
  /** Largest accepted value (INTEGER, NUMBER). */
  8: optional double maximum,
  /** The options (CHOICE, MULTI_CHOICE); at least one for CHOICE, at most --max-list-items (default 100000), each at most --max-label bytes. Long lists are shown lazily: a list of 100000 costs the server no more than a list of ten. */
  9: optional list<string> choices,
  /** Indices into `choices` selected at first (CHOICE: the first of them); at most --max-list-items. */
  10: optional list<i32> defaultChoices,
  /** The button focused at first (YES_NO); default Yes. */
  11: optional bool defaultYes,
  /** Give up after this many milliseconds (DialogCanceled with TIMED_OUT); unset or <= 0: wait for ever. */
  12: optional i32 timeoutMs,
}

/** The person's answer; exactly the field for the question's kind is set. */
struct Answer {
  /** The question's kind. */
  1: QuestionKind kind,
  /** TEXT, PASSWORD. */
  2: optional string text,
  /** INTEGER. */
  3: optional i64 integer,
  /** NUMBER. */
  4: optional double number,
  /** CHOICE (one element), MULTI_CHOICE: the chosen options' labels, in list order. */
  5: optional list<string> choices,
  /** CHOICE, MULTI_CHOICE: the chosen options' indices into Question.choices. */
  6: optional list<i32> choiceIndices,
  /** YES_NO. */
  7: optional bool yes,
}

/** What a file chooser picks. */
enum FileChooserMode {
  /** An existing file to open. */
  OPEN = 0,
  /** A file name to save to (it may not exist yet). */
  SAVE = 1,
  /** An existing directory. */
  DIRECTORY = 2,
}

/** A file or directory chooser (Qt's own dialog, not the platform's, so it works headless). */
struct FileChooser {
  /** What to pick. */
  1: FileChooserMode mode = FileChooserMode.OPEN,
  /** Where the dialog starts; default the server's working directory (at most --max-label bytes). */
  2: optional string directory (amp.name = "initialdir"),
  /** Qt name filters, e.g. ["Images (*.png *.jpg)", "All files (*)"]; at most --max-list-items, each at most --max-label bytes. */
  3: optional list<string> nameFilters,
  /** Window title (at most --max-label bytes). */
  4: optional string title,
  /** File name proposed in SAVE mode (at most --max-label bytes). */
  5: optional string defaultName,
  /** Give up after this many milliseconds (DialogCanceled with TIMED_OUT). */
  6: optional i32 timeoutMs,
}

/** An sRGB colour, each channel 0..255. */
struct Color {
  /** Red. */
  1: i32 r,
  /** Green. */
  2: i32 g,
  /** Blue. */
  3: i32 b,
  /** Alpha (opacity); unset means opaque (255). */
  4: optional i32 a,
}

/** Title and timeout of a colour chooser. */
struct ColorChooser {
  /** Window title (at most --max-label bytes). */
  1: optional string title,
  /** Give up after this many milliseconds (DialogCanceled with TIMED_OUT). */
  2: optional i32 timeoutMs,
  /** Offer an alpha channel. */
  3: optional bool withAlpha,
}

/** How the bytes of a Picture are laid out. */
enum PixelFormat {
  /** 3 bytes a pixel, red green blue, rows top to bottom, no padding. */
  RGB = 0,
  /** 4 bytes a pixel, red green blue alpha (not premultiplied). */
  RGBA = 1,
  /** 1 byte a pixel, 8-bit grey. */
  L = 2,
  /** A PNG file's bytes. */
  PNG = 3,
  /** A JPEG file's bytes. */
  JPEG = 4,
}

/**
 * A picture to show. Raw formats need width and height, and exactly
 * width x height x bytes-per-pixel bytes of data. Encoded formats (PNG, JPEG)
 * take width and height 0 (read from the data) or the image's own size.
 */
struct Picture {
  /** Width in pixels (0 for encoded data). */
  1: i32 width,
  /** Height in pixels (0 for encoded data). */
  2: i32 height,
  /** Layout of `data`. */
  3: PixelFormat mode,
  /** The pixels or the encoded file. */
  4: binary data,
}

/** How a picture window looks. */
struct PictureOptions {
  /** Window title (at most --max-label bytes); default "vitrine picture". */
  1: optional string title,
  /** A click on the picture shows x, y and the pixel's colour, and emits PIXEL_CLICKED. */
  2: optional bool inspectable,
  /** A label for listWindows() (at most --max-label bytes). */
  3: optional string name,
}

/** What a window is. */
enum WindowKind {
  /** The web stage (always id 0). */
  STAGE = 0,
  /** A picture window (showPicture). */
  PICTURE = 1,
  /** A popup (say, sayAndWait). */
  POPUP = 2,
  /** A question (ask). */
  QUESTION = 3,
  /** A file chooser (chooseFile). */
  FILE_CHOOSER = 4,
  /** A colour chooser (chooseColor). */
  COLOR_CHOOSER = 5,
}

/** A window's place on the screen, in pixels. */
struct Geometry {
  /** Left edge. */
  1: i32 x,
  /** Top edge. */
  2: i32 y,
  /** Width of the content. */
  3: i32 width,
  /** Height of the content. */
  4: i32 height,
}

/** One open window. */
struct WindowInfo {
  /** Its id (0 for the stage). */
  1: i64 id,
  /** What it is. */
  2: WindowKind kind,
  /** Its title. */
  3: string title,
  /** The label the client gave it (the stage: the name of what it shows). */
  4: string name,
  /** Where it is. */
  5: Geometry geometry,
  /** Whether it is shown (not hidden or minimised). */
  6: bool visible,
}

/** What an event reports. */
enum EventKind {
  /** A window closed; `closeReason` says how. */
  WINDOW_CLOSED = 0,
  /** A popup's action button was pressed; `action` is its key. */
  ACTION_INVOKED = 1,
  /** A pixel of an inspectable picture was clicked; `x`, `y`, `color`. */
  PIXEL_CLICKED = 2,
  /** A question was answered; `answer`. */
  ANSWER_GIVEN = 3,
  /** The stage shows a new page; `name`, `url`. */
  PAGE_LOADED = 4,
  /** The caller fell behind the bounded event log: `missed` events are gone. Always first in its batch. */
  EVENTS_MISSED = 5,
  /**
   * The stage's web renderer ended (crashed, killed, or out of memory) and
   * the stage was given a fresh one: `name` and `url` of the page shown
   * again, `reason` says how the old one ended. A page that keeps killing
   * its renderer is not reloaded more than a few times a minute; the stage
   * is then left blank and `url` is empty.
   */
  RENDERER_RESTARTED = 6,
  /**
   * A window opened (not the stage): `windowKind` says what it is, `name`
   * is the label its client gave it. Long-poll for it instead of polling
   * listWindows().
   */
  WINDOW_OPENED = 7,
  /**
   * A push (fetchUrl, postHtml) did not put its page on the stage:
   * `pushResult` says why (LOAD_FAILED, TIMED_OUT, SUPERSEDED,
   * INVALID_ARGUMENT), `name` and `url` what it was (`url` empty for a URL
   * refused before it was parsed). The stage keeps what it showed.
   */
  PUSH_FAILED = 8,
}

/**
 * Something that happened, in the order it happened. The strings a client
 * chose (names, URLs, action keys, answers) are cut to at most 1024 bytes
 * in an event (a URL to 2048, an answer's choices to the first 32), so
 * the log stays small whatever clients send; the caller of ask() gets the
 * whole answer.
 */
struct Event {
  /** Increasing from 1; pass the last one seen to waitEvents. 0 for EVENTS_MISSED. */
  1: i64 sequence,
  /** What happened. */
  2: EventKind kind,
  /** The window concerned (0 for the stage). */
  3: i64 windowId,
  /** When, in milliseconds since the Unix epoch. */
  4: i64 timeMs,
  /** WINDOW_CLOSED: how. */
  5: optional CloseReason closeReason,
  /** ACTION_INVOKED: the action's key. */
  6: optional string action,
  /** PIXEL_CLICKED: column, from 0 at the left. */
  7: optional i32 x,
  /** PIXEL_CLICKED: row, from 0 at the top. */
  8: optional i32 y,
  /** PIXEL_CLICKED: the pixel's colour. */
  9: optional Color color,
  /** ANSWER_GIVEN: the answer (for PASSWORD questions without its text: only the asker gets that). */
  10: optional Answer answer,
  /** PAGE_LOADED, PUSH_FAILED, RENDERER_RESTARTED: the name of the push; WINDOW_OPENED: the window's label. */
  11: optional string name,
  /** PAGE_LOADED: the URL now on the stage; PUSH_FAILED: the URL that was not shown. */
  12: optional string url,
  /** EVENTS_MISSED: how many events the caller will never see. */
  13: optional i64 missed,
  /** RENDERER_RESTARTED: how the renderer ended ("crashed", "killed", "abnormal exit", "out of memory"). */
  14: optional string reason,
  /** WINDOW_OPENED: what the window is. */
  15: optional WindowKind windowKind,
  /** PUSH_FAILED: what the push answered its caller. */
  16: optional PushResult pushResult,
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
  /** Every address the server listens on, e.g. "unix:/run/user/1000/vitrine.sock"; AMP's with "amp:" before it ("amp:tcp:127.0.0.1:31337"). */
  6: list<string> listeners,
  /** The Qt platform plugin in use: "offscreen", "xcb", "wayland"... */
  7: string platform,
  /** The Qt version the server runs on. */
  8: string qtVersion,
  /** The server's process id. */
  9: i32 pid,
  /**
   * The longest the GUI thread spent on one piece of work (one event: a
   * socket read and the calls it served, a timer, a repaint) without
   * returning to its event loop, in microseconds, since the server started
   * or since the last resetLongestTurn(). Every other client waits that
   * long, so it is the figure to watch: under a frame (16667) when all is
   * well.
   */
  10: i64 longestTurnUs,
  /** What that longest turn served: the calls (e.g. "Vitrine.say"), or the kind of event when no call ran in it. */
  11: string longestTurnCause,
  /** Turns longer than --slow-turn since the server started (each is logged with its cause). */
  12: i64 slowTurns,
  /** Bytes of pixels held by open picture windows now; at most --max-picture-memory. */
  13: i64 pictureBytes,
  /** Bytes of answers written and not yet read by their clients, over every connection; at most --max-unsent. */
  14: i64 unsentBytes,
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

/** A dialog ended without an answer. */
exception DialogCanceled {
  /** Why: CANCELED, USER_CLOSED, CLOSED_BY_CLIENT, TIMED_OUT or SERVER_STOPPING. */
  1: CloseReason reason,
  /** A sentence saying so. */
  2: string message,
} (amp.code = "DIALOG_CANCELED")

/** The server's limit on something (open windows, picture size or memory, a text's length, a list's entries) would be exceeded. */
exception LimitExceeded {
  /** Which limit, its value, and the flag that sets it. */
  1: string message,
} (amp.code = "LIMIT_EXCEEDED")

/**
 * The command is not open to this caller: a remote client (one that came
 * over TCP to a server with a --token-file, or over TLS) may not browse the
 * server's files (chooseFile, a screenshot of a file chooser) unless the
 * server was started with --remote-files.
 */
exception NotAllowed {
  /** What was refused and the flag that would allow it. */
  1: string message,
} (amp.code = "NOT_ALLOWED")

/** The token given to authenticate() is not the server's (--token-file); the server then closes the connection. */
exception AuthenticationFailed {
  /** A sentence saying so; it never repeats either token. */
  1: string message,
} (amp.code = "AUTHENTICATION_FAILED")

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
  /**
   * Proves that the caller knows the server's token (the content of the
   * file given to the server's --token-file). A server with a token file
   * serves nothing else on a TCP connection, Thrift or AMP, until this
   * succeeds; any other call first is answered with an error saying that
   * authentication is required, and the connection is closed. A wrong
   * token is answered AuthenticationFailed, and the connection is closed.
   * Unix-socket connections need no token (the socket is the user's own),
   * and a server without a token file accepts any token: a client that has
   * a token may always send it. Once is enough per connection; calling it
   * again is harmless. The token travels in clear text: see docs/security.md.
   */
  void authenticate(
    /** The server's token, without a trailing newline. */
    1: string token,
  ) throws (
    /** The token is not the server's. */
    1: AuthenticationFailed failed,
  ),

  /** Does nothing and answers at once: checks that the server is there. */
  void ping(),

  /** Version, uptime and counters of the running server. */
  ServerInfo serverInfo(),

  /**
   * A PNG of what window `windowId` shows now: 0 is the stage; pictures,
   * popups and dialogs by their ids.
   */
  binary screenshot(
    /** The window to capture; 0 for the stage. */
    1: i64 windowId,
  ) throws (
    /** No window with this id is open. */
    1: WindowNotFound notFound,
    /** A remote client asked for a file chooser's picture (its folder's file names) without --remote-files. */
    2: NotAllowed notAllowed,
  ),

  /**
   * Starts a new record of the longest GUI-thread turn: serverInfo's
   * longestTurnUs and longestTurnCause then cover only what came after
   * this call (a monitor that wants the worst stall of each interval, or a
   * test that wants the cost of one command).
   */
  void resetLongestTurn(),

  /** Opens a popup showing `text` and answers at once with its window id. */
  i64 say(
    /** The message (plain text; line breaks are kept; at most --max-text bytes; a long one scrolls). */
    1: string text,
    /** Title, timeout, action buttons (every field optional; may be left out). */
    2: SayOptions options,
  ) throws (
    /** Too many windows are open (--max-windows, or this client's share, --max-windows-per-client), or a text, label or list over its limit. */
    1: LimitExceeded limit,
    /** An action with an empty key, or a negative timeout. */
    2: InvalidArgument invalid,
  ),

  /**
   * Like say, but answers only once the popup has closed: by the person, by
   * closeWindow, by an action button or by its timeout. Returns the key of
   * the action pressed, or "" when it closed otherwise.
   */
  string sayAndWait(
    /** The message (as for say). */
    1: string text,
    /** Title, timeout, action buttons (every field optional; may be left out). */
    2: SayOptions options,
  ) throws (
    /** Too many windows are open (--max-windows, --max-windows-per-client), or a text, label or list over its limit. */
    1: LimitExceeded limit,
    /** An action with an empty key, or a negative timeout. */
    2: InvalidArgument invalid,
  ) (amp.command = "Say"),

  /**
   * Asks the person at the screen and answers with what they entered.
   * The call waits for them; other clients are served meanwhile.
   */
  Answer ask(
    /** The question, its kind, default and bounds. */
    1: Question question,
  ) throws (
    /** Cancel, Escape, the window closed, closeWindow, or the timeout. */
    1: DialogCanceled canceled,
    /** CHOICE without choices, minimum above maximum, a default out of range... */
    2: InvalidArgument invalid,
    /** Too many windows are open (--max-windows, --max-windows-per-client), or a text, label or list over its limit. */
    3: LimitExceeded limit,
  ),

  /**
   * Lets the person pick a file or directory; answers with its absolute
   * path. It browses the server's files, so a remote client may call it
   * only when the server has --remote-files.
   */
  string chooseFile(
    /** Mode, start directory, filters. */
    1: FileChooser chooser (amp.flatten = "true"),
  ) throws (
    /** Cancel, Escape, the window closed, closeWindow, or the timeout. */
    1: DialogCanceled canceled,
    /** Too many windows are open (--max-windows, --max-windows-per-client), or a label or list over its limit. */
    2: LimitExceeded limit,
    /** A remote client, and the server has no --remote-files. */
    3: NotAllowed notAllowed,
  ) (amp.response = "path",
     amp.alias.AskOpenFilename = "mode=OPEN",
     amp.alias.AskSaveasFilename = "mode=SAVE",
     amp.alias.AskDirectory = "mode=DIRECTORY"),

  /** Lets the person pick a colour, starting from `initial`. */
  Color chooseColor(
    /** The colour selected at first. */
    1: Color initial (amp.flatten = "true"),
    /** Title, timeout, alpha (may be left out). */
    2: ColorChooser options (amp.flatten = "true"),
  ) throws (
    /** Cancel, Escape, the window closed, closeWindow, or the timeout. */
    1: DialogCanceled canceled,
    /** A channel outside 0..255. */
    2: InvalidArgument invalid,
    /** Too many windows are open (--max-windows, --max-windows-per-client), or a title over --max-label. */
    3: LimitExceeded limit,
  ) (amp.command = "AskColor"),

  /** Opens a picture window and answers with its id. */
  i64 showPicture(
    /** The pixels. */
    1: Picture picture (amp.name = "img"),
    /** Title, inspectable, name (may be left out). */
    2: PictureOptions options (amp.flatten = "true"),
  ) throws (
    /** Data of the wrong length, a bad size, undecodable PNG/JPEG (the message says what was expected). */
    1: InvalidArgument invalid,
    /** Too many windows (--max-windows, --max-windows-per-client), a picture over --max-picture-pixels, or one whose pixels would take the open pictures past --max-picture-memory. */
    2: LimitExceeded limit,
  ) (amp.command = "StartInspect", amp.response = "inspector_id"),

  /** Replaces the picture in window `windowId`; answers once it is shown. */
  void updatePicture(
    /** A window opened by showPicture. */
    1: i64 windowId (amp.name = "inspector_id"),
    /** The new pixels (any size). */
    2: Picture picture (amp.name = "img"),
  ) throws (
    /** No picture window with this id is open. */
    1: WindowNotFound notFound,
    /** Data of the wrong length, a bad size, undecodable PNG/JPEG. */
    2: InvalidArgument invalid,
    /** A picture over --max-picture-pixels, or one that would take the open pictures past --max-picture-memory. */
    3: LimitExceeded limit,
  ) (amp.command = "UpdateInspect"),

  /**
   * Closes window `windowId` (not the stage). A dialog closed this way ends
   * its caller's call with DialogCanceled(CLOSED_BY_CLIENT).
   */
  void closeWindow(
    /** The window to close. */
    1: i64 windowId (amp.name = "inspector_id"),
  ) throws (
    /** No window with this id is open (or it is the stage). */
    1: WindowNotFound notFound,
  ) (amp.command = "StopInspect"),

  /** True when window `windowId` is not open: closed, or never opened. */
  bool isClosed(
    /** The window to ask about. */
    1: i64 windowId (amp.name = "inspector_id"),
  ) (amp.command = "PollInspect", amp.response = "is_closed"),

  /** Every open window, the stage first, then by id. */
  list<WindowInfo> listWindows(),

  /**
   * The events after sequence number `afterSequence`, oldest first (at most
   * 1000, and never more bytes than --max-frame: the rest come with the next
   * call). Waits up to `timeoutMs` (at most 60000) for one when there is none yet,
   * then answers with an empty list. `afterSequence` 0 starts from the oldest
   * event kept; -1 from now. A caller that fell behind the bounded log gets an
   * EVENTS_MISSED event first.
   */
  list<Event> waitEvents(
    /** The last sequence number seen; 0 for the oldest kept, -1 for only new ones. */
    1: i64 afterSequence,
    /** How long to wait for an event, in milliseconds; 0 answers at once. */
    2: i32 timeoutMs,
  ),

  /**
   * AMP only: pushes every event after `afterSequence` (numbered as for
   * waitEvents: 0 the oldest kept, -1 only new ones) to this connection as
   * `Event` commands (service VitrineEvents), oldest first, until
   * unsubscribeEvents or the connection closes. Subscribing again starts
   * over from the new `afterSequence`. At most 64 pushed events wait for
   * the peer's answer at a time; a peer that falls behind the bounded log
   * gets an EVENTS_MISSED event first. A Thrift connection cannot be called
   * back: there this answers InvalidArgument (use waitEvents).
   */
  void subscribeEvents(
    /** The last sequence number seen; 0 for the oldest kept, -1 for only new ones. */
    1: i64 afterSequence,
  ) throws (
    /** Called over Thrift, or `afterSequence` below -1. */
    1: InvalidArgument invalid,
  ),

  /** AMP only: stops the pushes subscribeEvents started; does nothing when there are none. */
  void unsubscribeEvents(),
}

/**
 * What vitrine calls on an AMP peer that called subscribeEvents. vitrine
 * does not serve it: the peer implements it (with Twisted, a responder for
 * `vitrine.amp_commands.Event`) and answers each command, with no keys.
 */
service VitrineEvents {
  /** One event, its fields as top-level keys (`kind`, `windowId`, `color.r`...). */
  void event(
    /** What happened. */
    1: Event event (amp.flatten = "true"),
  ) (amp.command = "Event"),
}
