// The server's logging categories (enable with QT_LOGGING_RULES, e.g. "vitrine.rpc.debug=true").
#pragma once

#include <QLoggingCategory>

namespace vitrine {
Q_DECLARE_LOGGING_CATEGORY(lcServer)   // vitrine.server: start-up, listeners, shutdown
Q_DECLARE_LOGGING_CATEGORY(lcRpc)      // vitrine.rpc: connections and bad peers
Q_DECLARE_LOGGING_CATEGORY(lcAmp)      // vitrine.amp: AMP connections and bad peers
Q_DECLARE_LOGGING_CATEGORY(lcService)  // vitrine.service: calls
Q_DECLARE_LOGGING_CATEGORY(lcStage)    // vitrine.stage: page loads
}  // namespace vitrine
