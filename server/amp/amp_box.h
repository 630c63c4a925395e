// The AMP wire codec: boxes, the incremental box parser, BigString chunking
// and the typed value codecs (Integer, Float, Boolean, Unicode, ListOf,
// AmpList). Twisted 22.4 is the reference peer; docs/amp.md ("On the wire")
// tells users the same facts. Qt-free (std + Boost only) so it can be
// unit-tested and fuzzed on its own.
//
// The wire, as implemented here:
// - A box is a sequence of key/value pairs, each key and each value behind
//   a 2-byte big-endian length, ended by a zero key length (`00 00`). Keys
//   are 1..255 bytes (a longer key length means a broken peer) and unique
//   within a box; values are 0..65535 bytes. Keys may come in any order.
// - Keys starting with `_` are AMP's own: a command box has `_command` (its
//   name) and, when it wants an answer, `_ask` (a tag the peer chooses). The
//   answer echoes the tag as `_answer` beside the response keys; an error
//   echoes it as `_error` beside `_error_code` and `_error_description`.
//   A box with none of `_command`, `_answer`, `_error` is no AMP box.
// - Typed values are text: Integer is ASCII decimal, Float is Python's
//   str(float) ("1.5", "nan", "inf"), Boolean is exactly "True" or "False",
//   Unicode is UTF-8, String is raw bytes.
// - ListOf(T) is one value: each element as a 2-byte length and its bytes.
//   AmpList is one value: its rows as boxes, one after the other (an empty
//   row is a bare `00 00`). Neither can be longer than one value.
// - BigString/BigUnicode (the chunking recipe PyGraphics' mediawindows
//   protocol uses) carry longer values in chunks of at most 65535 bytes
//   under `key`, `key.2`, `key.3`, ...; a reader stops at the first missing
//   chunk.
//
// Error policy: bytes from a peer never cause an exception. The decoder
// reports a Status, the value codecs return std::nullopt plus a message.
// Only our own mistakes (a key or value the wire cannot express, handed to
// an encoder) throw std::invalid_argument.
//
// Everything here is plain data or pure functions: no shared state, safe on
// any thread as long as one object is not used from two threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "service/utf8_fields.h"  // isValidUtf8, what Unicode and BigUnicode accept

namespace vitrine {

/// Longest key the wire allows (a longer key prefix means a broken peer).
inline constexpr std::size_t kAmpMaxKeyBytes = 255;
/// Longest value the wire allows (the 2-byte length prefix cannot say more).
inline constexpr std::size_t kAmpMaxValueBytes = 65535;

/// One AMP box: key/value byte strings with unique keys. Insertion order is
/// kept so that encodeBox() is deterministic; lookups go through an index.
/// Keys and values are arbitrary bytes here; encodeBox() enforces the wire
/// limits.
class AmpBox {
 public:
  using Entry = std::pair<std::string, std::string>;

  AmpBox() = default;
  /// Sets each pair in turn (a repeated key keeps its first position and
  /// the last value), so tests and the bridge can write boxes as literals.
  AmpBox(std::initializer_list<Entry> entries);

  /// The value under `key`, or nullptr. The pointer is valid until the box
  /// is next modified.
  const std::string* find(std::string_view key) const;
  bool contains(std::string_view key) const { return find(key) != nullptr; }

  /// Adds `key`, or replaces its value in place if it is already present.
  void set(std::string key, std::string value);

  /// Removes `key`; returns whether it was present. O(size()).
  bool erase(std::string_view key);

  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  /// The pairs in insertion order.
  const std::vector<Entry>& entries() const { return entries_; }
  std::vector<Entry>::const_iterator begin() const { return entries_.begin(); }
  std::vector<Entry>::const_iterator end() const { return entries_.end(); }

  /// Same keys with the same values; order is ignored (AMP boxes are
  /// dictionaries: Twisted sorts keys when sending, other peers may not).
  friend bool operator==(const AmpBox& a, const AmpBox& b);

 private:
  std::vector<Entry> entries_;
  std::map<std::string, std::size_t, std::less<>> index_;  // key -> position in entries_
};

/// Serialises `box`: for each pair in insertion order a 2-byte big-endian
/// key length, the key, a 2-byte value length, the value; then `00 00`.
/// Throws std::invalid_argument if a key is empty or longer than 255 bytes
/// or a value is longer than 65535 bytes: the caller built a box the wire
/// cannot carry, which is a bug on our side (use setBigString for long
/// values). An empty box encodes as `00 00` (valid inside an AmpList only).
std::string encodeBox(const AmpBox& box);

/// Limits the decoder checks before it allocates anything for a box.
struct AmpBoxLimits {
  /// Most key + value bytes in one box (length prefixes not counted).
  std::size_t maxBoxBytes = 64 * 1024 * 1024;
  /// Most keys in one box.
  std::size_t maxKeysPerBox = 10'000;
};

/// Incremental box parser for one connection's byte stream. Bytes may be
/// split at any boundary; several boxes may arrive in one feed. Each length
/// prefix is checked against the wire and AmpBoxLimits as soon as it is
/// complete, and a key or value buffer is sized only after that check.
///
/// After an error status the decoder stays failed and keeps returning that
/// status; the caller should drop the connection. Never throws on peer data.
/// Not thread-safe: one decoder per connection, used on one thread.
class AmpBoxDecoder {
 public:
  enum class Status {
    Ok,            ///< Bytes accepted; any completed boxes were appended.
    KeyTooLong,    ///< A key length prefix over 255: a broken peer.
    EmptyBox,      ///< A box with no keys (just `00 00`) where none is allowed.
    DuplicateKey,  ///< The same key twice in one box.
    BoxTooLarge,   ///< A box's keys + values would exceed maxBoxBytes.
    TooManyKeys    ///< A box would have more than maxKeysPerBox keys.
  };

  /// Whether a box with no keys is a box or an error. On a connection it is
  /// an error (it is neither a command nor an answer, and Twisted's dispatch
  /// rejects it); inside an AmpList
  /// value it is a valid element (Twisted writes `00 00` for an element
  /// whose optional fields are all absent).
  enum class EmptyBoxes { Reject, Accept };

  /// What a box over the limits (BoxTooLarge, TooManyKeys) does.
  enum class OversizedBoxes {
    /// The decoder fails at once.
    Fail,
    /// The decoder goes on parsing that box to its end without keeping any
    /// of it (a key and the `_ask` tag excepted, at most 255 bytes each),
    /// and only then returns the error, with refusedAsk() set when the box
    /// had an `_ask`: the peer can be answered, since it has sent the whole
    /// box and will read (closing with its bytes unread would reset the
    /// connection and lose the answer). A box that goes on past
    /// kMaxSkippedBoxes times the byte limit is no box anyone meant to
    /// send: the decoder fails there, with no refusedAsk().
    SkipThenFail,
  };

  explicit AmpBoxDecoder(AmpBoxLimits limits = {}, EmptyBoxes emptyBoxes = EmptyBoxes::Reject,
                         OversizedBoxes oversized = OversizedBoxes::Fail);

  /// The limits from the next box on (a connection that has authenticated
  /// accepts more than one that has not). Call between boxes.
  void setLimits(AmpBoxLimits limits) { limits_ = limits; }
  const AmpBoxLimits& limits() const { return limits_; }

  /// How many times maxBoxBytes an oversized box may run before skipping gives up.
  static constexpr std::size_t kMaxSkippedBoxes = 4;

  /// With OversizedBoxes::SkipThenFail: true while an oversized box is being skipped.
  bool skipping() const { return skipping_; }
  /// With OversizedBoxes::SkipThenFail, after BoxTooLarge or TooManyKeys: the
  /// refused box's `_ask` tag, when it had one.
  const std::optional<std::string>& refusedAsk() const { return refusedAsk_; }

  /// Consumes all of `bytes`, appending every box completed by them to
  /// `boxes` in arrival order. Stops at the first error (boxes completed
  /// before it are still appended) and returns it.
  Status feed(std::span<const char> bytes, std::vector<AmpBox>& boxes);

  /// The error the decoder stopped at, or Ok.
  Status status() const { return status_; }

  /// Wire bytes of the box in progress received so far (0 between boxes).
  std::size_t bufferedBytes() const { return bufferedBytes_; }

  /// A short English description of `status`, for log lines.
  static std::string_view describe(Status status);

 private:
  enum class State { KeyLength, Key, ValueLength, Value, Failed };

  Status fail(Status status);
  /// Handles a complete length prefix; may complete a box.
  Status onLength(std::size_t length, std::vector<AmpBox>& boxes);
  /// Handles a complete key or value.
  Status onPiece();

  /// Over the limits: with SkipThenFail, skip the rest of the box; else fail now.
  Status overLimit(Status status);

  AmpBoxLimits limits_;
  EmptyBoxes emptyBoxes_;
  OversizedBoxes oversized_;
  /// Skipping an oversized box: which error it gets at its end, and its tag.
  bool skipping_ = false;
  Status skipStatus_ = Status::Ok;
  std::optional<std::string> refusedAsk_;
  State state_ = State::KeyLength;
  Status status_ = Status::Ok;
  unsigned char prefix_[2] = {};
  std::size_t prefixFilled_ = 0;
  std::size_t wanted_ = 0;       // length of the key or value being read
  std::size_t pieceFilled_ = 0;  // bytes of it received (piece_ may keep fewer while skipping)
  std::string piece_;            // the key or value being read
  std::string key_;         // the key whose value is being read
  AmpBox box_;              // the box in progress
  std::size_t boxBytes_ = 0;
  std::size_t bufferedBytes_ = 0;
};

// ---- BigString (PyGraphics' chunking recipe): chunks under `key`, `key.2`, `key.3`, ...

/// Joins the chunks of a BigString: the value under `key`, then `key.2`,
/// `key.3`, ... up to the first missing key (a later chunk after a gap is
/// ignored, as the recipe says). The chunks may appear in any order within
/// the box; the loop is bounded by box.size(). Returns std::nullopt when
/// `key` itself is absent (the caller decides whether that is an error).
/// BigUnicode is this plus isValidUtf8().
std::optional<std::string> readBigString(const AmpBox& box, std::string_view key);

/// The chunks readBigString would join, in order, as views of the box's
/// values (valid until the box is next modified): for a reader that can use
/// them where they are instead of copying a megabyte into one string.
/// std::nullopt when `key` is absent.
std::optional<std::vector<std::string_view>> bigStringChunks(const AmpBox& box, std::string_view key);

/// Stores `value` in chunks of at most 65535 bytes under `key`, `key.2`, ...
/// (65535 bytes is one chunk, 65536 two, an empty value one empty chunk),
/// and erases any stale `key.N` chunks beyond them left by an earlier,
/// longer value. Throws std::invalid_argument if `key` is empty or a chunk
/// key would be longer than 255 bytes (a bug in the caller).
void setBigString(AmpBox& box, std::string_view key, std::string_view value);

// ---- Typed values. Decoders take a peer's bytes, never throw, and on bad
// input return std::nullopt and, if `error` is not null, set *error to a
// short reason (the input is not quoted: it may be binary or large).
// String values are raw bytes and need no codec.

/// Integer: what Python's int() accepts for ASCII bytes: optional surrounding
/// whitespace (space, \t, \n, \v, \f, \r), an optional '+' or '-', then one
/// or more ASCII digits; leading zeros are fine ("05" is 5, "-0" is 0).
/// Rejected: an empty string, anything else (including Python's '_' digit
/// separators, which Twisted never sends) and values outside int64.
std::optional<std::int64_t> decodeInteger(std::string_view bytes, std::string* error = nullptr);
/// Integer: plain decimal with '-' for negatives, as Twisted writes it.
std::string encodeInteger(std::int64_t value);

/// Float: what Python's float() accepts for ASCII bytes: optional surrounding
/// whitespace, an optional sign, then a decimal ("1.5", ".5", "5.", "1e+20",
/// "1E5") or, ignoring case, "inf", "infinity" or "nan". Like Python, a
/// decimal too large for a double is ±inf and one too small is ±0. Rejected:
/// anything else, including '_' separators, hex floats and "nan(...)".
std::optional<double> decodeFloat(std::string_view bytes, std::string* error = nullptr);
/// Float: exactly Python's str(float): the shortest digits that round-trip
/// the double, fixed notation with at least one decimal ("123.0", "0.0001")
/// when the decimal exponent is in -4..15, else "1e+20" / "1.5e-07" style;
/// "nan" (any NaN), "inf", "-inf"; "-0.0" for negative zero.
std::string encodeFloat(double value);

/// Boolean: exactly "True" or "False"; anything else ("true", "1") is rejected.
std::optional<bool> decodeBoolean(std::string_view bytes, std::string* error = nullptr);
std::string encodeBoolean(bool value);

/// Unicode: the bytes themselves when they are valid UTF-8. Encoding is the
/// identity on a UTF-8 std::string, so there is no encodeUnicode.
std::optional<std::string> decodeUnicode(std::string_view bytes, std::string* error = nullptr);

/// ListOf(T): each element (already encoded with T's codec) as a 2-byte
/// big-endian length and the bytes. Returns std::nullopt (and sets *error)
/// if an element or the whole list exceeds 65535 bytes, since the list must
/// fit in one value; that size can come from a Thrift caller's data, so it
/// is a reportable error rather than an exception. An empty list is "".
std::optional<std::string> encodeListOf(const std::vector<std::string>& encodedElements,
                                        std::string* error = nullptr);
/// ListOf(T): splits a value into its elements' bytes (decode each with T's
/// codec). Stricter than Twisted, which silently drops a truncated last
/// element: a truncated element is an error here.
std::optional<std::vector<std::string>> decodeListOf(std::string_view bytes, std::string* error = nullptr);

/// AmpList: the serialised boxes back to back, each ending `00 00`; an
/// element with no keys is `00 00` and is valid. Same size rule and error
/// reporting as encodeListOf; keys and values inside the boxes must satisfy
/// encodeBox's preconditions (else std::invalid_argument, as there).
std::optional<std::string> encodeAmpList(const std::vector<AmpBox>& boxes, std::string* error = nullptr);
/// AmpList: parses the sub-boxes with AmpBoxDecoder's rules (duplicate keys
/// and keys over 255 bytes are errors) except that empty sub-boxes are
/// allowed. A truncated last sub-box is an error (Twisted would drop it).
std::optional<std::vector<AmpBox>> decodeAmpList(std::string_view bytes, std::string* error = nullptr);

}  // namespace vitrine
