// SPDX-License-Identifier: MIT
#include <type_traits>

#include <catch2/catch.hpp>

#include <keel/error.hpp>

TEST_CASE("the error hierarchy", "[error]") {
  STATIC_REQUIRE(std::is_base_of_v<std::runtime_error, keel::error>);
  STATIC_REQUIRE(std::is_base_of_v<keel::error, keel::invalid_input>);
  STATIC_REQUIRE(std::is_base_of_v<keel::error, keel::insufficient_data>);
  STATIC_REQUIRE(std::is_base_of_v<keel::error, keel::singular_problem>);
  STATIC_REQUIRE(std::is_base_of_v<keel::error, keel::infeasible>);
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
  CHECK_THROWS_WITH(throw keel::infeasible("budget too small"), "budget too small");
}
