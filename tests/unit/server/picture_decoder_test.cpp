#include "service/picture_decoder.h"

#include <gtest/gtest.h>

#include <QBuffer>
#include <QColor>
#include <QImage>

namespace vitrine {
namespace {

api::Picture raw(int width, int height, api::PixelFormat::type mode, std::string data) {
  api::Picture picture;
  picture.width = width;
  picture.height = height;
  picture.mode = mode;
  picture.data = std::move(data);
  return picture;
}

api::Picture encoded(const QImage& image, const char* format, api::PixelFormat::type mode) {
  QByteArray bytes;
  QBuffer buffer(&bytes);
  buffer.open(QIODevice::WriteOnly);
  image.save(&buffer, format);
  return raw(0, 0, mode, bytes.toStdString());
}

constexpr qint64 kLimit = 1 << 24;

TEST(PictureDecoder, RgbBytesLandWherePilPutsThem) {
  // 2 x 1: red then blue, rows top to bottom, no padding.
  const DecodedPicture decoded = decodePicture(raw(2, 1, api::PixelFormat::RGB, std::string("\xff\x00\x00\x00\x00\xff", 6)), kLimit);
  ASSERT_EQ(decoded.status, DecodedPicture::Status::Ok) << decoded.error.toStdString();
  EXPECT_EQ(decoded.image.pixelColor(0, 0), QColor(255, 0, 0));
  EXPECT_EQ(decoded.image.pixelColor(1, 0), QColor(0, 0, 255));
}

TEST(PictureDecoder, OddWidthRgbHasNoRowPadding) {
  // 3 x 2 RGB = 18 bytes; QImage pads rows to 4 bytes, the wire format does not.
  std::string data;
  for (int i = 0; i < 6; ++i) data += std::string{static_cast<char>(i * 40), static_cast<char>(i), static_cast<char>(200)};
  const DecodedPicture decoded = decodePicture(raw(3, 2, api::PixelFormat::RGB, data), kLimit);
  ASSERT_EQ(decoded.status, DecodedPicture::Status::Ok);
  EXPECT_EQ(decoded.image.pixelColor(0, 1), QColor(120, 3, 200));
  EXPECT_EQ(decoded.image.pixelColor(2, 1), QColor(200, 5, 200));
}

TEST(PictureDecoder, RgbaKeepsAlphaAndGreyIsGrey) {
  const DecodedPicture rgba = decodePicture(raw(1, 1, api::PixelFormat::RGBA, std::string("\x10\x20\x30\x40", 4)), kLimit);
  ASSERT_EQ(rgba.status, DecodedPicture::Status::Ok);
  EXPECT_EQ(rgba.image.pixelColor(0, 0), QColor(0x10, 0x20, 0x30, 0x40));
  const DecodedPicture grey = decodePicture(raw(1, 1, api::PixelFormat::L, std::string("\x7f", 1)), kLimit);
  ASSERT_EQ(grey.status, DecodedPicture::Status::Ok);
  EXPECT_EQ(grey.image.pixelColor(0, 0), QColor(0x7f, 0x7f, 0x7f));
}

TEST(PictureDecoder, WrongLengthSaysWhatWasExpected) {
  const DecodedPicture decoded = decodePicture(raw(640, 480, api::PixelFormat::RGB, std::string(100, '\0')), kLimit);
  EXPECT_EQ(decoded.status, DecodedPicture::Status::Invalid);
  EXPECT_TRUE(decoded.error.contains(QStringLiteral("921600"))) << decoded.error.toStdString();
  EXPECT_TRUE(decoded.error.contains(QStringLiteral("got 100"))) << decoded.error.toStdString();
}

TEST(PictureDecoder, NonPositiveSizesAreInvalid) {
  EXPECT_EQ(decodePicture(raw(0, 10, api::PixelFormat::RGB, ""), kLimit).status, DecodedPicture::Status::Invalid);
  EXPECT_EQ(decodePicture(raw(-4, -4, api::PixelFormat::L, std::string(16, '\0')), kLimit).status,
            DecodedPicture::Status::Invalid);
}

TEST(PictureDecoder, OverflowingSizeClaimIsRefusedBeforeAllocation) {
  // 2^31-1 squared overflows 32 bits many times over; the data is tiny.
  const DecodedPicture decoded = decodePicture(raw(0x7fffffff, 0x7fffffff, api::PixelFormat::RGBA, "x"), kLimit);
  EXPECT_EQ(decoded.status, DecodedPicture::Status::TooLarge);
  EXPECT_TRUE(decoded.error.contains(QStringLiteral("--max-picture-pixels")));
}

TEST(PictureDecoder, PngAndJpegTakeTheirOwnSize) {
  QImage image(40, 30, QImage::Format_RGB32);
  image.fill(QColor(10, 200, 30));
  const DecodedPicture png = decodePicture(encoded(image, "PNG", api::PixelFormat::PNG), kLimit);
  ASSERT_EQ(png.status, DecodedPicture::Status::Ok) << png.error.toStdString();
  EXPECT_EQ(png.image.size(), QSize(40, 30));
  EXPECT_EQ(png.image.pixelColor(5, 5), QColor(10, 200, 30));
  const DecodedPicture jpeg = decodePicture(encoded(image, "JPEG", api::PixelFormat::JPEG), kLimit);
  ASSERT_EQ(jpeg.status, DecodedPicture::Status::Ok) << jpeg.error.toStdString();
  EXPECT_EQ(jpeg.image.size(), QSize(40, 30));
}

TEST(PictureDecoder, EncodedSizeMustMatchWhenGiven) {
  QImage image(8, 8, QImage::Format_RGB32);
  image.fill(Qt::red);
  api::Picture picture = encoded(image, "PNG", api::PixelFormat::PNG);
  picture.width = 9;
  picture.height = 8;
  EXPECT_EQ(decodePicture(picture, kLimit).status, DecodedPicture::Status::Invalid);
  picture.width = 8;
  EXPECT_EQ(decodePicture(picture, kLimit).status, DecodedPicture::Status::Ok);
}

TEST(PictureDecoder, GarbageOrTheWrongCodecIsInvalid) {
  EXPECT_EQ(decodePicture(raw(0, 0, api::PixelFormat::PNG, "not a png at all"), kLimit).status,
            DecodedPicture::Status::Invalid);
  QImage image(8, 8, QImage::Format_RGB32);
  image.fill(Qt::red);
  api::Picture jpegBytesCalledPng = encoded(image, "JPEG", api::PixelFormat::PNG);
  EXPECT_EQ(decodePicture(jpegBytesCalledPng, kLimit).status, DecodedPicture::Status::Invalid);
}

TEST(PictureDecoder, EncodedImageOverTheLimitIsRefusedFromItsHeader) {
  QImage image(64, 64, QImage::Format_RGB32);
  image.fill(Qt::blue);
  EXPECT_EQ(decodePicture(encoded(image, "PNG", api::PixelFormat::PNG), 64 * 63).status, DecodedPicture::Status::TooLarge);
}

TEST(PictureDecoder, UnknownModeIsInvalid) {
  EXPECT_EQ(decodePicture(raw(1, 1, static_cast<api::PixelFormat::type>(42), "x"), kLimit).status,
            DecodedPicture::Status::Invalid);
}

TEST(PictureDecoder, SameSizeAndFormatIsWrittenIntoTheReusedImage) {
  QImage shown(2, 1, QImage::Format_RGBA8888);
  shown.fill(Qt::black);
  const uchar* pixels = shown.constBits();
  const DecodedPicture decoded =
      decodePicture(raw(2, 1, api::PixelFormat::RGBA, std::string("\x01\x02\x03\xff\x04\x05\x06\xff", 8)), kLimit, &shown);
  ASSERT_EQ(decoded.status, DecodedPicture::Status::Ok) << decoded.error.toStdString();
  EXPECT_EQ(decoded.image.constBits(), pixels);  // the same memory, no new image
  EXPECT_EQ(decoded.image.pixelColor(1, 0), QColor(4, 5, 6));
  EXPECT_EQ(shown.pixelColor(0, 0), QColor(1, 2, 3));
}

TEST(PictureDecoder, PaddedRgbRowsAreWrittenIntoTheReusedImageRowByRow) {
  // 3 x 2 RGB: 9 bytes a row, 12 in a QImage (rows are padded to 4 bytes).
  QImage shown(3, 2, QImage::Format_RGB888);
  shown.fill(Qt::black);
  std::string data;
  for (int i = 0; i < 18; ++i) data += static_cast<char>(i * 10);
  const DecodedPicture decoded = decodePicture(raw(3, 2, api::PixelFormat::RGB, data), kLimit, &shown);
  ASSERT_EQ(decoded.status, DecodedPicture::Status::Ok) << decoded.error.toStdString();
  EXPECT_EQ(decoded.image.pixelColor(2, 1), QColor(150, 160, 170));
  EXPECT_EQ(decoded.image.pixelColor(0, 1), QColor(90, 100, 110));
}

TEST(PictureDecoder, AnotherSizeOrASharedImageGetsANewImageAndLeavesTheOldOneAlone) {
  QImage shown(2, 2, QImage::Format_RGBA8888);
  shown.fill(Qt::black);
  const DecodedPicture smaller = decodePicture(raw(1, 1, api::PixelFormat::RGBA, std::string("\x01\x02\x03\xff", 4)), kLimit, &shown);
  ASSERT_EQ(smaller.status, DecodedPicture::Status::Ok);
  EXPECT_NE(smaller.image.constBits(), shown.constBits());
  EXPECT_EQ(shown.pixelColor(0, 0), QColor(Qt::black));

  const QImage screenshot = shown;  // someone else holds these pixels: they must not change under them
  const DecodedPicture same = decodePicture(raw(2, 2, api::PixelFormat::RGBA, std::string(16, '\x7f')), kLimit, &shown);
  ASSERT_EQ(same.status, DecodedPicture::Status::Ok);
  EXPECT_EQ(screenshot.pixelColor(0, 0), QColor(Qt::black));
  EXPECT_EQ(same.image.pixelColor(0, 0), QColor(0x7f, 0x7f, 0x7f, 0x7f));
}

TEST(PictureDecoder, AFailedDecodeLeavesTheReusedImageUntouched) {
  QImage shown(2, 1, QImage::Format_RGBA8888);
  shown.fill(Qt::black);
  const DecodedPicture decoded = decodePicture(raw(2, 1, api::PixelFormat::RGBA, std::string(7, '\x7f')), kLimit, &shown);
  EXPECT_EQ(decoded.status, DecodedPicture::Status::Invalid);
  EXPECT_EQ(shown.pixelColor(1, 0), QColor(Qt::black));
}

TEST(PictureDecoder, AGivenUpRgbaPictureBecomesTheImageWithoutACopy) {
  api::Picture picture = raw(128, 128, api::PixelFormat::RGBA, std::string(128 * 128 * 4, '\x20'));
  picture.data[4] = '\x40';
  const char* bytes = picture.data.data();
  const DecodedPicture decoded = decodePicture(std::move(picture), kLimit);
  ASSERT_EQ(decoded.status, DecodedPicture::Status::Ok) << decoded.error.toStdString();
  EXPECT_EQ(reinterpret_cast<const char*>(decoded.image.constBits()), bytes);
  EXPECT_EQ(decoded.image.pixelColor(1, 0), QColor(0x40, 0x20, 0x20, 0x20));
  EXPECT_TRUE(picture.data.empty());  // NOLINT(bugprone-use-after-move): taking it is the point
  QImage copy = decoded.image;
  copy.setPixelColor(0, 0, QColor(1, 2, 3));  // writing detaches: the adopted bytes stay the image's
  EXPECT_EQ(decoded.image.pixelColor(0, 0), QColor(0x20, 0x20, 0x20, 0x20));
}

TEST(PictureDecoder, AGivenUpPictureThatCannotBeAdoptedIsCopiedAndLeftAsItWas) {
  // RGB rows of 3 x 127 bytes do not start on 4-byte boundaries: QImage needs a copy.
  api::Picture padded = raw(127, 200, api::PixelFormat::RGB, std::string(127 * 200 * 3, '\x10'));
  const DecodedPicture decoded = decodePicture(std::move(padded), kLimit);
  ASSERT_EQ(decoded.status, DecodedPicture::Status::Ok) << decoded.error.toStdString();
  EXPECT_EQ(decoded.image.pixelColor(126, 199), QColor(0x10, 0x10, 0x10));
  EXPECT_EQ(padded.data.size(), 127u * 200 * 3);  // NOLINT(bugprone-use-after-move)

  api::Picture wrongLength = raw(128, 128, api::PixelFormat::RGBA, std::string(100000, '\x10'));
  EXPECT_EQ(decodePicture(std::move(wrongLength), kLimit).status, DecodedPicture::Status::Invalid);
  EXPECT_EQ(wrongLength.data.size(), 100000u);  // NOLINT(bugprone-use-after-move)
}

}  // namespace
}  // namespace vitrine
