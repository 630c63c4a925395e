// How much a window may be asked to show: the sizes the IDL declares for
// texts, labels, lists and action buttons, and for what goes on the stage.
#pragma once

#include <cstddef>

namespace vitrine {

/// The limits on what clients ask windows and the stage to show, each a flag
/// of vitrine-server (see --help and docs/security.md). They exist because
/// widgets lay out what they are given on the GUI thread, where every other
/// client waits: a text, a list or a row of buttons past these sizes would
/// hold the thread for seconds or minutes. Sizes of texts and labels are in
/// bytes of UTF-8, as they arrive. Fixed at start-up; plain data, any thread.
struct DisplayLimits {
  /// A popup's message, a question's prompt or defaultText (--max-text).
  std::size_t maxTextBytes = 65536;
  /// A title, a name, an action's key or label, a choice, a file chooser's
  /// name filter, directory or defaultName (--max-label).
  std::size_t maxLabelBytes = 4096;
  /// Entries of a list: choices, defaultChoices, nameFilters (--max-list-items).
  std::size_t maxListItems = 100000;
  /// Action buttons of one popup (--max-actions).
  std::size_t maxActions = 16;
  /// An HTML document for the stage, postHtml's data (--max-html).
  std::size_t maxHtmlBytes = 32u << 20;
  /// A URL for the stage, fetchUrl's url: Chromium's own limit, not a flag.
  static constexpr std::size_t kMaxUrlBytes = 2u << 20;
};

}  // namespace vitrine
