// Small picture files for the client tests (pictures, `vitrine show`).
#pragma once

#include <string>

namespace vitrine::test {

/// A complete PNG file: one red pixel.
std::string redPixelPng();

/// The first bytes of a JPEG/JFIF file (start-of-image, then an APP0 JFIF
/// segment): enough for signature detection, not a decodable image.
std::string jpegStart();

}  // namespace vitrine::test
