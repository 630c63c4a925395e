// api::Picture -> QImage, with every size checked before memory is allocated.
#pragma once

#include <QImage>
#include <QString>

#include "vitrine/api/vitrine_types.h"

namespace vitrine {

/// The outcome of decoding a picture.
struct DecodedPicture {
  enum class Status { Ok, Invalid, TooLarge };
  Status status = Status::Ok;
  /// Set when status is Ok.
  QImage image;
  /// Set otherwise: one sentence saying what was wrong and what was expected.
  QString error;
};

/// Turns the bytes of `picture` into an image.
///
/// Raw formats (RGB, RGBA, L): width and height must be positive, at most
/// `maxPixels` pixels in all (TooLarge otherwise), and the data exactly
/// width x height x bytes-per-pixel long (Invalid, naming the expected
/// length). Encoded formats (PNG, JPEG): the header is read first and the
/// size checked against `maxPixels` before any pixel is decoded; a given
/// non-zero width/height must match the image's. Pure apart from
/// allocation; any thread.
DecodedPicture decodePicture(const api::Picture& picture, qint64 maxPixels);

}  // namespace vitrine
