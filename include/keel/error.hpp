// SPDX-License-Identifier: MIT
// keel/error.hpp: the exceptions keel throws.
//
// Synopsis
//   keel::error               base of everything keel throws (a std::runtime_error)
//   keel::invalid_input       the caller's data or options are wrong: NaN, size mismatch, bad CSV
//   keel::insufficient_data   too few observations; carries required() and actual()
//   keel::singular_problem    the problem is degenerate: zero variance, collinear factors
//   keel::infeasible          constraints that no solution satisfies
//   keel::not_converged       an iterative estimate (a likelihood fit) stopped short of converging
//   KEEL_ASSERT(cond)         internal invariants (never caller input); overridable
//
// Conventions
//   Caller input is checked in every build, never by assert: a release build must not read out
//   of bounds or return NaN because NDEBUG removed a check. Messages say what, where and how
//   big: "market_beta: asset_returns[17] is NaN", "market_beta: needs at least 20
//   observations, got 12". Exceptions from Boost or the standard library (domain_error,
//   overflow_error) never escape keel: arguments are checked before they reach them.
/// \file
/// The exceptions keel throws, and KEEL_ASSERT.
#pragma once

#include <keel/detail/config.hpp>

#include <cassert>
#include <cstddef>
#include <stdexcept>
#include <string>

/// Checks an internal invariant: a keel bug if it fails, never a caller error. Define it before
/// including keel to change the action, as with Eigen's eigen_assert; define KEEL_ASSERT_THROWS
/// to make it throw std::logic_error naming the condition, in every build (keel's tests do).
#ifndef KEEL_ASSERT
#if defined(KEEL_ASSERT_THROWS) && KEEL_ASSERT_THROWS
#define KEEL_ASSERT(cond) \
  ((cond) ? static_cast<void>(0) : throw std::logic_error("keel internal assertion failed: " #cond))
#else
#define KEEL_ASSERT(cond) assert(cond)
#endif
#endif

namespace keel {

/// Base of every exception keel throws, so callers can catch keel's failures in one place.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The caller's input is malformed: a NaN or infinity (the message names its index), series
/// of different lengths, an option out of its domain, a CSV cell that is not a number.
class invalid_input : public error {
 public:
  using error::error;
};

/// Fewer observations than the computation needs. `required()` and `actual()` carry the two
/// counts so that callers can, for example, widen a window and retry.
class insufficient_data : public error {
 public:
  /// \param message the full message, naming the function and both counts.
  /// \param required the number of observations the computation needs.
  /// \param actual the number it was given.
  insufficient_data(const std::string& message, std::ptrdiff_t required, std::ptrdiff_t actual)
      : error(message), required_(required), actual_(actual) {}

  /// The number of observations the computation needs.
  [[nodiscard]] std::ptrdiff_t required() const noexcept { return required_; }
  /// The number of observations it was given.
  [[nodiscard]] std::ptrdiff_t actual() const noexcept { return actual_; }

 private:
  std::ptrdiff_t required_;
  std::ptrdiff_t actual_;
};

/// The problem has no unique answer: a regressor with zero variance, factors that are exact
/// linear combinations of each other, a covariance matrix that is not positive definite.
class singular_problem : public error {
 public:
  using error::error;
};

/// The constraints admit no solution (weights bounds that cannot sum to one, a target beta no
/// hedge within budget reaches).
class infeasible : public error {
 public:
  using error::error;
};

/// An iterative estimate (a maximum-likelihood fit) that did not converge within its iteration
/// limit. Functions that can throw it have an option to return the unconverged result with a
/// flag instead (garch_options::require_convergence).
class not_converged : public error {
 public:
  using error::error;
};

}  // namespace keel
