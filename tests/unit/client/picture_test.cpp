// pictureFromFile() and pictureFromBytes(): PNG and JPEG told apart by their
// signatures, everything else refused with a message naming the input.
#include <sys/stat.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "sample_files.h"
#include "support/temp_directory.h"
#include "vitrine/client.h"

namespace vitrine {
namespace {

using test::TempDirectory;
using test::writeFile;

// The message of the std::invalid_argument that `f` throws ("" and a test
// failure when it throws none).
template <class F>
std::string invalidArgument(F&& f) {
  try {
    f();
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  ADD_FAILURE() << "no std::invalid_argument thrown";
  return "";
}

TEST(PictureFromFile, PngIsDetectedAndSentWhole) {
  TempDirectory dir;
  writeFile(dir.file("red.png"), test::redPixelPng());
  api::Picture picture = pictureFromFile(dir.file("red.png"));
  EXPECT_EQ(picture.mode, api::PixelFormat::PNG);
  EXPECT_EQ(picture.width, 0);
  EXPECT_EQ(picture.height, 0);
  EXPECT_EQ(picture.data, test::redPixelPng());
}

TEST(PictureFromFile, JpegIsDetectedBySignatureWhateverTheName) {
  TempDirectory dir;
  writeFile(dir.file("photo.png"), test::jpegStart());  // a misleading extension changes nothing
  api::Picture picture = pictureFromFile(dir.file("photo.png"));
  EXPECT_EQ(picture.mode, api::PixelFormat::JPEG);
  EXPECT_EQ(picture.width, 0);
  EXPECT_EQ(picture.height, 0);
  EXPECT_EQ(picture.data, test::jpegStart());
}

TEST(PictureFromFile, TextFileIsRefusedNamingTheFile) {
  TempDirectory dir;
  writeFile(dir.file("notes.png"), "these are notes, not pixels\n");
  std::string message = invalidArgument([&] { pictureFromFile(dir.file("notes.png")); });
  EXPECT_NE(message.find(dir.file("notes.png")), std::string::npos) << message;
  EXPECT_NE(message.find("not a PNG or JPEG"), std::string::npos) << message;
}

TEST(PictureFromFile, OtherImageFormatsAreRefused) {
  TempDirectory dir;
  writeFile(dir.file("anim.gif"), std::string("GIF89a\x01\x00\x01\x00", 10));
  writeFile(dir.file("almost.png"), test::redPixelPng().substr(0, 7));  // a signature cut short
  EXPECT_NE(invalidArgument([&] { pictureFromFile(dir.file("anim.gif")); }).find("not a PNG or JPEG"),
            std::string::npos);
  EXPECT_NE(invalidArgument([&] { pictureFromFile(dir.file("almost.png")); }).find("not a PNG or JPEG"),
            std::string::npos);
}

TEST(PictureFromFile, EmptyFileIsRefused) {
  TempDirectory dir;
  writeFile(dir.file("empty.png"), "");
  std::string message = invalidArgument([&] { pictureFromFile(dir.file("empty.png")); });
  EXPECT_NE(message.find("empty"), std::string::npos) << message;
  EXPECT_NE(message.find(dir.file("empty.png")), std::string::npos) << message;
}

TEST(PictureFromFile, UnreadablePathsAreRefusedWithTheReason) {
  TempDirectory dir;
  std::string missing = invalidArgument([&] { pictureFromFile(dir.file("missing.png")); });
  EXPECT_NE(missing.find("cannot read " + dir.file("missing.png")), std::string::npos) << missing;
  EXPECT_NE(missing.find("No such file"), std::string::npos) << missing;

  std::string directory = invalidArgument([&] { pictureFromFile(dir.path()); });
  EXPECT_NE(directory.find("directory"), std::string::npos) << directory;

  if (::geteuid() != 0) {  // root reads files whatever their mode
    writeFile(dir.file("locked.png"), test::redPixelPng());
    ::chmod(dir.file("locked.png").c_str(), 0);
    std::string locked = invalidArgument([&] { pictureFromFile(dir.file("locked.png")); });
    EXPECT_NE(locked.find("Permission denied"), std::string::npos) << locked;
  }
}

TEST(PictureFromBytes, NamesWhatItWasGiven) {
  EXPECT_EQ(pictureFromBytes(test::redPixelPng()).mode, api::PixelFormat::PNG);
  std::string message = invalidArgument([] { pictureFromBytes(std::string("BM\x36\x00", 4), "the image on stdin"); });
  EXPECT_NE(message.find("the image on stdin"), std::string::npos) << message;
  message = invalidArgument([] { pictureFromBytes(""); });
  EXPECT_NE(message.find("the data is empty"), std::string::npos) << message;
}

}  // namespace
}  // namespace vitrine
