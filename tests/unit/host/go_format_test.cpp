#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "abi/go_format.h"

using namespace golo::host;

TEST_CASE("integers and booleans format as Go's %v") {
  CHECK(go_format_int(0) == "0");
  CHECK(go_format_int(-12) == "-12");
  CHECK(go_format_int(std::numeric_limits<std::int64_t>::min()) ==
        "-9223372036854775808");
  CHECK(go_format_uint(18446744073709551615ull) == "18446744073709551615");
  CHECK(go_format_bool(true) == "true");
  CHECK(go_format_bool(false) == "false");
}

TEST_CASE("floats format as Go's %v: shortest digits and the exponent rule") {
  // Expected strings are what fmt.Sprintf("%v", x) prints for float64 x.
  CHECK(go_format_float(0.0) == "0");
  CHECK(go_format_float(-0.0) == "-0");
  CHECK(go_format_float(1.0) == "1");
  CHECK(go_format_float(0.5) == "0.5");
  CHECK(go_format_float(0.1) == "0.1");
  CHECK(go_format_float(3.14) == "3.14");
  CHECK(go_format_float(-2.5) == "-2.5");
  CHECK(go_format_float(123456.0) == "123456");
  CHECK(go_format_float(999999.5) == "999999.5");
  CHECK(go_format_float(1e6) == "1e+06");
  CHECK(go_format_float(1234567.0) == "1.234567e+06");
  CHECK(go_format_float(1e21) == "1e+21");
  CHECK(go_format_float(0.0001) == "0.0001");
  CHECK(go_format_float(0.00001) == "1e-05");
  CHECK(go_format_float(1.5e-5) == "1.5e-05");
  CHECK(go_format_float(1e100) == "1e+100");
  CHECK(go_format_float(5e-324) == "5e-324");
  CHECK(go_format_float(1.7976931348623157e308) == "1.7976931348623157e+308");
  CHECK(go_format_float(0.1 + 0.2) == "0.30000000000000004");
  CHECK(go_format_float(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(go_format_float(-std::numeric_limits<double>::infinity()) == "-Inf");
  CHECK(go_format_float(std::nan("")) == "NaN");
}
