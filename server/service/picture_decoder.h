// api::Picture -> QImage, with every size checked before memory is allocated.
#pragma once

#include <QImage>
#include <QString>
#include <string>

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
///
/// `reuse` (may be null): an image the caller owns and is about to replace,
/// e.g. the one a picture window shows. When the picture is raw, valid, of
/// the same size and format, and nobody else shares `reuse`'s pixels, they
/// are overwritten in place and the result shares them: no allocation, no
/// fresh pages to fault in (a 1920x1080 RGBA stream reuses its 8 MB). On any
/// failure `reuse` is left untouched. Same thread as whoever owns `reuse`.
DecodedPicture decodePicture(const api::Picture& picture, qint64 maxPixels, QImage* reuse = nullptr);

/// The same, but a valid raw picture whose rows are a multiple of 4 bytes
/// (RGBA always; RGB and L at some widths) and that holds at least 64 KiB
/// becomes an image over `picture.data`'s own memory: nothing is copied,
/// and `picture.data` is left empty. In every other case (encoded formats,
/// padded rows, small pictures, an error) `picture` is left as it was and
/// the result is what the const overload gives.
DecodedPicture decodePicture(api::Picture&& picture, qint64 maxPixels, QImage* reuse = nullptr);

}  // namespace vitrine
