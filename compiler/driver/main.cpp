// The `nnc` command line.
#include "driver/Driver.h"

int main(int argc, char **argv) { return nnc::driver::run(argc, argv); }
