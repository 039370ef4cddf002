// SPDX-License-Identifier: MIT
// Test support: the storage checklist. Every algorithm test runs over each way a caller may
// hold a series (std::vector, std::span, Eigen::VectorX, Eigen::Map over raw memory and a
// minimal user container), in float and double, through TEMPLATE_TEST_CASE:
//
//   TEMPLATE_TEST_CASE("...", "[tag]", KEEL_STORAGE_TYPES) {
//     TestType x(std::vector<double>{...});   // converts to the storage's Real
//     keel::simple_returns(x.series());        // TestType::real is float or double
//   }
// (The list is spelled out rather than built with TEMPLATE_PRODUCT_TEST_CASE, whose Catch2 2.13
// expansion trips g++'s -Wsign-conversion.)
// std::array has a compile-time size, so tests exercise it with their own fixed data.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include <Eigen/Core>

namespace keel_test {

template <class Real>
std::vector<Real> converted(const std::vector<double>& xs) {
  std::vector<Real> out;
  out.reserve(xs.size());
  for (double x : xs) out.push_back(static_cast<Real>(x));
  return out;
}

/// A minimal user container: owns a buffer, offers begin/end/size and nothing else (the
/// archetype of a caller's own type that keel must accept without adaptation).
template <class Real>
class user_series {
 public:
  explicit user_series(const std::vector<Real>& xs)
      : size_(xs.size()), data_(std::make_unique<Real[]>(xs.size())) {
    for (std::size_t i = 0; i < size_; ++i) data_[i] = xs[i];
  }
  [[nodiscard]] const Real* begin() const { return data_.get(); }
  [[nodiscard]] const Real* end() const { return data_.get() + size_; }
  [[nodiscard]] std::size_t size() const { return size_; }

 private:
  std::size_t size_;
  std::unique_ptr<Real[]> data_;
};

template <class Real>
struct as_vector {
  using real = Real;
  explicit as_vector(const std::vector<double>& xs) : data(converted<Real>(xs)) {}
  [[nodiscard]] const std::vector<Real>& series() const { return data; }
  std::vector<Real> data;
};

template <class Real>
struct as_span {
  using real = Real;
  explicit as_span(const std::vector<double>& xs) : data(converted<Real>(xs)) {}
  [[nodiscard]] std::span<const Real> series() const { return data; }
  std::vector<Real> data;
};

template <class Real>
struct as_eigen_vector {
  using real = Real;
  explicit as_eigen_vector(const std::vector<double>& xs)
      : data(Eigen::Map<const Eigen::VectorXd>(xs.data(), static_cast<Eigen::Index>(xs.size()))
                 .cast<Real>()) {}
  [[nodiscard]] const Eigen::Matrix<Real, Eigen::Dynamic, 1>& series() const { return data; }
  Eigen::Matrix<Real, Eigen::Dynamic, 1> data;
};

template <class Real>
struct as_eigen_map {
  using real = Real;
  explicit as_eigen_map(const std::vector<double>& xs) : raw(converted<Real>(xs)) {}
  [[nodiscard]] Eigen::Map<const Eigen::Matrix<Real, Eigen::Dynamic, 1>> series() const {
    return {raw.data(), static_cast<Eigen::Index>(raw.size())};
  }
  std::vector<Real> raw;
};

template <class Real>
struct as_user {
  using real = Real;
  explicit as_user(const std::vector<double>& xs) : data(converted<Real>(xs)) {}
  [[nodiscard]] const user_series<Real>& series() const { return data; }
  user_series<Real> data;
};

}  // namespace keel_test

#define KEEL_STORAGE_TYPES                                                                 \
  keel_test::as_vector<float>, keel_test::as_vector<double>, keel_test::as_span<float>,    \
      keel_test::as_span<double>, keel_test::as_eigen_vector<float>,                       \
      keel_test::as_eigen_vector<double>, keel_test::as_eigen_map<float>,                  \
      keel_test::as_eigen_map<double>, keel_test::as_user<float>, keel_test::as_user<double>
