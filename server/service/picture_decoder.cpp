#include "service/picture_decoder.h"

#include <QBuffer>
#include <QImageReader>
#include <algorithm>
#include <climits>
#include <cstring>

namespace vitrine {

namespace {

DecodedPicture failure(DecodedPicture::Status status, QString error) {
  return DecodedPicture{status, {}, std::move(error)};
}

const char* modeName(api::PixelFormat::type mode) {
  const auto found = api::_PixelFormat_VALUES_TO_NAMES.find(mode);
  return found == api::_PixelFormat_VALUES_TO_NAMES.end() ? "?" : found->second;
}

QString sizeLimitError(qint64 width, qint64 height, qint64 maxPixels) {
  return QStringLiteral("picture of %1 x %2 pixels is over the limit of %3 pixels (--max-picture-pixels)")
      .arg(width)
      .arg(height)
      .arg(maxPixels);
}

// Owns the bytes a QImage was made over (adoptBytes), deleting them with the image.
void deleteAdoptedBytes(void* bytes) {
  delete static_cast<std::string*>(bytes);
}

// Smallest picture data worth adopting rather than copying.
constexpr std::size_t kAdoptBytes = 64 * 1024;

// An image over `data`'s own memory, `data` moved out: no copy. Null when
// QImage cannot use that memory as it is (rows must start on 4-byte
// boundaries: RGBA always does, RGB and L only for some widths).
QImage adoptBytes(std::string& data, const QSize& size, std::size_t rowBytes, QImage::Format format) {
  if (data.size() < kAdoptBytes || rowBytes % 4 != 0) return {};
  auto* kept = new std::string(std::move(data));
  QImage image(reinterpret_cast<uchar*>(kept->data()), size.width(), size.height(), static_cast<qsizetype>(rowBytes),
               format, deleteAdoptedBytes, kept);
  if (image.isNull()) {  // the cleanup function is not called for an image never made
    data = std::move(*kept);
    delete kept;
  }
  return image;
}

// `adoptable`: picture.data itself, when its bytes may be taken (decodePicture's rvalue form), else null.
// The bytes of an image of `size` in `format` (rows padded to 4 bytes, as QImage keeps them).
qint64 imageBytes(const QSize& size, QImage::Format format) {
  const qint64 bits = format == QImage::Format_Invalid ? 32 : QImage::toPixelFormat(format).bitsPerPixel();
  const qint64 rowBytes = ((static_cast<qint64>(size.width()) * bits + 31) / 32) * 4;
  return rowBytes * size.height();
}

DecodedPicture overBudget(qint64 bytes) {
  DecodedPicture result;
  result.status = DecodedPicture::Status::OverBudget;
  result.bytes = bytes;
  return result;
}

DecodedPicture decodeRaw(const api::Picture& picture, qint64 maxPixels, qint64 maxBytes, int bytesPerPixel,
                         QImage::Format format, QImage* reuse, std::string* adoptable) {
  const qint64 width = picture.width;
  const qint64 height = picture.height;
  if (width <= 0 || height <= 0) {
    return failure(DecodedPicture::Status::Invalid,
                   QStringLiteral("%1 picture needs a positive width and height, got %2 x %3")
                       .arg(QLatin1String(modeName(picture.mode)))
                       .arg(width)
                       .arg(height));
  }
  // Both are below 2^31, so the products below cannot overflow 64 bits.
  if (width * height > maxPixels) return failure(DecodedPicture::Status::TooLarge, sizeLimitError(width, height, maxPixels));
  const qint64 expected = width * height * bytesPerPixel;
  const auto actual = static_cast<qint64>(picture.data.size());
  if (actual != expected) {
    return failure(DecodedPicture::Status::Invalid,
                   QStringLiteral("%1 picture of %2 x %3 needs %4 bytes of data (%2 x %3 x %5), got %6")
                       .arg(QLatin1String(modeName(picture.mode)))
                       .arg(width)
                       .arg(height)
                       .arg(expected)
                       .arg(bytesPerPixel)
                       .arg(actual));
  }
  const QSize size(static_cast<int>(width), static_cast<int>(height));
  if (const qint64 bytes = imageBytes(size, format); bytes > maxBytes) return overBudget(bytes);
  const auto rowBytes = static_cast<std::size_t>(width * bytesPerPixel);
  if (adoptable) {
    // The caller gave up the bytes (see decodePicture): none to copy at all.
    QImage adopted = adoptBytes(*adoptable, size, rowBytes, format);
    if (!adopted.isNull()) return DecodedPicture{DecodedPicture::Status::Ok, std::move(adopted), {}};
  }
  // The one copy the window keeps: into `reuse`'s pixels when they fit and
  // are ours alone (isDetached: bits() then writes in place, it does not
  // copy), else into a new image.
  const bool inPlace = reuse && !reuse->isNull() && reuse->size() == size && reuse->format() == format && reuse->isDetached();
  QImage image = inPlace ? QImage() : QImage(size, format);
  QImage& target = inPlace ? *reuse : image;
  if (target.isNull()) return failure(DecodedPicture::Status::TooLarge, QStringLiteral("not enough memory for the picture"));
  const char* from = picture.data.data();
  uchar* to = target.bits();
  const auto stride = static_cast<std::size_t>(target.bytesPerLine());
  if (stride == rowBytes) {
    std::memcpy(to, from, rowBytes * static_cast<std::size_t>(height));
  } else {  // RGB and L rows are padded to 4 bytes in a QImage
    for (qint64 row = 0; row < height; ++row, from += rowBytes, to += stride) std::memcpy(to, from, rowBytes);
  }
  if (inPlace) image = *reuse;
  return DecodedPicture{DecodedPicture::Status::Ok, std::move(image), {}};
}

DecodedPicture decodeEncoded(const api::Picture& picture, qint64 maxPixels, qint64 maxBytes, const char* format) {
  if (picture.width < 0 || picture.height < 0) {
    return failure(DecodedPicture::Status::Invalid, QStringLiteral("width and height must be 0 or positive"));
  }
  QByteArray bytes = QByteArray::fromRawData(picture.data.data(), static_cast<qsizetype>(picture.data.size()));
  QBuffer buffer(&bytes);
  buffer.open(QIODevice::ReadOnly);
  QImageReader reader(&buffer, format);
  reader.setDecideFormatFromContent(false);
  if (!reader.canRead()) {
    return failure(DecodedPicture::Status::Invalid,
                   QStringLiteral("data is not a %1 image").arg(QLatin1String(modeName(picture.mode))));
  }
  const QSize size = reader.size();
  if (!size.isValid() || size.isEmpty()) {
    return failure(DecodedPicture::Status::Invalid,
                   QStringLiteral("%1 image has no readable size").arg(QLatin1String(modeName(picture.mode))));
  }
  if (static_cast<qint64>(size.width()) * size.height() > maxPixels) {
    return failure(DecodedPicture::Status::TooLarge, sizeLimitError(size.width(), size.height(), maxPixels));
  }
  if ((picture.width != 0 && picture.width != size.width()) || (picture.height != 0 && picture.height != size.height())) {
    return failure(DecodedPicture::Status::Invalid, QStringLiteral("%1 image is %2 x %3, not %4 x %5 as given (use 0 x 0 to take its own size)")
                                                        .arg(QLatin1String(modeName(picture.mode)))
                                                        .arg(size.width())
                                                        .arg(size.height())
                                                        .arg(picture.width)
                                                        .arg(picture.height));
  }
  if (const qint64 pixelBytes = imageBytes(size, reader.imageFormat()); pixelBytes > maxBytes) return overBudget(pixelBytes);
  // Qt refuses images over 128 MB by default; ours is --max-picture-pixels,
  // already checked above, at up to 8 bytes a pixel (16-bit RGBA formats).
  reader.setAllocationLimit(static_cast<int>(std::min<qint64>((maxPixels * 8 >> 20) + 1, INT_MAX)));
  QImage image = reader.read();
  if (image.isNull()) {
    return failure(DecodedPicture::Status::Invalid, QStringLiteral("cannot decode the %1 image: %2")
                                                        .arg(QLatin1String(modeName(picture.mode)), reader.errorString()));
  }
  return DecodedPicture{DecodedPicture::Status::Ok, std::move(image), {}};
}

DecodedPicture decode(const api::Picture& picture, qint64 maxPixels, qint64 maxBytes, QImage* reuse,
                      std::string* adoptable) {
  switch (picture.mode) {
    case api::PixelFormat::RGB:
      return decodeRaw(picture, maxPixels, maxBytes, 3, QImage::Format_RGB888, reuse, adoptable);
    case api::PixelFormat::RGBA:
      return decodeRaw(picture, maxPixels, maxBytes, 4, QImage::Format_RGBA8888, reuse, adoptable);
    case api::PixelFormat::L:
      return decodeRaw(picture, maxPixels, maxBytes, 1, QImage::Format_Grayscale8, reuse, adoptable);
    case api::PixelFormat::PNG:
      return decodeEncoded(picture, maxPixels, maxBytes, "png");
    case api::PixelFormat::JPEG:
      return decodeEncoded(picture, maxPixels, maxBytes, "jpeg");
  }
  return failure(DecodedPicture::Status::Invalid,
                 QStringLiteral("unknown pixel format %1 (RGB, RGBA, L, PNG or JPEG)").arg(static_cast<int>(picture.mode)));
}

int rawBytesPerPixel(api::PixelFormat::type mode) {
  switch (mode) {
    case api::PixelFormat::RGB:
      return 3;
    case api::PixelFormat::RGBA:
      return 4;
    case api::PixelFormat::L:
      return 1;
    default:
      return 0;
  }
}

QImage::Format rawFormat(api::PixelFormat::type mode) {
  switch (mode) {
    case api::PixelFormat::RGB:
      return QImage::Format_RGB888;
    case api::PixelFormat::RGBA:
      return QImage::Format_RGBA8888;
    default:
      return QImage::Format_Grayscale8;
  }
}

}  // namespace

std::optional<qint64> decodedPictureBytes(const api::Picture& picture) {
  if (rawBytesPerPixel(picture.mode) > 0) {
    if (picture.width <= 0 || picture.height <= 0) return std::nullopt;
    return imageBytes(QSize(picture.width, picture.height), rawFormat(picture.mode));
  }
  if (picture.mode != api::PixelFormat::PNG && picture.mode != api::PixelFormat::JPEG) return std::nullopt;
  QByteArray bytes = QByteArray::fromRawData(picture.data.data(), static_cast<qsizetype>(picture.data.size()));
  QBuffer buffer(&bytes);
  buffer.open(QIODevice::ReadOnly);
  QImageReader reader(&buffer, picture.mode == api::PixelFormat::PNG ? "png" : "jpeg");
  reader.setDecideFormatFromContent(false);
  const QSize size = reader.size();
  if (!size.isValid() || size.isEmpty()) return std::nullopt;
  return imageBytes(size, reader.imageFormat());
}

bool decodingTakesLong(const api::Picture& picture) {
  constexpr std::size_t kCopiedQuickly = 16u << 20;
  const int bytesPerPixel = rawBytesPerPixel(picture.mode);
  if (bytesPerPixel == 0) return true;  // encoded
  const bool rowsAligned = (static_cast<qint64>(picture.width) * bytesPerPixel) % 4 == 0;
  return !rowsAligned && picture.data.size() > kCopiedQuickly;
}

DecodedPicture decodePicture(const api::Picture& picture, qint64 maxPixels, QImage* reuse, qint64 maxBytes) {
  return decode(picture, maxPixels, maxBytes, reuse, /*adoptable=*/nullptr);
}

DecodedPicture decodePicture(api::Picture&& picture, qint64 maxPixels, QImage* reuse, qint64 maxBytes) {
  return decode(picture, maxPixels, maxBytes, reuse, &picture.data);
}

}  // namespace vitrine
