#pragma once
/// \file
/// Everything a kernel author needs: the DSL, schedules, lowering, the LLVM
/// JIT/AOT and runtime buffers. LLVM's headers are not included.

#include "base/error.h"
#include "base/target.h"
#include "codegen/llvm/host_target.h"
#include "codegen/llvm/jit.h"
#include "dsl/compute.h"
#include "dsl/interpreter.h"
#include "dsl/ir.h"
#include "dsl/ir_operators.h"
#include "dsl/ir_printer.h"
#include "runtime/buffer.h"
#include "runtime/thread_pool.h"
#include "schedule/lower.h"
#include "schedule/schedule.h"
