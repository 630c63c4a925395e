#include "service/utf8_fields.h"

#include <thrift/protocol/TVirtualProtocol.h>
#include <thrift/transport/TTransportUtils.h>

#include <QUtf8StringView>
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
    if (!found_ && !isUtf8(text)) found_ = path_.back();
    return 0;
  }
  uint32_t writeBinary(const std::string&) { return 0; }

 private:
  std::vector<std::string> path_;  // the dotted name of each field we are in, outermost first
  std::optional<std::string> found_;
};

}  // namespace

bool isUtf8(std::string_view bytes) {
  // Qt's check allocates nothing (an HTML document may be megabytes) and, like
  // Python's strict decoder (and so AMP), refuses overlong forms, surrogates
  // and code points over U+10FFFF.
  return QUtf8StringView(bytes.data(), static_cast<qsizetype>(bytes.size())).isValidUtf8();
}

std::optional<std::string> firstNonUtf8FieldWritten(
    const std::function<void(apache::thrift::protocol::TProtocol&)>& write, std::string_view name) {
  Utf8Finder finder(name);
  write(finder);
  return finder.found();
}

}  // namespace vitrine
