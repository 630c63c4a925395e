// The server's shared secret (--token-file), and the one way to compare with it.
#pragma once

#include <QByteArray>
#include <string_view>

namespace vitrine {

/// The token that a caller must present to authenticate(). Keeps only the
/// SHA-256 digest of the token, so the secret itself is not kept in the
/// server's memory after start-up and every comparison costs the same
/// whatever the candidate is (see matches()). Immutable after construction;
/// safe to copy and to use from any thread.
class AuthToken {
 public:
  /// `token` must not be empty (main refuses an empty token file before
  /// getting here; an empty token here is a programming error, asserted).
  explicit AuthToken(std::string_view token);

  /// True when `candidate` is the token. Takes the same time for every
  /// candidate of a given length, right or wrong, wherever it first
  /// differs: both sides are hashed and the digests compared without an
  /// early exit, so neither the token's content nor its length leaks
  /// through timing. Any bytes are accepted; an empty candidate is wrong.
  bool matches(std::string_view candidate) const;

 private:
  QByteArray digest_;
};

}  // namespace vitrine
