#include "base/logging.h"

namespace vitrine {
Q_LOGGING_CATEGORY(lcServer, "vitrine.server", QtInfoMsg)
Q_LOGGING_CATEGORY(lcRpc, "vitrine.rpc", QtInfoMsg)
Q_LOGGING_CATEGORY(lcAmp, "vitrine.amp", QtInfoMsg)
Q_LOGGING_CATEGORY(lcService, "vitrine.service", QtInfoMsg)
Q_LOGGING_CATEGORY(lcStage, "vitrine.stage", QtInfoMsg)
}  // namespace vitrine
