#include "service/auth_token.h"

#include <QCryptographicHash>
#include <QtGlobal>

namespace vitrine {

namespace {

QByteArray sha256(std::string_view bytes) {
  return QCryptographicHash::hash(QByteArrayView(bytes.data(), static_cast<qsizetype>(bytes.size())),
                                  QCryptographicHash::Sha256);
}

}  // namespace

AuthToken::AuthToken(std::string_view token) : digest_(sha256(token)) {
  Q_ASSERT_X(!token.empty(), "AuthToken", "an empty token authenticates nobody; refuse it before");
}

bool AuthToken::matches(std::string_view candidate) const {
  const QByteArray other = sha256(candidate);
  // Both digests are 32 bytes: look at every byte, whatever the first difference.
  unsigned char difference = 0;
  for (qsizetype i = 0; i < digest_.size(); ++i) {
    difference |= static_cast<unsigned char>(digest_[i] ^ other[i]);
  }
  return difference == 0 && !candidate.empty();
}

}  // namespace vitrine
