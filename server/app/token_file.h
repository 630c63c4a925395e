// Reading the server's token (--token-file) safely.
#pragma once

#include <QString>
#include <optional>
#include <string>

namespace vitrine {

/// The largest token file accepted; checked before anything is read.
constexpr qint64 kMaxTokenFileBytes = 4096;
/// Tokens shorter than this are accepted with a warning (they can be guessed).
constexpr std::size_t kShortTokenLength = 16;

/// Reads the token from the file at `path`: its whole content, with the
/// trailing line breaks ("\n", "\r\n") stripped. Returns nullopt and one
/// sentence in *error, naming the file and saying how to fix it, when:
/// - it cannot be opened, or is not a regular file;
/// - it is not owned by the user the server runs as, or its mode lets the
///   group or others do anything with it (must be 0600 or stricter: anyone
///   who can read the token can drive the display, anyone who can write it
///   can choose it);
/// - it is larger than kMaxTokenFileBytes (checked before reading);
/// - the token is empty, or has a character outside printable ASCII
///   (0x20..0x7e): tokens travel in environment variables, on AMP as UTF-8
///   text, and are typed, so they stay plain.
/// The checks are made on the opened file (fstat), not on the path, so the
/// file cannot be swapped between the check and the read. Any thread; blocks
/// on the file system (call it at start-up, before serving).
std::optional<std::string> readTokenFile(const QString& path, QString* error);

}  // namespace vitrine
