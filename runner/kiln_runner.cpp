// kiln-runner: the process `kiln tune --target cuda` starts (with exec) to
// measure GPU candidates. See autotune/runner_service.h.
#include "autotune/runner_service.h"

int main(int argc, char** argv) { return kiln::runner_main(argc, argv); }
