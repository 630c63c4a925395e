// What a screenshot shows, for tests that check pixels.
#pragma once

#include <QColor>
#include <QImage>
#include <string>

namespace vitrine::test {

/// The colour at the centre of a PNG, or an invalid QColor when `png` does not decode.
inline QColor centerOf(const std::string& png) {
  const QImage image = QImage::fromData(reinterpret_cast<const uchar*>(png.data()), static_cast<int>(png.size()), "PNG");
  return image.isNull() ? QColor() : image.pixelColor(image.width() / 2, image.height() / 2);
}

}  // namespace vitrine::test
