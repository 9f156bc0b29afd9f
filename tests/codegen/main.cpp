// Catch2 provides main() for this test executable.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
