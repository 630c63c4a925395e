// The checker of DisplayLimits (service/field_limits.h): each kind of field
// at its limit passes and one past it is named, with the limit and the flag.
#include "service/field_limits.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "vitrine/api/vitrine_types.h"

namespace vitrine {
namespace {

// Small limits, so that the cases below are small too.
DisplayLimits smallLimits() {
  DisplayLimits limits;
  limits.maxTextBytes = 100;
  limits.maxLabelBytes = 10;
  limits.maxListItems = 5;
  limits.maxActions = 3;
  limits.maxHtmlBytes = 1000;
  return limits;
}

api::Action action(const std::string& key, const std::string& label) {
  api::Action result;
  result.key = key;
  result.label = label;
  return result;
}

api::Question choiceQuestion(std::vector<std::string> choices) {
  api::Question question;
  question.prompt = "Which?";
  question.kind = api::QuestionKind::CHOICE;
  question.__set_choices(std::move(choices));
  return question;
}

TEST(FieldLimits, ASayTextAtItsLimitPassesAndOneByteMoreIsNamed) {
  const DisplayLimits limits = smallLimits();
  EXPECT_FALSE(firstFieldOverLimit(std::string(100, 'x'), "text", limits));
  const auto over = firstFieldOverLimit(std::string(101, 'x'), "text", limits);
  ASSERT_TRUE(over);
  EXPECT_EQ(over->field, "text");
  EXPECT_EQ(over->size, 101u);
  EXPECT_EQ(over->limit, 100u);
  EXPECT_STREQ(over->setBy, "--max-text");
  EXPECT_EQ(over->message(), "text is 101 bytes, over the limit of 100 (--max-text)");
}

TEST(FieldLimits, SizesAreBytesOfUtf8NotCharacters) {
  // Five characters, ten bytes: at the label limit of 10 bytes; one more character is over it.
  api::SayOptions options;
  options.__set_title("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
  EXPECT_FALSE(firstFieldOverLimit(options, "options", smallLimits()));
  options.__set_title(options.title + "\xc3\xa9");
  const auto over = firstFieldOverLimit(options, "options", smallLimits());
  ASSERT_TRUE(over);
  EXPECT_EQ(over->field, "options.title");
  EXPECT_EQ(over->size, 12u);
}

TEST(FieldLimits, ActionsAreCountedAgainstMaxActions) {
  api::SayOptions options;
  options.__set_actions({action("a", "A"), action("b", "B"), action("c", "C")});
  EXPECT_FALSE(firstFieldOverLimit(options, "options", smallLimits()));
  options.actions.push_back(action("d", "D"));
  const auto over = firstFieldOverLimit(options, "options", smallLimits());
  ASSERT_TRUE(over);
  EXPECT_EQ(over->message(), "options.actions has 4 entries, over the limit of 3 (--max-actions)");
  EXPECT_TRUE(over->counted);
}

TEST(FieldLimits, AnActionsKeyAndLabelAreLabelsNamedWithTheirIndex) {
  api::SayOptions options;
  options.__set_actions({action("a", "A"), action("b", "B"), action("c", std::string(11, 'L'))});
  auto over = firstFieldOverLimit(options, "options", smallLimits());
  ASSERT_TRUE(over);
  EXPECT_EQ(over->field, "options.actions[2].label");
  EXPECT_STREQ(over->setBy, "--max-label");
  options.actions[1].key = std::string(11, 'K');
  over = firstFieldOverLimit(options, "options", smallLimits());
  ASSERT_TRUE(over);
  EXPECT_EQ(over->field, "options.actions[1].key");  // the first in the order they are written
}

TEST(FieldLimits, AChoiceIsALabelNamedWithItsIndex) {
  const auto over = firstFieldOverLimit(choiceQuestion({"red", "green", "blue", std::string(11, 'x')}), "question",
                                        smallLimits());
  ASSERT_TRUE(over);
  EXPECT_EQ(over->message(), "question.choices[3] is 11 bytes, over the limit of 10 (--max-label)");
}

TEST(FieldLimits, ChoicesAreCountedBeforeAnyIsLookedAt) {
  // Six choices, each too long as well: the count is what is reported.
  const auto over = firstFieldOverLimit(choiceQuestion(std::vector<std::string>(6, std::string(50, 'x'))), "question",
                                        smallLimits());
  ASSERT_TRUE(over);
  EXPECT_EQ(over->message(), "question.choices has 6 entries, over the limit of 5 (--max-list-items)");
  EXPECT_FALSE(firstFieldOverLimit(choiceQuestion(std::vector<std::string>(5, "x")), "question", smallLimits()));
}

TEST(FieldLimits, DefaultChoicesAreCountedToo) {
  api::Question question = choiceQuestion({"a"});
  question.__set_defaultChoices(std::vector<std::int32_t>(6, 0));
  const auto over = firstFieldOverLimit(question, "question", smallLimits());
  ASSERT_TRUE(over);
  EXPECT_EQ(over->field, "question.defaultChoices");
  EXPECT_STREQ(over->setBy, "--max-list-items");
}

TEST(FieldLimits, PromptAndDefaultTextAreTexts) {
  api::Question question;
  question.prompt = std::string(100, 'p');
  question.__set_defaultText(std::string(100, 'd'));
  question.__set_title(std::string(10, 't'));
  EXPECT_FALSE(firstFieldOverLimit(question, "question", smallLimits()));
  question.__set_defaultText(std::string(101, 'd'));
  auto over = firstFieldOverLimit(question, "question", smallLimits());
  ASSERT_TRUE(over);
  EXPECT_EQ(over->field, "question.defaultText");
  EXPECT_STREQ(over->setBy, "--max-text");
  question.prompt = std::string(101, 'p');
  over = firstFieldOverLimit(question, "question", smallLimits());
  ASSERT_TRUE(over);
  EXPECT_EQ(over->field, "question.prompt");
}

TEST(FieldLimits, AFileChoosersLabelsAndFilters) {
  api::FileChooser chooser;
  chooser.__set_directory(std::string(10, 'd'));
  chooser.__set_defaultName(std::string(10, 'n'));
  chooser.__set_nameFilters({"*.png", "*.jpg"});
  EXPECT_FALSE(firstFieldOverLimit(chooser, "chooser", smallLimits()));
  chooser.nameFilters.push_back(std::string(11, 'f'));
  auto over = firstFieldOverLimit(chooser, "chooser", smallLimits());
  ASSERT_TRUE(over);
  EXPECT_EQ(over->field, "chooser.nameFilters[2]");
  chooser.__set_nameFilters(std::vector<std::string>(6, "*"));
  over = firstFieldOverLimit(chooser, "chooser", smallLimits());
  ASSERT_TRUE(over);
  EXPECT_EQ(over->field, "chooser.nameFilters");
  chooser.__set_directory(std::string(11, 'd'));
  over = firstFieldOverLimit(chooser, "chooser", smallLimits());
  ASSERT_TRUE(over);
  EXPECT_EQ(over->field, "chooser.directory");
}

TEST(FieldLimits, UnsetOptionalFieldsAreNotLookedAt) {
  api::SayOptions options;
  options.title = std::string(1000, 't');  // assigned but not __set_: it is not sent, so not checked
  EXPECT_FALSE(firstFieldOverLimit(options, "options", smallLimits()));
}

TEST(FieldLimits, HtmlHasMaxHtmlAndItsNameIsALabel) {
  api::PushHtml html;
  html.name = "page";
  html.data = std::string(1000, 'h');
  EXPECT_FALSE(firstFieldOverLimit(html, "html", smallLimits()));
  html.data += 'h';
  auto over = firstFieldOverLimit(html, "html", smallLimits());
  ASSERT_TRUE(over);
  EXPECT_EQ(over->message(), "html.data is 1001 bytes, over the limit of 1000 (--max-html)");
  html.name = std::string(11, 'n');
  over = firstFieldOverLimit(html, "html", smallLimits());
  ASSERT_TRUE(over);
  EXPECT_EQ(over->field, "html.name");
}

TEST(FieldLimits, AUrlHasChromiumsFixedLimit) {
  api::PushUrl url;
  url.name = "page";
  url.url = "https://example.org/" + std::string(DisplayLimits::kMaxUrlBytes - 20, 'a');
  EXPECT_FALSE(firstFieldOverLimit(url, "url", smallLimits()));
  url.url += 'a';
  const auto over = firstFieldOverLimit(url, "url", smallLimits());
  ASSERT_TRUE(over);
  EXPECT_EQ(over->field, "url.url");
  EXPECT_EQ(over->limit, 2097152u);
  EXPECT_NE(over->message().find("Chromium"), std::string::npos) << over->message();
}

TEST(FieldLimits, APicturesBytesAreNotText) {
  // Picture.data is binary: pixels, not an HTML document, whatever its size.
  api::Picture picture;
  picture.width = 100;
  picture.height = 100;
  picture.data = std::string(30000, '\0');
  EXPECT_FALSE(firstFieldOverLimit(picture, "picture", smallLimits()));
}

TEST(FieldLimits, TheServersDefaultsAreTheIdls) {
  const DisplayLimits defaults;
  EXPECT_EQ(defaults.maxTextBytes, 65536u);
  EXPECT_EQ(defaults.maxLabelBytes, 4096u);
  EXPECT_EQ(defaults.maxListItems, 100000u);
  EXPECT_EQ(defaults.maxActions, 16u);
  EXPECT_EQ(defaults.maxHtmlBytes, 33554432u);
  EXPECT_EQ(DisplayLimits::kMaxUrlBytes, 2097152u);
}

}  // namespace
}  // namespace vitrine
