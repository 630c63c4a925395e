#include "service/picture_decoder.h"

#include <QBuffer>
#include <QImageReader>
#include <algorithm>
#include <climits>

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

DecodedPicture decodeRaw(const api::Picture& picture, qint64 maxPixels, int bytesPerPixel, QImage::Format format) {
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
  // Wrap the bytes without copying, then make the one copy the window keeps.
  const QImage view(reinterpret_cast<const uchar*>(picture.data.data()), static_cast<int>(width),
                    static_cast<int>(height), static_cast<qsizetype>(width * bytesPerPixel), format);
  QImage image = view.copy();
  if (image.isNull()) return failure(DecodedPicture::Status::TooLarge, QStringLiteral("not enough memory for the picture"));
  return DecodedPicture{DecodedPicture::Status::Ok, std::move(image), {}};
}

DecodedPicture decodeEncoded(const api::Picture& picture, qint64 maxPixels, const char* format) {
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

}  // namespace

DecodedPicture decodePicture(const api::Picture& picture, qint64 maxPixels) {
  switch (picture.mode) {
    case api::PixelFormat::RGB:
      return decodeRaw(picture, maxPixels, 3, QImage::Format_RGB888);
    case api::PixelFormat::RGBA:
      return decodeRaw(picture, maxPixels, 4, QImage::Format_RGBA8888);
    case api::PixelFormat::L:
      return decodeRaw(picture, maxPixels, 1, QImage::Format_Grayscale8);
    case api::PixelFormat::PNG:
      return decodeEncoded(picture, maxPixels, "png");
    case api::PixelFormat::JPEG:
      return decodeEncoded(picture, maxPixels, "jpeg");
  }
  return failure(DecodedPicture::Status::Invalid,
                 QStringLiteral("unknown pixel format %1 (RGB, RGBA, L, PNG or JPEG)").arg(static_cast<int>(picture.mode)));
}

}  // namespace vitrine
