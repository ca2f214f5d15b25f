#include "common/text/text.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_replace.h"
#include "common/text/fields.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chiso::text {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

// The same phrases in precomposed (NFC) and decomposed (NFD) form, as they
// arrive from different word processors.
constexpr char kUnitNfc[] = "Phòng Tài chính - Kế hoạch";
constexpr char kUnitNfd[] = "Pho\u0300ng Ta\u0300i chi\u0301nh - Ke\u0302\u0301 hoa\u0323ch";
constexpr char kPlanNfc[] = "Kế hoạch";
constexpr char kPlanNfd[] = "Ke\u0302\u0301 hoa\u0323ch";
constexpr char kReplacement[] = "\xEF\xBF\xBD";
// A byte that never occurs in UTF-8.
constexpr char kBadByte[] = "\xFF";

// ---------------------------------------------------------------------------
// NormalizeNfc

TEST(CutToBytesTest, CutsAtACharacterBoundaryAndSaysWhetherItCut) {
  std::string s = "Quý";  // "ý" is two bytes
  EXPECT_TRUE(CutToBytes(&s, 3));
  EXPECT_EQ(s, "Qu");
  std::string kept = "Quý";
  EXPECT_FALSE(CutToBytes(&kept, 4));
  EXPECT_EQ(kept, "Quý");
  std::string ascii = "Phong";
  EXPECT_TRUE(CutToBytes(&ascii, 2));
  EXPECT_EQ(ascii, "Ph");
}

TEST(NormalizeNfcTest, NfdInputEqualsNfcAfterNormalization) {
  ASSERT_NE(std::string(kUnitNfd), std::string(kUnitNfc));
  EXPECT_EQ(NormalizeNfc(kUnitNfd), kUnitNfc);
  EXPECT_EQ(NormalizeNfc(kPlanNfd), kPlanNfc);
}

TEST(NormalizeNfcTest, NfcInputIsUnchanged) {
  EXPECT_EQ(NormalizeNfc(kUnitNfc), kUnitNfc);
  EXPECT_EQ(NormalizeNfc("Sở Tài nguyên và Môi trường"), "Sở Tài nguyên và Môi trường");
}

TEST(NormalizeNfcTest, MixedFormsInOneStringBecomeOneForm) {
  const std::string mixed = std::string(kPlanNfc) + " / " + kPlanNfd;
  EXPECT_EQ(NormalizeNfc(mixed), "Kế hoạch / Kế hoạch");
}

TEST(NormalizeNfcTest, ToneMarksInEitherOrderCompose) {
  // "ệ" typed as e + dot below + circumflex, or e + circumflex + dot below.
  EXPECT_EQ(NormalizeNfc("e\u0323\u0302"), "ệ");
  EXPECT_EQ(NormalizeNfc("e\u0302\u0323"), "ệ");
}

TEST(NormalizeNfcTest, TrimsNothing) {
  EXPECT_EQ(NormalizeNfc("  Kế\thoạch \n"), "  Kế\thoạch \n");
  EXPECT_EQ(NormalizeNfc("\u00A0x\u00A0"), "\u00A0x\u00A0");
  EXPECT_EQ(NormalizeNfc(""), "");
  EXPECT_EQ(NormalizeNfc("UBND huyen"), "UBND huyen");
}

TEST(NormalizeNfcTest, KeepsEmbeddedNul) {
  const std::string with_nul("a\0b", 3);
  EXPECT_EQ(NormalizeNfc(with_nul), with_nul);
}

TEST(NormalizeNfcTest, InvalidUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(NormalizeNfc(std::string("a") + kBadByte + "b"), std::string("a") + kReplacement + "b");
  // Truncated three-byte sequence at the end.
  EXPECT_EQ(NormalizeNfc("K\xE1\xBA"), std::string("K") + kReplacement);
  // Overlong encoding of '/'.
  EXPECT_EQ(NormalizeNfc("\xC0\xAF"), std::string(kReplacement) + kReplacement);
  // An encoded UTF-16 surrogate.
  EXPECT_EQ(NormalizeNfc("x\xED\xA0\x80y").find(kReplacement), 1u);
  // A lone continuation byte between decomposed marks.
  EXPECT_EQ(NormalizeNfc("e\u0302\x80"), std::string("ê") + kReplacement);
}

// ---------------------------------------------------------------------------
// MatchKey

TEST(MatchKeyTest, UnitNameMatchesWithoutDiacriticsAndCase) {
  EXPECT_EQ(MatchKey("Phòng Tài chính - Kế hoạch"), "phong tai chinh ke hoach");
  EXPECT_EQ(MatchKey("phong tai chinh ke hoach"), "phong tai chinh ke hoach");
  EXPECT_EQ(MatchKey("PHÒNG TÀI CHÍNH – KẾ HOẠCH"), "phong tai chinh ke hoach");
  EXPECT_EQ(MatchKey("Phòng Tài chính-Kế hoạch"), "phong tai chinh ke hoach");
}

TEST(MatchKeyTest, NfdAndNfcGiveTheSameKey) {
  EXPECT_EQ(MatchKey(kUnitNfd), MatchKey(kUnitNfc));
  EXPECT_EQ(MatchKey(kPlanNfd), "ke hoach");
}

TEST(MatchKeyTest, DStrokeFoldsToD) {
  EXPECT_EQ(MatchKey("đ"), "d");
  EXPECT_EQ(MatchKey("Đ"), "d");
  EXPECT_EQ(MatchKey("Văn phòng HĐND và UBND"), "van phong hdnd va ubnd");
  EXPECT_EQ(MatchKey("đầu năm"), "dau nam");
  // Legacy-encoding converters put the Icelandic eth or African D for Đ.
  EXPECT_EQ(MatchKey("\u00D0\u1ED3ng"), "dong");
  EXPECT_EQ(MatchKey("\u0189\u00F0"), "dd");
}

TEST(MatchKeyTest, EveryVietnameseVowelLosesItsMarks) {
  EXPECT_EQ(MatchKey("ă â ê ô ơ ư"), "a a e o o u");
  EXPECT_EQ(MatchKey("À Ả Ã Á Ạ"), "a a a a a");
  EXPECT_EQ(MatchKey("Ỳ Ỷ Ỹ Ý Ỵ"), "y y y y y");
  EXPECT_EQ(MatchKey("Ưỡng Ờ Ậ Ễ Ộ Ử"), "uong o a e o u");
}

TEST(MatchKeyTest, PunctuationAndDashesBecomeSpaces) {
  EXPECT_EQ(MatchKey("Sở Tài nguyên và Môi trường (TN&MT)"), "so tai nguyen va moi truong tn mt");
  EXPECT_EQ(MatchKey("Phòng TC-KH"), "phong tc kh");
  EXPECT_EQ(MatchKey("Phòng TC–KH"), "phong tc kh");
  EXPECT_EQ(MatchKey("Phòng TC—KH"), "phong tc kh");
  EXPECT_EQ(MatchKey("Kế hoạch số 60/KH-STNMT"), "ke hoach so 60 kh stnmt");
  EXPECT_EQ(MatchKey("“Rõ người, rõ việc”."), "ro nguoi ro viec");
  EXPECT_EQ(MatchKey("'TP.HCM'"), "tp hcm");
  EXPECT_EQ(MatchKey("a…b;c:d[e]f"), "a b c d e f");
}

TEST(MatchKeyTest, KeepsDigits) {
  EXPECT_EQ(MatchKey("Quý 3/2024"), "quy 3 2024");
  EXPECT_EQ(MatchKey("7,80 điểm"), "7 80 diem");
  EXPECT_EQ(MatchKey("Top 10"), "top 10");
}

TEST(MatchKeyTest, CollapsesAndTrimsWhitespace) {
  EXPECT_EQ(MatchKey("  Văn\u00A0phòng\t\tSở \n"), "van phong so");
  EXPECT_EQ(MatchKey("a \u3000\u202F b"), "a b");
}

TEST(MatchKeyTest, CompatibilityFormsAndInvisibleCharacters) {
  EXPECT_EQ(MatchKey("ＵＢＮＤ ２０２４"), "ubnd 2024");
  // A soft hyphen or zero-width space inside a word is not a word break.
  EXPECT_EQ(MatchKey("Kế\u00ADhoạch"), "kehoach");
  EXPECT_EQ(MatchKey("UB\u200BND"), "ubnd");
}

TEST(MatchKeyTest, EmptyWhenNoLetterOrDigit) {
  EXPECT_EQ(MatchKey(""), "");
  EXPECT_EQ(MatchKey("   "), "");
  EXPECT_EQ(MatchKey(" - / , . ( ) & "), "");
}

TEST(MatchKeyTest, InvalidUtf8DoesNotCrash) {
  EXPECT_EQ(MatchKey(std::string("Ph") + kBadByte + "ong"), "ph ong");
  EXPECT_EQ(MatchKey("\xC3"), "");
  EXPECT_EQ(MatchKey(std::string("a\xED\xA0\x80") + "b"), "a b");
}

TEST(MatchKeyTest, IsIdempotent) {
  for (const char* s : {kUnitNfc, kUnitNfd, "HĐND và UBND (TN&MT)", "Quý III/2024", "ＵＢＮＤ"}) {
    EXPECT_EQ(MatchKey(MatchKey(s)), MatchKey(s)) << s;
  }
}

// ---------------------------------------------------------------------------
// CollapseWhitespace

TEST(CollapseWhitespaceTest, CleansTextPastedFromWord) {
  EXPECT_EQ(CollapseWhitespace("  Phòng \u00A0 Tài\tchính\n\n- Kế hoạch\r\n  "),
            "Phòng Tài chính - Kế hoạch");
}

TEST(CollapseWhitespaceTest, UnicodeSpaces) {
  EXPECT_EQ(CollapseWhitespace("a\u202Fb\u3000c\u2003d\u2028e\u0085f\vg\fh"), "a b c d e f g h");
}

TEST(CollapseWhitespaceTest, EmptyAndOnlyWhitespace) {
  EXPECT_EQ(CollapseWhitespace(""), "");
  EXPECT_EQ(CollapseWhitespace(" \t\n\u00A0 "), "");
}

TEST(CollapseWhitespaceTest, KeepsEverythingElse) {
  EXPECT_EQ(CollapseWhitespace(kUnitNfd), kUnitNfd);
  EXPECT_EQ(CollapseWhitespace("a\u200Bb"), "a\u200Bb");
  EXPECT_EQ(CollapseWhitespace("x"), "x");
}

TEST(CollapseWhitespaceTest, InvalidUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(CollapseWhitespace(" a \xFF  b "), std::string("a ") + kReplacement + " b");
}

// ---------------------------------------------------------------------------
// QuoteForMessage

TEST(QuoteForMessageTest, QuotesAndEscapes) {
  EXPECT_EQ(QuoteForMessage("7,8,0"), "\"7,8,0\"");
  EXPECT_EQ(QuoteForMessage("Quý I/2024"), "\"Quý I/2024\"");
  EXPECT_EQ(QuoteForMessage("a\"b\n"), "\"a\\\"b\\n\"");
  EXPECT_EQ(QuoteForMessage(""), "\"\"");
  EXPECT_EQ(QuoteForMessage("\xFF"), std::string("\"") + kReplacement + "\"");
}

TEST(QuoteForMessageTest, CutsLongTextAtACharacterBoundary) {
  std::string long_text;
  for (int i = 0; i < 100; ++i) long_text += "ế";  // 3 bytes each
  const std::string quoted = QuoteForMessage(long_text);
  EXPECT_EQ(quoted, "\"" + long_text.substr(0, 120) + "…\"");
}

// ---------------------------------------------------------------------------
// DisplayWidth, PadRight, TruncateToWidth

TEST(DisplayWidthTest, VietnameseIsOneColumnPerLetterInBothForms) {
  EXPECT_EQ(DisplayWidth(kPlanNfc), 8);
  EXPECT_EQ(DisplayWidth(kPlanNfd), 8);
  EXPECT_EQ(DisplayWidth(kUnitNfc), 26);
  EXPECT_EQ(DisplayWidth(kUnitNfd), 26);
  EXPECT_EQ(DisplayWidth("Đ"), 1);
}

TEST(DisplayWidthTest, AsciiAndEmpty) {
  EXPECT_EQ(DisplayWidth(""), 0);
  EXPECT_EQ(DisplayWidth("60/KH-STNMT"), 11);
}

TEST(DisplayWidthTest, WideAndFullwidthTakeTwoColumns) {
  EXPECT_EQ(DisplayWidth("中文"), 4);
  EXPECT_EQ(DisplayWidth("ＵＢＮＤ"), 8);
  EXPECT_EQ(DisplayWidth("한국"), 4);
  EXPECT_EQ(DisplayWidth("\U0001F600"), 2);
}

TEST(IsValidUtf8Test, TellsWellFormedFromIllFormed) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("Kế hoạch số 60"));
  EXPECT_TRUE(IsValidUtf8("\uFFFD"));  // a real replacement character is fine
  EXPECT_FALSE(IsValidUtf8("ab\xff"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));      // overlong "/"
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));  // surrogate
  EXPECT_FALSE(IsValidUtf8("K\xe1\xbb"));     // truncated
}

TEST(ForTerminalTest, NeutralisesEscapesAndBidiOverrides) {
  EXPECT_EQ(ForTerminal("Kế  hoạch\n2024"), "Kế hoạch 2024");
  EXPECT_EQ(ForTerminal("a\x1b[2Jb"), "a\uFFFD[2Jb");
  EXPECT_EQ(ForTerminal("a\u0085b\u202Ec\x7f\u009b"),
            "a b\uFFFDc\uFFFD\uFFFD");  // NEL is whitespace
  EXPECT_EQ(DisplayWidth(ForTerminal("\x1b]0;x\x07 X")), 8);
}

TEST(DisplayWidthTest, InvisibleCharactersTakeNoColumn) {
  EXPECT_EQ(DisplayWidth("a\u200Bb"), 2);      // zero-width space
  EXPECT_EQ(DisplayWidth("a\u200Db"), 2);      // zero-width joiner
  EXPECT_EQ(DisplayWidth("a\u00ADb"), 3);      // soft hyphen: drawn, like wcwidth
  EXPECT_EQ(DisplayWidth("a\tb\n"), 2);        // controls
  EXPECT_EQ(DisplayWidth("\u20DD"), 0);        // enclosing mark
  EXPECT_EQ(DisplayWidth("\u1100\u1161"), 2);  // Hangul L + medial V
}

TEST(DisplayWidthTest, InvalidUtf8CountsOneColumnPerReplacement) {
  EXPECT_EQ(DisplayWidth(std::string("a") + kBadByte + "b"), 3);
  EXPECT_EQ(DisplayWidth("\xC0\xAF"), 2);
}

TEST(PadRightTest, PadsToColumnsNotBytes) {
  EXPECT_EQ(PadRight("Kế", 5), "Kế   ");
  EXPECT_EQ(PadRight(kPlanNfd, 10), std::string(kPlanNfd) + "  ");
  EXPECT_EQ(PadRight("中", 4), "中  ");
  EXPECT_EQ(PadRight("", 3), "   ");
}

TEST(PadRightTest, AlignsATableOfVietnameseNames) {
  const std::vector<std::string> names = {kUnitNfc, kUnitNfd, "Văn phòng HĐND và UBND",
                                          "Chi cục Thuế", "UBND"};
  for (const std::string& name : names) {
    EXPECT_EQ(DisplayWidth(PadRight(name, 30)), 30) << name;
  }
}

TEST(PadRightTest, NeverTruncates) {
  EXPECT_EQ(PadRight(kUnitNfc, 5), kUnitNfc);
  EXPECT_EQ(PadRight("abc", 3), "abc");
  EXPECT_EQ(PadRight("abc", 0), "abc");
  EXPECT_EQ(PadRight("abc", -4), "abc");
}

TEST(PadRightTest, InvalidUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(PadRight("\xFF", 2), std::string(kReplacement) + " ");
}

TEST(TruncateToWidthTest, TextThatFitsIsUnchanged) {
  EXPECT_EQ(TruncateToWidth(kUnitNfc, 26), kUnitNfc);
  EXPECT_EQ(TruncateToWidth(kUnitNfd, 26), kUnitNfd);
  EXPECT_EQ(TruncateToWidth(kUnitNfc, 100), kUnitNfc);
  EXPECT_EQ(TruncateToWidth("", 0), "");
}

TEST(TruncateToWidthTest, CutTextEndsWithEllipsis) {
  EXPECT_EQ(TruncateToWidth(kUnitNfc, 10), "Phòng Tài…");
  EXPECT_EQ(TruncateToWidth(kUnitNfc, 25), "Phòng Tài chính - Kế hoạ…");
  EXPECT_EQ(DisplayWidth(TruncateToWidth(kUnitNfc, 10)), 10);
}

TEST(TruncateToWidthTest, KeepsCombiningMarksWithTheirLetter) {
  EXPECT_EQ(TruncateToWidth(kPlanNfd, 3), "Ke\u0302\u0301…");
  EXPECT_EQ(TruncateToWidth(kUnitNfd, 10), "Pho\u0300ng Ta\u0300i…");
  EXPECT_EQ(NormalizeNfc(TruncateToWidth(kUnitNfd, 10)), TruncateToWidth(kUnitNfc, 10));
}

TEST(TruncateToWidthTest, WideCharacterThatWouldOverflowIsLeftOut) {
  EXPECT_EQ(TruncateToWidth("中文字", 4), "中…");
  EXPECT_EQ(TruncateToWidth("中文字", 5), "中文…");
  EXPECT_EQ(TruncateToWidth("中文字", 2), "…");
}

TEST(TruncateToWidthTest, TinyWidths) {
  EXPECT_EQ(TruncateToWidth("abc", 1), "…");
  EXPECT_EQ(TruncateToWidth("abc", 0), "");
  EXPECT_EQ(TruncateToWidth("abc", -1), "");
  EXPECT_EQ(TruncateToWidth("a", 1), "a");
}

TEST(TruncateToWidthTest, ResultNeverExceedsWidth) {
  for (const char* s : {kUnitNfc, kUnitNfd, "中文字 và ＵＢＮＤ", "a\xFF\x62\x63"}) {
    for (int width = 0; width <= 30; ++width) {
      const std::string cut = TruncateToWidth(s, width);
      EXPECT_LE(DisplayWidth(cut), width) << s << " @" << width;
      EXPECT_EQ(DisplayWidth(PadRight(cut, width)), width) << s << " @" << width;
    }
  }
}

// ---------------------------------------------------------------------------
// ParseNumber, ParseDecimal

MATCHER_P2(IsDecimal, thousandths, scale, "") {
  if (!arg.ok()) {
    *result_listener << "status " << arg.status();
    return false;
  }
  *result_listener << "{" << arg->thousandths << ", " << arg->scale << "}";
  return arg->thousandths == thousandths && arg->scale == scale;
}

MATCHER_P(IsInvalidArgumentWith, substring, "") {
  if (arg.ok()) {
    *result_listener << "is OK";
    return false;
  }
  *result_listener << "status " << arg.status();
  return arg.status().code() == absl::StatusCode::kInvalidArgument &&
         std::string(arg.status().message()).find(substring) != std::string::npos;
}

TEST(ParseDecimalTest, DecimalCommaAndDecimalPoint) {
  EXPECT_THAT(ParseDecimal("7,80"), IsDecimal(7800, 2));
  EXPECT_THAT(ParseDecimal("85.42"), IsDecimal(85420, 2));
  EXPECT_THAT(ParseDecimal("6,77"), IsDecimal(6770, 2));
  EXPECT_THAT(ParseDecimal("6,0"), IsDecimal(6000, 1));
  EXPECT_THAT(ParseDecimal("48.811"), IsDecimal(48811, 3));
  EXPECT_THAT(ParseDecimal("0,001"), IsDecimal(1, 3));
}

TEST(ParseDecimalTest, IntegersHaveScaleZero) {
  EXPECT_THAT(ParseDecimal("70"), IsDecimal(70000, 0));
  EXPECT_THAT(ParseDecimal("0"), IsDecimal(0, 0));
  EXPECT_THAT(ParseDecimal("007"), IsDecimal(7000, 0));
}

TEST(ParseDecimalTest, Signs) {
  EXPECT_THAT(ParseDecimal("-1,5"), IsDecimal(-1500, 1));
  EXPECT_THAT(ParseDecimal("+2"), IsDecimal(2000, 0));
  EXPECT_THAT(ParseDecimal("\u22123,5"), IsDecimal(-3500, 1));  // minus sign
  EXPECT_THAT(ParseDecimal("-0"), IsDecimal(0, 0));
}

TEST(ParseDecimalTest, SurroundingWhitespaceIsIgnored) {
  EXPECT_THAT(ParseDecimal("  6,77 "), IsDecimal(6770, 2));
  EXPECT_THAT(ParseDecimal("\u00A07,80\u00A0"), IsDecimal(7800, 2));
  EXPECT_THAT(ParseDecimal("\t70\n"), IsDecimal(70000, 0));
}

TEST(ParseDecimalTest, PercentIsAcceptedAndIgnored) {
  EXPECT_THAT(ParseDecimal("83,57%"), IsDecimal(83570, 2));
  EXPECT_THAT(ParseDecimal(" 83,57 % "), IsDecimal(83570, 2));
}

TEST(ParseNumberTest, ReportsPercent) {
  absl::StatusOr<ParsedNumber> percent = ParseNumber("83,57%");
  ASSERT_TRUE(percent.ok()) << percent.status();
  EXPECT_EQ(*percent, (ParsedNumber{Decimal3{83570, 2}, true}));

  absl::StatusOr<ParsedNumber> plain = ParseNumber("7,80");
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(*plain, (ParsedNumber{Decimal3{7800, 2}, false}));

  absl::StatusOr<ParsedNumber> spaced = ParseNumber("90 %");
  ASSERT_TRUE(spaced.ok()) << spaced.status();
  EXPECT_TRUE(spaced->percent);
  EXPECT_EQ(spaced->value, (Decimal3{90000, 0}));
}

TEST(ParseDecimalTest, SingleSeparatorIsAlwaysDecimal) {
  // "1.234" is read as one point two three four, not as 1234 with a
  // Vietnamese thousand separator (see text.h).
  EXPECT_THAT(ParseDecimal("1.234"), IsDecimal(1234, 3));
  EXPECT_THAT(ParseDecimal("1,234"), IsDecimal(1234, 3));
}

TEST(ParseDecimalTest, RejectsEmpty) {
  EXPECT_THAT(ParseDecimal(""), IsInvalidArgumentWith("empty"));
  EXPECT_THAT(ParseDecimal("   "), IsInvalidArgumentWith("empty"));
  EXPECT_THAT(ParseDecimal("%"), IsInvalidArgumentWith("no digits"));
  EXPECT_THAT(ParseDecimal("-"), IsInvalidArgumentWith("no digits"));
}

TEST(ParseDecimalTest, RejectsMoreThanOneSeparator) {
  EXPECT_THAT(ParseDecimal("7,8,0"),
              AllOf(IsInvalidArgumentWith("\"7,8,0\""),
                    IsInvalidArgumentWith("more than one decimal separator")));
  EXPECT_THAT(ParseDecimal("1.234.567"),
              IsInvalidArgumentWith("thousand separators are not accepted"));
}

TEST(ParseDecimalTest, RejectsThousandSeparators) {
  EXPECT_THAT(ParseDecimal("1.234,5"), AllOf(IsInvalidArgumentWith("\"1.234,5\""),
                                             IsInvalidArgumentWith("thousand separators")));
  EXPECT_THAT(ParseDecimal("1,234.5"), IsInvalidArgumentWith("thousand"));
}

TEST(ParseDecimalTest, RejectsMoreThanThreeFractionalDigits) {
  EXPECT_THAT(ParseDecimal("1.2345"),
              AllOf(IsInvalidArgumentWith("\"1.2345\""),
                    IsInvalidArgumentWith("more than 3 fractional digits")));
  EXPECT_THAT(ParseDecimal("72,7750"), IsInvalidArgumentWith("more than 3 fractional digits"));
}

TEST(ParseDecimalTest, RejectsLettersAndInnerSpaces) {
  EXPECT_THAT(ParseDecimal("abc"), IsInvalidArgumentWith("\"abc\""));
  EXPECT_THAT(ParseDecimal("7a"), IsInvalidArgumentWith("only digits"));
  EXPECT_THAT(ParseDecimal("7,80 điểm"), IsInvalidArgumentWith("điểm"));
  EXPECT_THAT(ParseDecimal("7 80"), IsInvalidArgumentWith("only digits"));
  EXPECT_THAT(ParseDecimal("- 5"), IsInvalidArgumentWith("only digits"));
  EXPECT_THAT(ParseDecimal("5%%"), IsInvalidArgumentWith("only digits"));
  EXPECT_THAT(ParseDecimal("%5"), IsInvalidArgumentWith("only digits"));
  EXPECT_THAT(ParseDecimal("1e3"), IsInvalidArgumentWith("only digits"));
  EXPECT_THAT(ParseDecimal("--5"), IsInvalidArgumentWith("only digits"));
  EXPECT_THAT(ParseDecimal("\xFF"), IsInvalidArgumentWith("only digits"));
}

TEST(ParseDecimalTest, RejectsSeparatorWithoutDigitsOnBothSides) {
  EXPECT_THAT(ParseDecimal(",5"), IsInvalidArgumentWith("both sides"));
  EXPECT_THAT(ParseDecimal("5."), IsInvalidArgumentWith("both sides"));
  EXPECT_THAT(ParseDecimal("."), IsInvalidArgumentWith("both sides"));
}

TEST(ParseDecimalTest, RejectsOverflow) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  EXPECT_THAT(ParseDecimal("9223372036854775,807"), IsDecimal(kMax, 3));
  EXPECT_THAT(ParseDecimal("-9223372036854775,807"), IsDecimal(-kMax, 3));
  EXPECT_THAT(ParseDecimal("9223372036854775,808"), IsInvalidArgumentWith("out of range"));
  EXPECT_THAT(ParseDecimal("9223372036854776"), IsInvalidArgumentWith("out of range"));
  EXPECT_THAT(ParseDecimal("99999999999999999999999999"), IsInvalidArgumentWith("out of range"));
}

TEST(ParseDecimalTest, SumsSeed002TargetsExactly) {
  // Seed 002 targets for 2020: 7.80 ... 7.4, sum 56.2, DDCI total 70.25.
  int64_t sum = 0;
  for (const char* t : {"7,80", "7,70", "6,50", "6,0", "7,5", "7,0", "6,3", "7,4"}) {
    absl::StatusOr<Decimal3> v = ParseDecimal(t);
    ASSERT_TRUE(v.ok()) << v.status();
    sum += v->thousandths;
  }
  EXPECT_EQ(FormatDecimal(sum, 1), "56.2");
  EXPECT_EQ(FormatDecimal(sum * 100 / 80, 2), "70.25");
}

// ---------------------------------------------------------------------------
// FormatDecimal, CanonicalDecimal

TEST(FormatDecimalTest, WritesExactlyScaleDigitsWithAPoint) {
  EXPECT_EQ(FormatDecimal(7800, 2), "7.80");
  EXPECT_EQ(FormatDecimal(70000, 0), "70");
  EXPECT_EQ(FormatDecimal(-1500, 3), "-1.500");
  EXPECT_EQ(FormatDecimal(-1500, 1), "-1.5");
  EXPECT_EQ(FormatDecimal(1, 3), "0.001");
  EXPECT_EQ(FormatDecimal(0, 2), "0.00");
  EXPECT_EQ(FormatDecimal(Decimal3{85420, 2}), "85.42");
}

TEST(FormatDecimalTest, RoundsHalfAwayFromZero) {
  EXPECT_EQ(FormatDecimal(72775, 2), "72.78");
  EXPECT_EQ(FormatDecimal(72774, 2), "72.77");
  EXPECT_EQ(FormatDecimal(-1005, 2), "-1.01");
  EXPECT_EQ(FormatDecimal(-1004, 2), "-1.00");
  EXPECT_EQ(FormatDecimal(500, 0), "1");
  EXPECT_EQ(FormatDecimal(499, 0), "0");
  EXPECT_EQ(FormatDecimal(9950, 1), "10.0");
  EXPECT_EQ(FormatDecimal(999500, 0), "1000");
}

TEST(FormatDecimalTest, NoNegativeZero) {
  EXPECT_EQ(FormatDecimal(-4, 2), "0.00");
  EXPECT_EQ(FormatDecimal(-499, 0), "0");
  EXPECT_EQ(FormatDecimal(-500, 0), "-1");
}

TEST(FormatDecimalTest, ScaleIsClamped) {
  EXPECT_EQ(FormatDecimal(7800, 5), "7.800");
  EXPECT_EQ(FormatDecimal(7800, -1), "8");
}

TEST(FormatDecimalTest, Int64Extremes) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  EXPECT_EQ(FormatDecimal(kMax, 3), "9223372036854775.807");
  EXPECT_EQ(FormatDecimal(kMin, 3), "-9223372036854775.808");
  EXPECT_EQ(FormatDecimal(kMax, 0), "9223372036854776");
  EXPECT_EQ(FormatDecimal(kMin, 0), "-9223372036854776");
}

TEST(FormatDecimalTest, BacGiangPci2022WithIntegerWeights) {
  // PCI = 10 × Σ wᵢ·scoreᵢ with weights in percent: exact arithmetic gives
  // 72.775, displayed 72.78 (DOMAIN.md).
  const int weights[] = {5, 10, 5, 5, 15, 10, 15, 15, 10, 10};
  const char* scores[] = {"6.65", "7.29", "6.30", "7.38", "8.02",
                          "7.31", "7.62", "6.10", "6.80", "8.60"};
  int64_t weighted = 0;
  for (int i = 0; i < 10; ++i) {
    absl::StatusOr<Decimal3> s = ParseDecimal(scores[i]);
    ASSERT_TRUE(s.ok()) << s.status();
    weighted += weights[i] * s->thousandths;
  }
  EXPECT_EQ(weighted % 10, 0);
  EXPECT_EQ(FormatDecimal(weighted / 10, 2), "72.78");
}

TEST(CanonicalDecimalTest, UsesPointAndKeepsWrittenScale) {
  EXPECT_EQ(CanonicalDecimal("7,80").value_or("?"), "7.80");
  EXPECT_EQ(CanonicalDecimal("85.42").value_or("?"), "85.42");
  EXPECT_EQ(CanonicalDecimal(" 83,57% ").value_or("?"), "83.57");
  EXPECT_EQ(CanonicalDecimal("70").value_or("?"), "70");
  EXPECT_EQ(CanonicalDecimal("+1,5").value_or("?"), "1.5");
  EXPECT_EQ(CanonicalDecimal("-1,5").value_or("?"), "-1.5");
  EXPECT_EQ(CanonicalDecimal("-0,0").value_or("?"), "0.0");
  EXPECT_EQ(CanonicalDecimal("6,0").value_or("?"), "6.0");
}

TEST(CanonicalDecimalTest, FailsLikeParseNumber) {
  EXPECT_THAT(CanonicalDecimal("7,8,0"), IsInvalidArgumentWith("\"7,8,0\""));
  EXPECT_THAT(CanonicalDecimal("1.2345"), IsInvalidArgumentWith("more than 3 fractional digits"));
  EXPECT_THAT(CanonicalDecimal(""), IsInvalidArgumentWith("empty"));
}

TEST(CanonicalDecimalTest, RoundTripsEveryValueWithCommaOrPoint) {
  for (int64_t v = -2500; v <= 2500; v += 7) {
    for (int scale = 0; scale <= 3; ++scale) {
      // Only values representable at this scale.
      const int64_t step = scale == 3 ? 1 : scale == 2 ? 10 : scale == 1 ? 100 : 1000;
      const int64_t value = v * step;
      const std::string point = FormatDecimal(value, scale);
      const std::string comma = absl::StrReplaceAll(point, {{".", ","}});
      absl::StatusOr<Decimal3> parsed = ParseDecimal(comma);
      ASSERT_TRUE(parsed.ok()) << comma << ": " << parsed.status();
      EXPECT_EQ(*parsed, (Decimal3{value, scale})) << comma;
      EXPECT_EQ(CanonicalDecimal(comma).value_or("?"), point);
    }
  }
}

}  // namespace
}  // namespace chiso::text

namespace chiso::text {
namespace {

TEST(FieldsTest, CountsCharactersNotBytes) {
  EXPECT_EQ(CodePointCount(""), 0);
  EXPECT_EQ(CodePointCount("Kế hoạch"), 8);
  EXPECT_EQ(CodePointCount("a\xff"), 2);
}

TEST(FieldsTest, CleanLineFieldNormalisesAndLimits) {
  std::string value = "  Phòng  Tài chi\xcc\x81nh\n- Kế hoạch ";
  ASSERT_TRUE(CleanLineField("task.title", &value, 100).ok());
  EXPECT_EQ(value, "Phòng Tài chính - Kế hoạch");
  std::string vietnamese;
  for (int i = 0; i < 10; ++i) vietnamese += "ệ";
  EXPECT_TRUE(CleanLineField("f", &vietnamese, 10).ok());
  vietnamese += "x";
  absl::Status s = CleanLineField("task.title", &vietnamese, 10);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "task.title: at most 10 characters (got 11)");
}

TEST(FieldsTest, CleanTextFieldKeepsLineBreaks) {
  std::string value = "\n Dòng một\nDòng hai \n";
  ASSERT_TRUE(CleanTextField("task.description", &value, 100).ok());
  EXPECT_EQ(value, "Dòng một\nDòng hai");
}

}  // namespace
}  // namespace chiso::text
