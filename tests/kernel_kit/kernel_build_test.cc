// The kernel kit's compile half as pure functions: what ptxas and cuobjdump print, read back as
// figures a prompt can use; compile errors trimmed to the ones that matter.
#include <gtest/gtest.h>

#include "score/kernel_build.h"

namespace kevolve::kit {
namespace {

// As nvcc 13 -Xptxas -v prints it: two kernels and a device function with a stack frame.
constexpr char kPtxasLog[] =
    "ptxas info    : 0 bytes gmem\n"
    "ptxas info    : Compiling entry function '_Z1kILi256EEvPK13__nv_bfloat16Pfi' for 'sm_90a'\n"
    "ptxas info    : Function properties for _Z1kILi256EEvPK13__nv_bfloat16Pfi\n"
    "    0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads\n"
    "ptxas info    : Used 32 registers, used 1 barriers, 1024 bytes smem\n"
    "ptxas info    : Compile time = 89.986 ms\n"
    "ptxas info    : Compiling entry function '_Z1gPf' for 'sm_90a'\n"
    "ptxas info    : Function properties for _Z1gPf\n"
    "    40 bytes stack frame, 8 bytes spill stores, 12 bytes spill loads\n"
    "ptxas info    : Used 255 registers, used 0 barriers, 40 bytes cumulative stack size\n"
    "ptxas info    : Compile time = 3.571 ms\n"
    "ptxas info    : Function properties for _Z1ff\n"
    "    16 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads\n";

TEST(KernelBuildTest, PtxasFiguresArePerKernelAndDemangled) {
  const std::vector<PtxasKernel> k = ParsePtxas(kPtxasLog);
  ASSERT_EQ(k.size(), 2u);  // the device function f is no kernel
  EXPECT_EQ(k[0].name, "void k<256>(__nv_bfloat16 const*, float*, int)");
  EXPECT_EQ(k[0].registers, 32);
  EXPECT_EQ(k[0].barriers, 1);
  EXPECT_EQ(k[0].smem_bytes, 1024);
  EXPECT_EQ(k[0].stack_bytes, 0);
  EXPECT_EQ(k[1].name, "g(float*)");
  EXPECT_EQ(k[1].registers, 255);
  EXPECT_EQ(k[1].stack_bytes, 40);
  EXPECT_EQ(k[1].spill_store_bytes, 8);
  EXPECT_EQ(k[1].spill_load_bytes, 12);
  EXPECT_EQ(FormatPtxas(k),
            "void k<256>(__nv_bfloat16 const*, float*, int): 32 registers, 0 B spill stores, 0 B "
            "spill loads, 1024 B shared, 0 B stack, 1 barriers\n"
            "g(float*): 255 registers, 8 B spill stores, 12 B spill loads, 0 B shared, 40 B "
            "stack, 0 barriers\n");
  EXPECT_TRUE(ParsePtxas("").empty());
  EXPECT_TRUE(ParsePtxas("garbage\nUsed 12 registers\n").empty());  // no entry function yet
}

// As cuobjdump -sass prints it (instruction words trimmed).
constexpr char kSass[] =
    "\n\tcode for sm_90a\n"
    "\t\tFunction : _Z1gPf\n"
    "\t.headerflags\t@\"EF_CUDA_TEXMODE_UNIFIED EF_CUDA_64BIT_ADDRESS\"\n"
    "        /*0000*/                   LDC R1, c[0x0][0x28] ;            /* 0x00000a00ff017b82 */\n"
    "                                                                      /* 0x000fe20000000800 */\n"
    "        /*0010*/                   LDG.E.128 R4, desc[UR4][R2.64] ;\n"
    "        /*0020*/              @!P0 LDG.E.128 R8, desc[UR4][R2.64+0x10] ;\n"
    "        /*0030*/                   FFMA R0, R4, R5, R0 ;\n"
    "        /*0040*/               @P1 FFMA R0, R6, R7, R0 ;\n"
    "        /*0050*/                   FFMA R0, R8, R9, R0 ;\n"
    "        /*0060*/                   EXIT ;\n"
    "        /*0070*/                   BRA 0x70;\n"
    "        /*0080*/                   NOP;\n"
    "\t\t..........\n"
    "\t\tFunction : _Z1hv\n"
    "        /*0000*/                   EXIT ;\n";

TEST(KernelBuildTest, SassSummaryCountsOpcodesPerKernel) {
  EXPECT_EQ(SummarizeSass(kSass, 3),
            "g(float*): 8 instructions; FFMA 3, LDG.E.128 2, BRA 1\n"
            "h(): 1 instructions; EXIT 1\n");
  EXPECT_EQ(SummarizeSass("", 3), "");
}

TEST(KernelBuildTest, CompileErrorsKeepTheErrorLinesAndTheCodeUnderThem) {
  const std::string log =
      "program.cu(10): warning #177-D: variable \"x\" was declared but never referenced\n"
      "program.cu(12): error: identifier \"kThread\" is undefined\n"
      "    RmsNormKernel<kThread><<<a.rows, 128>>>(a);\n"
      "                  ^\n"
      "program.cu(20): error: expected a \";\"\n"
      "2 errors detected in the compilation of \"program.cu\".\n";
  EXPECT_EQ(FirstCompileErrors(log, 3),
            "program.cu(12): error: identifier \"kThread\" is undefined\n"
            "    RmsNormKernel<kThread><<<a.rows, 128>>>(a);\n"
            "program.cu(20): error: expected a \";\"\n");
  // The linker's own words count too.
  EXPECT_EQ(FirstCompileErrors("/usr/bin/ld: a.o: in function `main':\n"
                               "k.cu:(.text+0x0): multiple definition of `main'\n"
                               "collect2: error: ld returned 1 exit status\n", 5),
            "k.cu:(.text+0x0): multiple definition of `main'\n"
            "collect2: error: ld returned 1 exit status\n");
  // No line says what went wrong: the head of the log.
  EXPECT_EQ(FirstCompileErrors("nvcc fatal\nsomething\n", 1), "nvcc fatal\n");
}

TEST(KernelBuildTest, ArchBecomesOneGencodeFlag) {
  EXPECT_EQ(*GencodeFlag("sm_90a"), "-gencode=arch=compute_90a,code=sm_90a");
  EXPECT_EQ(*GencodeFlag("sm_80"), "-gencode=arch=compute_80,code=sm_80");
  for (const char* bad : {"", "90a", "sm_", "compute_90", "sm_90a;rm -rf /", "sm_90ab"}) {
    const auto flag = GencodeFlag(bad);
    ASSERT_FALSE(flag.ok()) << bad;
    EXPECT_NE(flag.status().message().find("sm_90a or sm_80"), std::string::npos);
  }
}

TEST(KernelBuildTest, OnlyLibraryNamesFollowDashL) {
  for (const char* good : {"cublas", "cublasLt", "nvToolsExt", "stdc++", "m", "cudnn.9"}) {
    EXPECT_TRUE(ValidLibraryName(good)) << good;
  }
  for (const char* bad : {"", "-lcublas", "--whole-archive", "cublas -o x", "a;b", "../x", "a/b"}) {
    EXPECT_FALSE(ValidLibraryName(bad)) << bad;
  }
}

TEST(KernelBuildTest, AnswerOfAFailedBuildSaysWhoseFaultItIs) {
  BuildReport r;
  r.errors = "program.cu(1): error: nope\n";
  EXPECT_NE(BuildAnswer(r).find("\"valid\": false"), std::string::npos);
  EXPECT_NE(BuildAnswer(r).find("does not compile: program.cu(1): error: nope"), std::string::npos);
  BuildReport link;
  link.errors = "link: k.cu: multiple definition of `main'\n";
  EXPECT_NE(BuildAnswer(link).find("\"feedback\": \"does not link: k.cu: multiple definition"),
            std::string::npos)
      << BuildAnswer(link);
  r.harness_failed = true;
  EXPECT_NE(BuildAnswer(r).find("not the candidate's fault"), std::string::npos);
  BuildReport ok;
  ok.compiled = true;
  ok.kernels = ParsePtxas(kPtxasLog);
  const std::string answer = BuildAnswer(ok);
  EXPECT_NE(answer.find("\"valid\": true, \"combined_score\": 0"), std::string::npos);
  EXPECT_NE(answer.find("\"registers\": 255"), std::string::npos);  // the largest kernel's
  EXPECT_NE(answer.find("\"spill_bytes\": 20"), std::string::npos);
}

}  // namespace
}  // namespace kevolve::kit
