// The mutator's lexical scan: what counts as a literal, a comparison, a statement.
#include "mutate/scan.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/text.h"

namespace kevolve::mutate {
namespace {

struct Scanned {
  std::vector<std::string> lines;
  std::vector<bool> evolvable;
  CodeStyle style;
  std::vector<LineScan> scans;
};

Scanned Scan(const std::string& code) {
  Scanned s;
  s.lines = SplitLines(code);
  s.evolvable.assign(s.lines.size(), true);
  s.style = DetectStyle(s.lines);
  s.scans = ScanLines(s.lines, s.evolvable, s.style);
  return s;
}

std::vector<std::string> LiteralTokens(const std::string& code) {
  Scanned s = Scan(code);
  std::vector<std::string> out;
  for (const LiteralSite& l : FindLiterals(s.lines, s.scans, s.evolvable, s.style)) {
    out.push_back(s.lines[l.line].substr(l.begin, l.end - l.begin));
  }
  return out;
}

std::vector<std::string> Operators(const std::string& code) {
  Scanned s = Scan(code);
  std::vector<std::string> out;
  for (const OperatorSite& o : FindOperators(s.lines, s.scans, s.evolvable, s.style)) {
    out.push_back(std::to_string(o.line + 1) + ":" + o.op);
  }
  return out;
}

std::vector<size_t> Statements(const std::string& code) {
  Scanned s = Scan(code);
  std::vector<size_t> out;
  for (size_t i : FindStatements(s.lines, s.scans, s.evolvable, s.style)) out.push_back(i + 1);
  return out;
}

using Strings = std::vector<std::string>;

TEST(DetectStyleTest, HashCommentsAndPythonKeywordsMeanHashStyle) {
  EXPECT_EQ(DetectStyle(SplitLines("#include <x>\n// c\nint a;\n")), CodeStyle::kCLike);
  EXPECT_EQ(DetectStyle(SplitLines("import math\n# c\nx = 1\n")), CodeStyle::kHash);
}

TEST(FindLiteralsTest, DecimalNumbersWithSuffixesOnly) {
  EXPECT_EQ(LiteralTokens("x = 1 + 2.5f + .5 + 3. + 1e-3 + 7ull + 0;\n"),
            (Strings{"1", "2.5f", ".5", "3.", "1e-3", "7ull", "0"}));
  EXPECT_EQ(LiteralTokens("y = 0x1F + 017 + 0b11 + 1'000 + 2px;\n"), Strings{});
}

TEST(FindLiteralsTest, SkipsIdentifiersStringsCommentsAndIncludes) {
  EXPECT_EQ(LiteralTokens("#include \"f16.h\"\nfloat4 v2 = a.x1 + f(\"3\") + '4'; // 5\n"
                          "/* 6\n 7 */ int k = 8;\n"),
            Strings{"8"});
  EXPECT_EQ(LiteralTokens("import math\nx = 3  # 4\ns = \"5\" + '6'\n\"\"\"\n7\n\"\"\"\ny = 1_000\n"),
            Strings{"3"});
}

TEST(FindLiteralsTest, ChoicesBindTheLastLiteralBeforeTheComment) {
  Scanned s = Scan("int a = f(2, 64);  // choices: 32, 64, 128\n");
  auto sites = FindLiterals(s.lines, s.scans, s.evolvable, s.style);
  ASSERT_EQ(sites.size(), 1u);
  EXPECT_EQ(sites[0].number, "64");
  EXPECT_EQ(sites[0].choices, (Strings{"32", "128"}));
  // A list with no other value leaves nothing to change.
  EXPECT_EQ(LiteralTokens("int b = 4;  // choices: 4\n"), Strings{});
}

TEST(FindLiteralsTest, FloatSuffixAndExponentAreKept) {
  Scanned s = Scan("float a = 1.5e+2f;\n");
  auto sites = FindLiterals(s.lines, s.scans, s.evolvable, s.style);
  ASSERT_EQ(sites.size(), 1u);
  EXPECT_TRUE(sites[0].is_float);
  EXPECT_EQ(sites[0].number, "1.5e+2");
  EXPECT_EQ(sites[0].suffix, "f");
}

TEST(FindOperatorsTest, ComparisonsButNotTemplatesShiftsOrArrows) {
  EXPECT_EQ(Operators("if (a < b && c >= d) x = y == z;\n"), (Strings{"1:<", "1:>=", "1:=="}));
  EXPECT_EQ(Operators("std::vector<int> v; auto w = static_cast<float>(x);\n"), Strings{});
  EXPECT_EQ(Operators("Foo<Bar, Baz*> f; p->q = a << 2 >> 1;\n"), Strings{});
  EXPECT_EQ(Operators("bool operator<(const A& o) const { return k != o.k; }\n"),
            Strings{"1:!="});
  EXPECT_EQ(Operators("template <typename T> bool Less(T a, T b) { return a<b; }\n"),
            Strings{"1:<"});
  EXPECT_EQ(Operators("for (int i = 0; i<n && j>m; ++i) {}\n"), (Strings{"1:<", "1:>"}));
  EXPECT_EQ(Operators("#if X > 3\nconst char* s = \"a < b\";  // c > d\n"), Strings{});
}

TEST(FindOperatorsTest, HashStyleHasNoTemplatesButSkipsArrows) {
  EXPECT_EQ(Operators("import x\ndef f(a: int) -> int:\n    return a<b or a >= c\n"),
            (Strings{"3:<", "3:>="}));
}

TEST(FindStatementsTest, CompleteStatementLinesOnly) {
  EXPECT_EQ(Statements("int f() {\n"         // 1
                       "  int a = 1;\n"      // 2 yes
                       "  int b = g(a,\n"    // 3 no: continues
                       "            2);\n"   // 4 no: starts inside parentheses
                       "  for (;;) {\n"      // 5 no
                       "    a += b;\n"       // 6 yes
                       "  }\n"               // 7
                       "  return a;\n"       // 8 yes
                       "}\n"),
            (std::vector<size_t>{2, 6, 8}));
}

TEST(FindStatementsTest, HashStyleSimpleLinesAtDepthZero) {
  EXPECT_EQ(Statements("import math\n"          // 1 yes
                       "def f(x):\n"            // 2 no: opens a block
                       "    y = [1,\n"          // 3 no: continues
                       "         2]\n"          // 4 no
                       "    if y:\n"            // 5 no
                       "        y.append(3)\n"  // 6 yes
                       "    return y\n"),       // 7 yes
            (std::vector<size_t>{1, 6, 7}));
}

}  // namespace
}  // namespace kevolve::mutate
