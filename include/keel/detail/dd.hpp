// SPDX-License-Identifier: MIT
// keel/detail/dd.hpp: double-double arithmetic (an unevaluated sum hi + lo of two doubles, about
// 32 significant digits) for running sums that are updated millions of times: the streaming
// estimators of keel/online.hpp. Owned by keel/online.hpp.
//
// Method. Knuth's TwoSum gives the exact rounding error of a sum, Dekker's split the exact
// product of two doubles (no FMA needed, so results are identical on every x86-64), and a
// double-double addition renormalises with a FastTwoSum. Adding and later removing the same
// term (a window sliding) then leaves an error of about 1e-32 of the sums' size instead of
// 1e-16 per update, so a running sum does not drift over millions of updates.
//
// Ref: D. E. Knuth, TAOCP vol. 2, 3rd ed., 4.2.2 (TwoSum); T. J. Dekker, "A floating-point
// technique for extending the available precision", Numer. Math. 18 (1971); Y. Hida, X. Li and
// D. Bailey, "Library for double-double and quad-double arithmetic" (2007).
// IWYU pragma: private, include <keel/online.hpp>
#pragma once

#include <keel/detail/config.hpp>

namespace keel::detail {

/// A double-double number hi + lo with |lo| <= ulp(hi) / 2.
struct dd {
  double hi = 0;  ///< the leading double
  double lo = 0;  ///< the trailing error term

  /// The value rounded to double.
  [[nodiscard]] double value() const { return hi + lo; }
};

/// a + b exactly as hi + lo (Knuth's TwoSum: no condition on the magnitudes).
[[nodiscard]] inline dd two_sum(double a, double b) {
  const double s = a + b;
  const double bb = s - a;
  return {s, (a - (s - bb)) + (b - bb)};
}

/// a * b exactly as hi + lo (Dekker's product through Veltkamp's split).
[[nodiscard]] inline dd two_product(double a, double b) {
  constexpr double split = 134217729.0;  // 2^27 + 1
  const double p = a * b;
  const double ca = split * a, cb = split * b;
  const double ah = ca - (ca - a), al = a - ah;
  const double bh = cb - (cb - b), bl = b - bh;
  return {p, ((ah * bh - p) + ah * bl + al * bh) + al * bl};
}

/// a + b in double-double (Hida, Li and Bailey's accurate addition).
[[nodiscard]] inline dd operator+(const dd& a, const dd& b) {
  dd s = two_sum(a.hi, b.hi);
  const dd t = two_sum(a.lo, b.lo);
  s.lo += t.hi;
  s = two_sum(s.hi, s.lo);
  s.lo += t.lo;
  return two_sum(s.hi, s.lo);
}

/// -a.
[[nodiscard]] inline dd operator-(const dd& a) { return {-a.hi, -a.lo}; }

/// a - b in double-double.
[[nodiscard]] inline dd operator-(const dd& a, const dd& b) { return a + (-b); }

/// a * b for a double-double and a double.
[[nodiscard]] inline dd operator*(const dd& a, double b) {
  dd p = two_product(a.hi, b);
  p.lo += a.lo * b;
  return two_sum(p.hi, p.lo);
}

/// a * b for two double-doubles.
[[nodiscard]] inline dd operator*(const dd& a, const dd& b) {
  dd p = two_product(a.hi, b.hi);
  p.lo += a.hi * b.lo + a.lo * b.hi;
  return two_sum(p.hi, p.lo);
}

/// a / b for a double-double and a double (one Newton correction of the double quotient).
[[nodiscard]] inline dd operator/(const dd& a, double b) {
  const double q1 = a.hi / b;
  const dd r = a - two_product(q1, b);
  const double q2 = r.hi / b;
  return two_sum(q1, q2);
}

/// a / b for two double-doubles (three corrected quotient terms).
[[nodiscard]] inline dd operator/(const dd& a, const dd& b) {
  const double q1 = a.hi / b.hi;
  dd r = a - b * q1;
  const double q2 = r.hi / b.hi;
  r = r - b * q2;
  const double q3 = r.hi / b.hi;
  return two_sum(q1, q2) + dd{q3, 0};
}

/// A compensated sum of products (Ogita, Rump and Oishi's Dot2, SIAM J. Sci. Comput. 26 (2005)):
/// as accurate as a dot product in twice the working precision, then rounded once.
struct dot2 {
  double s = 0;  ///< the running sum
  double c = 0;  ///< the accumulated rounding errors of the products and additions

  /// Adds a * b.
  void add(double a, double b) {
    const dd p = two_product(a, b);
    const dd t = two_sum(s, p.hi);
    s = t.hi;
    c += t.lo + p.lo;
  }
  /// Adds a.
  void add(double a) {
    const dd t = two_sum(s, a);
    s = t.hi;
    c += t.lo;
  }
  /// The sum rounded to double.
  [[nodiscard]] double value() const { return s + c; }
};

}  // namespace keel::detail
