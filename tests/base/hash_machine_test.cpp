// base/hash.h's FNV-1a against the published test vectors, its field
// encodings, and base/machine.h's reading of /proc/cpuinfo.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "base/hash.h"
#include "base/machine.h"

namespace kiln {
namespace {

std::string fnv_hex(const std::string& s) {
  Fnv1a h;
  h.string_bytes(s);
  return h.hex();
}

TEST(Fnv1a, PublishedVectors) {
  EXPECT_EQ(fnv_hex(""), "cbf29ce484222325");
  EXPECT_EQ(fnv_hex("a"), "af63dc4c8601ec8c");
  EXPECT_EQ(fnv_hex("foobar"), "85944171f73967e8");
}

TEST(Fnv1a, FieldsStayApart) {
  Fnv1a ab_c, a_bc;
  ab_c.terminated_string("ab");
  ab_c.terminated_string("c");
  a_bc.terminated_string("a");
  a_bc.terminated_string("bc");
  EXPECT_EQ(ab_c.hex(), "ad22872f536e4705");  // FNV-1a of "ab\0c\0"
  EXPECT_EQ(a_bc.hex(), "401801fc84f3ca79");  // of "a\0bc\0"
  Fnv1a sized_ab_c, sized_a_bc;
  sized_ab_c.sized_string("ab");
  sized_ab_c.sized_string("c");
  sized_a_bc.sized_string("a");
  sized_a_bc.sized_string("bc");
  EXPECT_NE(sized_ab_c.value(), sized_a_bc.value());
}

TEST(Fnv1a, IntegersAreLittleEndianBytes) {
  Fnv1a as_int, as_bytes;
  as_int.u64(0x0102030405060708ULL);
  const unsigned char le[8] = {8, 7, 6, 5, 4, 3, 2, 1};
  as_bytes.bytes(le, 8);
  EXPECT_EQ(as_int.value(), as_bytes.value());
}

TEST(HostCpu, ReadsTheFirstModelNameOfProcCpuinfo) {
  std::ifstream in("/proc/cpuinfo");
  std::string line, expected;
  while (expected.empty() && std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      expected = line.substr(line.find(':') + 1);
      expected = expected.substr(expected.find_first_not_of(" \t"));
      expected = expected.substr(0, expected.find_last_not_of(" \t") + 1);
    }
  }
  if (expected.empty()) GTEST_SKIP() << "no 'model name' in /proc/cpuinfo on this machine";
  EXPECT_EQ(host_cpu().model_name, expected);
  EXPECT_GT(host_cpu().logical_cpus, 0u);
  const std::string fp = machine_fingerprint("+avx2");
  EXPECT_EQ(fp.rfind(expected, 0), 0u) << fp;
  EXPECT_NE(fp.find(fnv_hex("+avx2")), std::string::npos) << fp;
  EXPECT_NE(fp, machine_fingerprint("+avx512f"));
}

}  // namespace
}  // namespace kiln
