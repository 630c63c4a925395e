// api::Picture -> QImage, with every size checked before memory is allocated.
#pragma once

#include <QImage>
#include <QString>
#include <limits>
#include <optional>
#include <string>

#include "vitrine/api/vitrine_types.h"

namespace vitrine {

/// The outcome of decoding a picture.
struct DecodedPicture {
  enum class Status { Ok, Invalid, TooLarge, OverBudget };
  Status status = Status::Ok;
  /// Set when status is Ok.
  QImage image;
  /// Set for Invalid and TooLarge: one sentence saying what was wrong and what was expected.
  QString error;
  /// OverBudget: the bytes the decoded pixels would have taken.
  qint64 bytes = 0;
};

/// Turns the bytes of `picture` into an image.
///
/// Raw formats (RGB, RGBA, L): width and height must be positive, at most
/// `maxPixels` pixels in all (TooLarge otherwise), and the data exactly
/// width x height x bytes-per-pixel long (Invalid, naming the expected
/// length). Encoded formats (PNG, JPEG): the header is read first and the
/// size checked against `maxPixels` before any pixel is decoded; a given
/// non-zero width/height must match the image's. A picture whose decoded
/// pixels would take more than `maxBytes` is OverBudget, also found before
/// any pixel is decoded or copied (the caller's share of a memory budget
/// over all pictures). Pure apart from allocation; any thread.
///
/// `reuse` (may be null): an image the caller owns and is about to replace,
/// e.g. the one a picture window shows. When the picture is raw, valid, of
/// the same size and format, and nobody else shares `reuse`'s pixels, they
/// are overwritten in place and the result shares them: no allocation, no
/// fresh pages to fault in (a 1920x1080 RGBA stream reuses its 8 MB). On any
/// failure `reuse` is left untouched. Same thread as whoever owns `reuse`.
DecodedPicture decodePicture(const api::Picture& picture, qint64 maxPixels, QImage* reuse = nullptr,
                             qint64 maxBytes = std::numeric_limits<qint64>::max());

/// The same, but a valid raw picture whose rows are a multiple of 4 bytes
/// (RGBA always; RGB and L at some widths) and that holds at least 64 KiB
/// becomes an image over `picture.data`'s own memory: nothing is copied,
/// and `picture.data` is left empty. In every other case (encoded formats,
/// padded rows, small pictures, an error) `picture` is left as it was and
/// the result is what the const overload gives.
DecodedPicture decodePicture(api::Picture&& picture, qint64 maxPixels, QImage* reuse = nullptr,
                             qint64 maxBytes = std::numeric_limits<qint64>::max());

/// The bytes the pixels of `picture` will take once decoded, from its size
/// (raw) or its header (PNG, JPEG), without decoding it; nullopt when that
/// cannot be told (a bad size or header: decodePicture says what is wrong).
/// Cheap: no pixel is read. Any thread.
std::optional<qint64> decodedPictureBytes(const api::Picture& picture);

/// Whether decoding `picture` costs more than a frame of the GUI thread's
/// time: every PNG and JPEG (decoding is proportional to the pixels, and a
/// small file may hold a huge picture), and raw pictures that must be copied
/// (rows not 4-byte aligned) past 16 MiB. Such pictures are decoded off the
/// GUI thread. Pure; any thread.
bool decodingTakesLong(const api::Picture& picture);

}  // namespace vitrine
