// The op registry and parameter validation refuse bad input with a
// UserError that names the problem and lists what is valid.
#include <gtest/gtest.h>

#include "kiln.h"
#include "ops/op.h"

namespace kiln {
namespace {

// Runs f, expecting a UserError whose message contains every needle.
template <typename F>
void expect_user_error(F f, std::initializer_list<const char*> needles) {
  try {
    f();
    ADD_FAILURE() << "no error";
  } catch (const UserError& e) {
    for (const char* needle : needles) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
          << "'" << needle << "' not in: " << e.what();
    }
  }
}

TEST(OpParams, UnknownOpListsKnownOps) {
  expect_user_error([] { find_op("matmull"); }, {"unknown op 'matmull'", "matmul"});
}

TEST(OpParams, NegativeOrZeroSizeNamesTheParameter) {
  const Op& mm = find_op("matmul");
  expect_user_error([&] { mm.define({{"M", -3}}); },
                    {"parameter M", "-3", ">= 1", "N (default 1024)"});
  expect_user_error([&] { mm.define({{"K", 0}}); }, {"parameter K", "got 0"});
  expect_user_error([&] { mm.flops({{"N", -1}}); }, {"parameter N"});
}

TEST(OpParams, UnknownParameterListsValidOnes) {
  expect_user_error([] { find_op("matmul").define({{"Q", 4}}); },
                    {"unknown parameter 'Q'", "M (default 1024)", "K (default 1024)"});
}

TEST(OpParams, UnknownOptionOrValueIsRefused) {
  const Op& mm = find_op("matmul");
  expect_user_error([&] { mm.define({}, {{"dtype", "f99"}}); }, {"dtype", "f99", "f32"});
  expect_user_error([&] { mm.define({}, {{"layout", "nchw"}}); }, {"unknown option 'layout'"});
}

TEST(OpParams, CheckRefusesOutputsOfTheWrongShape) {
  const Op& mm = find_op("matmul");
  const OpSizes sizes = {{"M", 3}, {"N", 4}, {"K", 5}};
  const ComputeDef def = mm.define(sizes);
  const std::vector<Buffer> inputs = random_inputs(def, sizes);
  expect_user_error([&] { mm.check(def, inputs, {Buffer(f32(), {4, 3})}); }, {"output C"});
  expect_user_error([&] { mm.check(def, inputs, {}); }, {"expected 1 output"});
}

}  // namespace
}  // namespace kiln
