// SPDX-License-Identifier: MIT
// Test support: the storage checklist. Every algorithm test runs over each way a caller may
// hold a series (std::vector, std::span, Eigen::VectorX, Eigen::Map over raw memory, a minimal
// user container over a pointer, and a user container whose iterators are random access but
// not pointers), in float and double, and long double through std::vector and the iterator
// container, through TEMPLATE_TEST_CASE:
//
//   TEMPLATE_TEST_CASE("...", "[tag]", KEEL_STORAGE_TYPES) {
//     TestType x(std::vector<double>{...});   // converts to the storage's Real
//     keel::simple_returns(x.series());        // TestType::real is float or double
//   }
// (The list is spelled out rather than built with TEMPLATE_PRODUCT_TEST_CASE, whose Catch2 2.13
// expansion trips g++'s -Wsign-conversion.)
// std::array has a compile-time size, so tests exercise it with their own fixed data.
#pragma once

#include <compare>
#include <cstddef>
#include <iterator>
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
  explicit user_series(const std::vector<Real>& xs) : size_(xs.size()), data_(std::make_unique<Real[]>(xs.size())) {
    for (std::size_t i = 0; i < size_; ++i) data_[i] = xs[i];
  }
  [[nodiscard]] const Real* begin() const { return data_.get(); }
  [[nodiscard]] const Real* end() const { return data_.get() + size_; }
  [[nodiscard]] std::size_t size() const { return size_; }

 private:
  std::size_t size_;
  std::unique_ptr<Real[]> data_;
};

/// A user container whose iterator is a class (random access, not a pointer, not contiguous):
/// keel must take its generic path, never assume pointers or contiguous memory.
template <class Real>
class indexed_series {
 public:
  class iterator {
   public:
    using iterator_category = std::random_access_iterator_tag;
    using iterator_concept = std::random_access_iterator_tag;
    using value_type = Real;
    using difference_type = std::ptrdiff_t;
    using reference = const Real&;
    using pointer = const Real*;
    iterator() = default;
    iterator(const std::vector<Real>* data, std::ptrdiff_t i) : data_(data), i_(i) {}
    reference operator*() const { return (*data_)[static_cast<std::size_t>(i_)]; }
    reference operator[](difference_type k) const { return (*data_)[static_cast<std::size_t>(i_ + k)]; }
    iterator& operator++() {
      ++i_;
      return *this;
    }
    iterator operator++(int) {
      iterator t = *this;
      ++i_;
      return t;
    }
    iterator& operator--() {
      --i_;
      return *this;
    }
    iterator operator--(int) {
      iterator t = *this;
      --i_;
      return t;
    }
    iterator& operator+=(difference_type k) {
      i_ += k;
      return *this;
    }
    iterator& operator-=(difference_type k) {
      i_ -= k;
      return *this;
    }
    friend iterator operator+(iterator a, difference_type k) { return a += k; }
    friend iterator operator+(difference_type k, iterator a) { return a += k; }
    friend iterator operator-(iterator a, difference_type k) { return a -= k; }
    friend difference_type operator-(const iterator& a, const iterator& b) { return a.i_ - b.i_; }
    friend bool operator==(const iterator& a, const iterator& b) { return a.i_ == b.i_; }
    friend auto operator<=>(const iterator& a, const iterator& b) { return a.i_ <=> b.i_; }

   private:
    const std::vector<Real>* data_ = nullptr;
    std::ptrdiff_t i_ = 0;
  };
  explicit indexed_series(const std::vector<Real>& xs) : data_(xs) {}
  [[nodiscard]] iterator begin() const { return {&data_, 0}; }
  [[nodiscard]] iterator end() const { return {&data_, static_cast<std::ptrdiff_t>(data_.size())}; }
  [[nodiscard]] std::size_t size() const { return data_.size(); }

 private:
  std::vector<Real> data_;
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
      : data(Eigen::Map<const Eigen::VectorXd>(xs.data(), static_cast<Eigen::Index>(xs.size())).cast<Real>()) {}
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

template <class Real>
struct as_indexed {
  using real = Real;
  explicit as_indexed(const std::vector<double>& xs) : data(converted<Real>(xs)) {}
  [[nodiscard]] const indexed_series<Real>& series() const { return data; }
  indexed_series<Real> data;
};

}  // namespace keel_test

#define KEEL_STORAGE_TYPES                                                                                          \
  keel_test::as_vector<float>, keel_test::as_vector<double>, keel_test::as_span<float>, keel_test::as_span<double>, \
      keel_test::as_eigen_vector<float>, keel_test::as_eigen_vector<double>, keel_test::as_eigen_map<float>,        \
      keel_test::as_eigen_map<double>, keel_test::as_user<float>, keel_test::as_user<double>,                       \
      keel_test::as_indexed<float>, keel_test::as_indexed<double>, keel_test::as_vector<long double>,               \
      keel_test::as_indexed<long double>
