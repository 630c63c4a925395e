// Fuzz target: decodePicture (service/picture_decoder.h), raw and PNG/JPEG.
//
// Input layout (what tests/fuzz/make_seeds.py writes):
//   byte 0      the PixelFormat as a number (0 RGB, 1 RGBA, 2 L, 3 PNG,
//               4 JPEG; anything else is an unknown format, answered Invalid)
//   bytes 1-4   width, int32 big-endian (may be 0 or negative)
//   bytes 5-8   height, int32 big-endian
//   the rest    api::Picture::data
// A shorter input is padded with zeros to 9 bytes.
//
// The pixel limit is small (kMaxPixels), as with a low --max-picture-pixels,
// so the fuzzer does not spend its time allocating large images.
//
// Checked, beyond the sanitizers: Ok comes with an image no larger than the
// limit and no error; anything else with an error sentence and no image; a
// raw picture's rows are its data, byte for byte; a PNG/JPEG given a width
// and height other than 0 decodes to that size.
#include <QCoreApplication>
#include <QImage>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include "fuzz_support.h"
#include "service/picture_decoder.h"

namespace {

constexpr qint64 kMaxPixels = 1 << 20;  // 1024 x 1024
constexpr std::size_t kHeaderBytes = 9;

std::int32_t int32At(const std::uint8_t* p) {
  return static_cast<std::int32_t>(std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 |
                                   std::uint32_t{p[3]});
}

// Qt's image readers are not instrumented, so libFuzzer sees no difference
// between a JPEG that decodes to greyscale, one that decodes to CMYK and one
// that fails half-way: it would drop all but one of them from its corpus.
// These extra counters (libFuzzer reads the section as more coverage) tell
// outcomes apart: mode, status, the image's format and size class, and the
// kind of error (its text with the numbers taken out).
constexpr std::size_t kOutcomeCounters = 4096;
__attribute__((used, section("__libfuzzer_extra_counters"))) std::uint8_t outcomeCounters[kOutcomeCounters];

std::uint32_t mix(std::uint32_t hash, std::uint32_t value) {
  return (hash ^ value) * 16777619u;  // FNV-1a step
}

unsigned sizeClass(int pixels) {
  unsigned bits = 0;
  for (; pixels > 0; pixels >>= 1) ++bits;
  return bits;
}

void countOutcome(const vitrine::api::Picture& picture, const vitrine::DecodedPicture& decoded) {
  std::uint32_t hash = 2166136261u;
  hash = mix(hash, std::min<std::uint32_t>(static_cast<std::uint32_t>(picture.mode), 5));
  hash = mix(hash, static_cast<std::uint32_t>(decoded.status));
  hash = mix(hash, static_cast<std::uint32_t>(decoded.image.format()));
  hash = mix(hash, sizeClass(decoded.image.width()));
  hash = mix(hash, sizeClass(decoded.image.height()));
  for (const QChar c : decoded.error) {
    if (!c.isDigit()) hash = mix(hash, c.unicode());
  }
  outcomeCounters[hash % kOutcomeCounters] = 1;
}

int bytesPerPixel(vitrine::api::PixelFormat::type mode) {
  switch (mode) {
    case vitrine::api::PixelFormat::RGB:
      return 3;
    case vitrine::api::PixelFormat::RGBA:
      return 4;
    case vitrine::api::PixelFormat::L:
      return 1;
    default:
      return 0;
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  // The JPEG reader is a Qt plugin: found through the application's library paths.
  static QCoreApplication app(*argc, *argv);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::uint8_t header[kHeaderBytes] = {};
  std::memcpy(header, data, std::min(size, kHeaderBytes));

  vitrine::api::Picture picture;
  picture.mode = static_cast<vitrine::api::PixelFormat::type>(header[0]);
  picture.width = int32At(header + 1);
  picture.height = int32At(header + 5);
  if (size > kHeaderBytes) picture.data.assign(reinterpret_cast<const char*>(data) + kHeaderBytes, size - kHeaderBytes);

  const vitrine::DecodedPicture decoded = vitrine::decodePicture(picture, kMaxPixels);
  countOutcome(picture, decoded);
  static const bool verbose = qEnvironmentVariableIsSet("VITRINE_FUZZ_VERBOSE");
  if (verbose) {
    std::fprintf(stderr, "mode %d, %d x %d, %zu bytes: status %d, image %d x %d, error: %s\n",
                 static_cast<int>(picture.mode), picture.width, picture.height, picture.data.size(),
                 static_cast<int>(decoded.status), decoded.image.width(), decoded.image.height(),
                 qPrintable(decoded.error));
  }
  if (decoded.status != vitrine::DecodedPicture::Status::Ok) {
    VITRINE_FUZZ_CHECK(!decoded.error.isEmpty());
    VITRINE_FUZZ_CHECK(decoded.image.isNull());
    return 0;
  }
  VITRINE_FUZZ_CHECK(decoded.error.isEmpty());
  const QImage& image = decoded.image;
  VITRINE_FUZZ_CHECK(!image.isNull());
  VITRINE_FUZZ_CHECK(static_cast<qint64>(image.width()) * image.height() <= kMaxPixels);

  if (const int bpp = bytesPerPixel(picture.mode); bpp != 0) {
    VITRINE_FUZZ_CHECK(image.width() == picture.width && image.height() == picture.height);
    const std::size_t row = static_cast<std::size_t>(picture.width) * bpp;
    VITRINE_FUZZ_CHECK(picture.data.size() == row * picture.height);
    for (int y = 0; y < image.height(); ++y) {
      VITRINE_FUZZ_CHECK(std::memcmp(image.constScanLine(y), picture.data.data() + row * y, row) == 0);
    }
  } else {
    if (picture.width != 0) VITRINE_FUZZ_CHECK(image.width() == picture.width);
    if (picture.height != 0) VITRINE_FUZZ_CHECK(image.height() == picture.height);
  }
  return 0;
}
