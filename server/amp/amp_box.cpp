#include "amp/amp_box.h"

#include <algorithm>
#include <boost/endian/conversion.hpp>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <system_error>

namespace vitrine {
namespace {

void appendLength(std::string& out, std::size_t length) {
  unsigned char prefix[2];
  boost::endian::store_big_u16(prefix, static_cast<std::uint16_t>(length));
  out.append(reinterpret_cast<const char*>(prefix), sizeof prefix);
}

void appendPrefixed(std::string& out, std::string_view bytes) {
  appendLength(out, bytes.size());
  out.append(bytes);
}

std::size_t loadLength(std::string_view twoBytes) {
  return boost::endian::load_big_u16(reinterpret_cast<const unsigned char*>(twoBytes.data()));
}

template <class T>
std::optional<T> reject(std::string* error, std::string_view reason) {
  if (error) *error = reason;
  return std::nullopt;
}

std::string chunkKey(std::string_view key, std::size_t chunk) {
  std::string name(key);
  if (chunk > 1) name += '.' + std::to_string(chunk);
  return name;
}

// The bytes Python's int() and float() strip from bytes input (Py_ISSPACE).
constexpr std::string_view kPythonSpace = " \t\n\v\f\r";

std::string_view trimPythonSpace(std::string_view text) {
  const std::size_t first = text.find_first_not_of(kPythonSpace);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kPythonSpace) - first + 1);
}

/// Removes a leading '+' or '-'; returns whether it was '-'.
bool takeSign(std::string_view& text) {
  if (text.empty() || (text.front() != '+' && text.front() != '-')) return false;
  const bool negative = text.front() == '-';
  text.remove_prefix(1);
  return negative;
}

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

bool equalsIgnoringCase(std::string_view text, std::string_view lowercase) {
  const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; };
  return std::ranges::equal(text, lowercase, [&lower](char a, char b) { return lower(a) == b; });
}

/// Python's decimal float syntax without '_': digits, optional '.', optional
/// digits (at least one digit in all), then optionally e/E, a sign, digits.
bool isDecimalLiteral(std::string_view text) {
  std::size_t i = 0;
  std::size_t mantissaDigits = 0;
  for (; i < text.size() && isDigit(text[i]); ++i) ++mantissaDigits;
  if (i < text.size() && text[i] == '.') {
    for (++i; i < text.size() && isDigit(text[i]); ++i) ++mantissaDigits;
  }
  if (mantissaDigits == 0) return false;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    const std::size_t exponentStart = i;
    while (i < text.size() && isDigit(text[i])) ++i;
    if (i == exponentStart) return false;
  }
  return i == text.size();
}

/// For a decimal literal std::from_chars found out of range: true if it is
/// too large (Python makes it inf), false if too small (Python makes it 0).
/// Out of range means beyond ~1.8e308 or below ~2.5e-324, so the decimal
/// exponent of the first significant digit being >= 0 decides.
bool overflows(std::string_view literal) {
  const std::size_t e = literal.find_first_of("eE");
  const std::string_view mantissa = literal.substr(0, e);
  long long exponent = 0;
  if (e != std::string_view::npos) {
    std::string_view digits = literal.substr(e + 1);
    const bool negative = takeSign(digits);
    if (std::from_chars(digits.data(), digits.data() + digits.size(), exponent).ec != std::errc{}) {
      exponent = std::numeric_limits<int>::max();  // absurdly many digits: far out either way
    }
    if (negative) exponent = -exponent;
  }
  const std::size_t point = std::min(mantissa.find('.'), mantissa.size());
  const std::size_t first = mantissa.find_first_of("123456789");  // exists: zero is never out of range
  const long long position = first < point ? static_cast<long long>(point - first - 1)
                                           : -static_cast<long long>(first - point);
  return position + exponent >= 0;
}

}  // namespace

// ---- AmpBox

AmpBox::AmpBox(std::initializer_list<Entry> entries) {
  for (const auto& [key, value] : entries) set(key, value);
}

const std::string* AmpBox::find(std::string_view key) const {
  const auto it = index_.find(key);
  return it == index_.end() ? nullptr : &entries_[it->second].second;
}

void AmpBox::set(std::string key, std::string value) {
  if (const auto it = index_.find(key); it != index_.end()) {
    entries_[it->second].second = std::move(value);
    return;
  }
  index_.emplace(key, entries_.size());
  entries_.emplace_back(std::move(key), std::move(value));
}

bool AmpBox::erase(std::string_view key) {
  const auto it = index_.find(key);
  if (it == index_.end()) return false;
  const std::size_t position = it->second;
  index_.erase(it);
  entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(position));
  for (auto& [name, where] : index_) {
    if (where > position) --where;
  }
  return true;
}

bool operator==(const AmpBox& a, const AmpBox& b) {
  if (a.size() != b.size()) return false;
  // Keys are unique, so equal sizes plus every pair of `a` found in `b` suffice.
  return std::ranges::all_of(a.entries_, [&b](const AmpBox::Entry& entry) {
    const std::string* other = b.find(entry.first);
    return other && *other == entry.second;
  });
}

std::string encodeBox(const AmpBox& box) {
  std::size_t total = 2;
  for (const auto& [key, value] : box) {
    if (key.empty() || key.size() > kAmpMaxKeyBytes) {
      throw std::invalid_argument("encodeBox: a key of " + std::to_string(key.size()) +
                                  " bytes; AMP keys are 1..255 bytes");
    }
    if (value.size() > kAmpMaxValueBytes) {
      throw std::invalid_argument("encodeBox: the value of '" + key + "' has " + std::to_string(value.size()) +
                                  " bytes; AMP values are at most 65535 bytes (see setBigString)");
    }
    total += 4 + key.size() + value.size();
  }
  std::string out;
  out.reserve(total);
  for (const auto& [key, value] : box) {
    appendPrefixed(out, key);
    appendPrefixed(out, value);
  }
  appendLength(out, 0);
  return out;
}

// ---- AmpBoxDecoder

namespace {
// Longest `_ask` tag kept from a box that is being skipped (a tag is short: Twisted's are hex counters).
constexpr std::size_t kMaxKeptTag = 255;
}  // namespace

AmpBoxDecoder::AmpBoxDecoder(AmpBoxLimits limits, EmptyBoxes emptyBoxes, OversizedBoxes oversized)
    : limits_(limits), emptyBoxes_(emptyBoxes), oversized_(oversized) {}

AmpBoxDecoder::Status AmpBoxDecoder::feed(std::span<const char> bytes, std::vector<AmpBox>& boxes) {
  while (!bytes.empty() && state_ != State::Failed) {
    const bool readingLength = state_ == State::KeyLength || state_ == State::ValueLength;
    std::size_t used = 0;
    if (readingLength) {
      used = std::min(bytes.size(), sizeof prefix_ - prefixFilled_);
      std::memcpy(prefix_ + prefixFilled_, bytes.data(), used);
      prefixFilled_ += used;
    } else {
      used = std::min(bytes.size(), wanted_ - pieceFilled_);
      // While skipping, only what can be kept small is kept: keys, and values up to a tag's length.
      if (!skipping_ || wanted_ <= kMaxKeptTag) piece_.append(bytes.data(), used);
      pieceFilled_ += used;
    }
    bytes = bytes.subspan(used);
    bufferedBytes_ += used;
    if (skipping_ && bufferedBytes_ / kMaxSkippedBoxes > limits_.maxBoxBytes) {
      skipping_ = false;
      refusedAsk_.reset();  // it is still sending: an answer would be lost in the reset
      return fail(skipStatus_);
    }
    if (readingLength && prefixFilled_ == sizeof prefix_) {
      prefixFilled_ = 0;
      onLength(boost::endian::load_big_u16(prefix_), boxes);
    } else if (!readingLength && pieceFilled_ == wanted_) {
      onPiece();
    }
  }
  return status_;
}

AmpBoxDecoder::Status AmpBoxDecoder::onLength(std::size_t length, std::vector<AmpBox>& boxes) {
  if (state_ == State::KeyLength) {
    if (length == 0) {  // the end of the box
      if (skipping_) {
        skipping_ = false;
        return fail(skipStatus_);  // the whole oversized box has gone by: now it can be answered
      }
      if (box_.empty() && emptyBoxes_ == EmptyBoxes::Reject) return fail(Status::EmptyBox);
      boxes.push_back(std::move(box_));
      box_ = AmpBox();
      boxBytes_ = 0;
      bufferedBytes_ = 0;
      return Status::Ok;
    }
    if (length > kAmpMaxKeyBytes) return fail(Status::KeyTooLong);
    if (!skipping_ && box_.size() >= limits_.maxKeysPerBox && overLimit(Status::TooManyKeys) != Status::Ok) {
      return status_;
    }
  }
  // boxBytes_ never exceeds the limit, so the subtraction cannot wrap.
  if (!skipping_ && length > limits_.maxBoxBytes - boxBytes_ && overLimit(Status::BoxTooLarge) != Status::Ok) {
    return status_;
  }
  if (!skipping_) boxBytes_ += length;
  wanted_ = length;
  pieceFilled_ = 0;
  piece_.clear();
  if (!skipping_) piece_.reserve(length);
  state_ = state_ == State::KeyLength ? State::Key : State::Value;
  // An empty value is complete now: no further byte will arrive for it.
  return length == 0 ? onPiece() : Status::Ok;
}

AmpBoxDecoder::Status AmpBoxDecoder::overLimit(Status status) {
  if (oversized_ == OversizedBoxes::Fail) return fail(status);
  // From here on nothing of this box is kept but its tag.
  skipping_ = true;
  skipStatus_ = status;
  if (const std::string* ask = box_.find("_ask"); ask && ask->size() <= kMaxKeptTag) refusedAsk_ = *ask;
  box_ = AmpBox();
  return Status::Ok;
}

AmpBoxDecoder::Status AmpBoxDecoder::onPiece() {
  if (skipping_) {
    if (state_ == State::Key) {
      key_ = std::move(piece_);
      state_ = State::ValueLength;
    } else {
      if (key_ == "_ask" && wanted_ <= kMaxKeptTag && !refusedAsk_) refusedAsk_ = std::move(piece_);
      state_ = State::KeyLength;
    }
    piece_.clear();
    return Status::Ok;
  }
  if (state_ == State::Key) {
    if (box_.contains(piece_)) return fail(Status::DuplicateKey);
    key_ = std::move(piece_);
    state_ = State::ValueLength;
  } else {
    box_.set(std::move(key_), std::move(piece_));
    state_ = State::KeyLength;
  }
  return Status::Ok;
}

AmpBoxDecoder::Status AmpBoxDecoder::fail(Status status) {
  state_ = State::Failed;
  status_ = status;
  return status;
}

std::string_view AmpBoxDecoder::describe(Status status) {
  switch (status) {
    case Status::Ok:
      return "ok";
    case Status::KeyTooLong:
      return "key length over 255 bytes";
    case Status::EmptyBox:
      return "empty box";
    case Status::DuplicateKey:
      return "duplicate key in a box";
    case Status::BoxTooLarge:
      return "box exceeds the byte limit";
    case Status::TooManyKeys:
      return "box exceeds the key limit";
  }
  return "unknown status";
}

// ---- BigString

std::optional<std::vector<std::string_view>> bigStringChunks(const AmpBox& box, std::string_view key) {
  std::vector<std::string_view> chunks;
  // Each chunk is a distinct key, so there are at most box.size() of them.
  for (std::size_t n = 1; n <= box.size(); ++n) {
    const std::string* chunk = box.find(chunkKey(key, n));
    if (!chunk) break;
    chunks.emplace_back(*chunk);
  }
  if (chunks.empty()) return std::nullopt;
  return chunks;
}

std::optional<std::string> readBigString(const AmpBox& box, std::string_view key) {
  const std::optional<std::vector<std::string_view>> chunks = bigStringChunks(box, key);
  if (!chunks) return std::nullopt;
  std::size_t total = 0;
  for (const std::string_view chunk : *chunks) total += chunk.size();
  std::string joined;
  joined.reserve(total);
  for (const std::string_view chunk : *chunks) joined += chunk;
  return joined;
}

void setBigString(AmpBox& box, std::string_view key, std::string_view value) {
  const std::size_t chunks = value.empty() ? 1 : (value.size() + kAmpMaxValueBytes - 1) / kAmpMaxValueBytes;
  // The last chunk has the longest key.
  if (key.empty() || chunkKey(key, chunks).size() > kAmpMaxKeyBytes) {
    throw std::invalid_argument("setBigString: chunk keys of '" + std::string(key) + "' would not be 1..255 bytes");
  }
  for (std::size_t n = 1; n <= chunks; ++n) {
    box.set(chunkKey(key, n), std::string(value.substr((n - 1) * kAmpMaxValueBytes, kAmpMaxValueBytes)));
  }
  // A reader would otherwise append a longer earlier value's tail.
  for (std::size_t n = chunks + 1; box.erase(chunkKey(key, n)); ++n) {
  }
}

// ---- Integer

std::optional<std::int64_t> decodeInteger(std::string_view bytes, std::string* error) {
  std::string_view text = trimPythonSpace(bytes);
  const bool negative = takeSign(text);
  if (text.empty() || !std::ranges::all_of(text, isDigit)) {
    return reject<std::int64_t>(error, "Integer: not a decimal integer");
  }
  std::uint64_t magnitude = 0;
  const bool fits = std::from_chars(text.data(), text.data() + text.size(), magnitude).ec == std::errc{};
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (!fits || magnitude > kMax + (negative ? 1 : 0)) {
    return reject<std::int64_t>(error, "Integer: outside the 64-bit signed range");
  }
  // Unsigned negation then conversion is exact in C++20 (two's complement),
  // including for the magnitude 2^63 of INT64_MIN.
  return negative ? static_cast<std::int64_t>(0 - magnitude) : static_cast<std::int64_t>(magnitude);
}

std::string encodeInteger(std::int64_t value) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return {buffer, result.ptr};
}

// ---- Float

std::optional<double> decodeFloat(std::string_view bytes, std::string* error) {
  std::string_view text = trimPythonSpace(bytes);
  const bool negative = takeSign(text);
  constexpr double kInfinity = std::numeric_limits<double>::infinity();
  if (equalsIgnoringCase(text, "inf") || equalsIgnoringCase(text, "infinity")) return negative ? -kInfinity : kInfinity;
  if (equalsIgnoringCase(text, "nan")) return std::numeric_limits<double>::quiet_NaN();
  // std::from_chars alone would also take "nan(...)" and hex; Python does not.
  if (!isDecimalLiteral(text)) return reject<double>(error, "Float: not a number");
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::general);
  if (ec == std::errc::result_out_of_range) {
    value = overflows(text) ? kInfinity : 0.0;
  } else if (ec != std::errc{} || end != text.data() + text.size()) {
    return reject<double>(error, "Float: not a number");
  }
  return negative ? -value : value;
}

std::string encodeFloat(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  // The shortest digits that round-trip, as "[-]d[.ddd]e(+|-)XX"; then laid
  // out the way Python's float repr does.
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  std::string_view text(buffer, static_cast<std::size_t>(result.ptr - buffer));
  std::string out;
  if (text.front() == '-') {
    out += '-';
    text.remove_prefix(1);
  }
  const std::size_t e = text.find('e');
  std::string digits;
  for (char c : text.substr(0, e)) {
    if (c != '.') digits += c;
  }
  int exponent = 0;
  std::from_chars(text.data() + e + 2, text.data() + text.size(), exponent);
  if (text[e + 1] == '-') exponent = -exponent;

  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) {
      out += "0.";
      out.append(static_cast<std::size_t>(-exponent - 1), '0');
      out += digits;
    } else {
      const auto integerDigits = static_cast<std::size_t>(exponent + 1);
      if (digits.size() <= integerDigits) {
        out += digits;
        out.append(integerDigits - digits.size(), '0');
        out += ".0";
      } else {
        out += digits.substr(0, integerDigits);
        out += '.';
        out += digits.substr(integerDigits);
      }
    }
  } else {
    out += digits[0];
    if (digits.size() > 1) {
      out += '.';
      out += digits.substr(1);
    }
    out += exponent < 0 ? "e-" : "e+";
    if (std::abs(exponent) < 10) out += '0';
    out += std::to_string(std::abs(exponent));
  }
  return out;
}

// ---- Boolean

std::optional<bool> decodeBoolean(std::string_view bytes, std::string* error) {
  if (bytes == "True") return true;
  if (bytes == "False") return false;
  return reject<bool>(error, "Boolean: neither True nor False");
}

std::string encodeBoolean(bool value) {
  return value ? "True" : "False";
}

// ---- Unicode

std::optional<std::string> decodeUnicode(std::string_view bytes, std::string* error) {
  if (!isValidUtf8(bytes)) return reject<std::string>(error, "Unicode: invalid UTF-8");
  return std::string(bytes);
}

// ---- ListOf

std::optional<std::string> encodeListOf(const std::vector<std::string>& encodedElements, std::string* error) {
  std::size_t total = 0;
  for (const std::string& element : encodedElements) total += 2 + element.size();
  if (total > kAmpMaxValueBytes) return reject<std::string>(error, "ListOf: the list exceeds 65535 bytes");
  std::string out;
  out.reserve(total);
  for (const std::string& element : encodedElements) appendPrefixed(out, element);
  return out;
}

std::optional<std::vector<std::string>> decodeListOf(std::string_view bytes, std::string* error) {
  std::vector<std::string> elements;
  while (!bytes.empty()) {
    if (bytes.size() < 2) return reject<std::vector<std::string>>(error, "ListOf: truncated element length");
    const std::size_t length = loadLength(bytes);
    bytes.remove_prefix(2);
    if (length > bytes.size()) return reject<std::vector<std::string>>(error, "ListOf: truncated element");
    elements.emplace_back(bytes.substr(0, length));
    bytes.remove_prefix(length);
  }
  return elements;
}

// ---- AmpList

std::optional<std::string> encodeAmpList(const std::vector<AmpBox>& boxes, std::string* error) {
  std::string out;
  for (const AmpBox& box : boxes) {
    out += encodeBox(box);
    if (out.size() > kAmpMaxValueBytes) return reject<std::string>(error, "AmpList: the list exceeds 65535 bytes");
  }
  return out;
}

std::optional<std::vector<AmpBox>> decodeAmpList(std::string_view bytes, std::string* error) {
  // The input is already in memory: its own size is the only limit needed
  // (a box cannot hold more key bytes, nor more keys, than there are bytes).
  const std::size_t size = std::max<std::size_t>(bytes.size(), 1);
  AmpBoxDecoder decoder({.maxBoxBytes = size, .maxKeysPerBox = size}, AmpBoxDecoder::EmptyBoxes::Accept);
  std::vector<AmpBox> boxes;
  if (const auto status = decoder.feed(bytes, boxes); status != AmpBoxDecoder::Status::Ok) {
    return reject<std::vector<AmpBox>>(error, "AmpList: " + std::string(AmpBoxDecoder::describe(status)));
  }
  if (decoder.bufferedBytes() != 0) return reject<std::vector<AmpBox>>(error, "AmpList: truncated sub-box");
  return boxes;
}

}  // namespace vitrine
