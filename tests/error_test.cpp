// SPDX-License-Identifier: MIT
// Tests of keel/error.hpp: the exception hierarchy and KEEL_ASSERT's throwing mode.
#ifndef KEEL_ASSERT_THROWS
#define KEEL_ASSERT_THROWS 1  // as tests/CMakeLists.txt sets it for every test
#endif
#include <stdexcept>
#include <string>
#include <type_traits>

#include <catch2/catch.hpp>

#include <keel/error.hpp>

TEST_CASE("the error hierarchy", "[error]") {
  STATIC_REQUIRE(std::is_base_of_v<std::runtime_error, keel::error>);
  STATIC_REQUIRE(std::is_base_of_v<keel::error, keel::invalid_input>);
  STATIC_REQUIRE(std::is_base_of_v<keel::error, keel::insufficient_data>);
  STATIC_REQUIRE(std::is_base_of_v<keel::error, keel::singular_problem>);
  STATIC_REQUIRE(std::is_base_of_v<keel::error, keel::infeasible>);
  STATIC_REQUIRE(std::is_base_of_v<keel::error, keel::not_converged>);
  STATIC_REQUIRE_FALSE(std::is_base_of_v<keel::invalid_input, keel::insufficient_data>);
}

TEST_CASE("insufficient_data carries both counts", "[error]") {
  try {
    throw keel::insufficient_data("f: needs at least 20 observations, got 3", 20, 3);
  } catch (const keel::error& e) {
    const auto& d = dynamic_cast<const keel::insufficient_data&>(e);
    CHECK(d.required() == 20);
    CHECK(d.actual() == 3);
    CHECK(std::string(e.what()) == "f: needs at least 20 observations, got 3");
  }
}

TEST_CASE("each subclass is caught as keel::error and std::runtime_error", "[error]") {
  CHECK_THROWS_AS(throw keel::invalid_input("x"), keel::error);
  CHECK_THROWS_AS(throw keel::singular_problem("x"), keel::error);
  CHECK_THROWS_AS(throw keel::infeasible("x"), std::runtime_error);
  CHECK_THROWS_AS(throw keel::not_converged("x"), keel::error);
  CHECK_THROWS_WITH(throw keel::infeasible("budget too small"), "budget too small");
}

TEST_CASE("KEEL_ASSERT throws std::logic_error naming the condition in the test build", "[error]") {
  const auto check = [](int v) {
    KEEL_ASSERT(v > 0);
    return v;
  };
  CHECK(check(3) == 3);
  CHECK_THROWS_AS(check(-1), std::logic_error);
  CHECK_THROWS_WITH(check(-1), Catch::Matchers::Contains("v > 0"));
}
