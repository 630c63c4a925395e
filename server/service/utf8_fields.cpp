#include "service/utf8_fields.h"

#include <thrift/protocol/TVirtualProtocol.h>
#include <thrift/transport/TTransportUtils.h>

#include <memory>
#include <vector>

namespace vitrine {

namespace {

using apache::thrift::protocol::TType;

// A protocol that writes nothing: it follows the field names down the value
// and notes the first string that is not UTF-8. Strings and binaries are
// written through different calls, so only text is checked.
class Utf8Finder : public apache::thrift::protocol::TVirtualProtocol<Utf8Finder> {
 public:
  explicit Utf8Finder(std::string_view name)
      : TVirtualProtocol(std::make_shared<apache::thrift::transport::TNullTransport>()), path_{std::string(name)} {}

  const std::optional<std::string>& found() const { return found_; }

  uint32_t writeStructBegin(const char*) { return 0; }
  uint32_t writeStructEnd() { return 0; }
  uint32_t writeFieldBegin(const char* name, const TType, const int16_t) {
    path_.push_back(path_.back() + "." + name);
    return 0;
  }
  uint32_t writeFieldEnd() {
    path_.pop_back();
    return 0;
  }
  uint32_t writeFieldStop() { return 0; }
  uint32_t writeMapBegin(const TType, const TType, const uint32_t) { return 0; }
  uint32_t writeMapEnd() { return 0; }
  uint32_t writeListBegin(const TType, const uint32_t) { return 0; }
  uint32_t writeListEnd() { return 0; }
  uint32_t writeSetBegin(const TType, const uint32_t) { return 0; }
  uint32_t writeSetEnd() { return 0; }
  uint32_t writeBool(const bool) { return 0; }
  uint32_t writeByte(const int8_t) { return 0; }
  uint32_t writeI16(const int16_t) { return 0; }
  uint32_t writeI32(const int32_t) { return 0; }
  uint32_t writeI64(const int64_t) { return 0; }
  uint32_t writeDouble(const double) { return 0; }
  uint32_t writeString(const std::string& text) {
    if (!found_ && !isValidUtf8(text)) found_ = path_.back();
    return 0;
  }
  uint32_t writeBinary(const std::string&) { return 0; }

 private:
  std::vector<std::string> path_;  // the dotted name of each field we are in, outermost first
  std::optional<std::string> found_;
};

}  // namespace

bool isValidUtf8(std::string_view bytes) {
  std::size_t i = 0;
  while (i < bytes.size()) {
    const auto lead = static_cast<unsigned char>(bytes[i]);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    // The second byte's range is narrowed where the plain 80..BF would admit
    // overlong forms (after E0, F0), surrogates (after ED) or code points
    // past U+10FFFF (after F4). C0, C1 and F5..FF only start overlong or
    // out-of-range sequences, and 80..BF cannot start one at all.
    std::size_t length = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) low = 0xA0;
      if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) low = 0x90;
      if (lead == 0xF4) high = 0x8F;
    } else {
      return false;
    }
    if (bytes.size() - i < length) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto c = static_cast<unsigned char>(bytes[i + k]);
      if (c < (k == 1 ? low : 0x80) || c > (k == 1 ? high : 0xBF)) return false;
    }
    i += length;
  }
  return true;
}

std::optional<std::string> firstNonUtf8FieldWritten(
    const std::function<void(apache::thrift::protocol::TProtocol&)>& write, std::string_view name) {
  Utf8Finder finder(name);
  write(finder);
  return finder.found();
}

}  // namespace vitrine
