// SPDX-License-Identifier: MIT
// keel/detail/random.hpp: the counter-based random generator of keel's simulations:
// Philox4x32-10 (Salmon, Moraes, Dror and Shaw 2011) and the standard normal, gamma and
// Student-t draws made from it. Owned by keel/var.hpp (Monte Carlo VaR); any later simulation
// (scenario generation, bootstrap) draws from it too.
//
// Why counter-based. Philox maps (key, counter) to 128 random bits with no state carried
// between calls, so a stream is named, not advanced: stream (seed, b) is the sequence of the
// counters (i, b) for i = 0, 1, 2, ... under the key `seed`. A simulation that gives block b
// of its paths stream (seed, b) produces the same numbers whichever thread runs the block and
// in whichever order: results are bit-identical on 1 or 64 threads. Streams of different
// blocks never overlap (the block index is half of the counter), and Philox4x32-10 passes
// TestU01's BigCrush on any such family of streams (Salmon et al., Table 2).
//
// Layout of the 128-bit counter: words 0-1 the position i within the stream (64 bits, low
// word first), words 2-3 the stream index b. The key is the 64-bit seed (low word first).
// tests/var_test.cpp checks philox4x32_10 against Random123's philox4x32_R(10, ...) on the same
// keys and counters.
//
// Normal draws: the ziggurat of Marsaglia and Tsang (2000) with 128 layers, one 32-bit word
// per draw on the fast path (98.8% of draws): 7 bits choose the layer, 1 bit the sign and the
// other 24 the position within the layer, so that no bit serves twice (the flaw Doornik 2005
// found in the original, which reused the layer bits in the magnitude). The wedges and the
// tail use further words of the same stream. Gamma: Marsaglia and Tsang (2000b), with
// Gamma(a) = Gamma(a + 1) U^(1/a) for a < 1. Student t with nu degrees of freedom:
// Z sqrt(nu / X), X ~ chi-squared(nu) = 2 Gamma(nu / 2).
//
// References
//   J. K. Salmon, M. A. Moraes, R. O. Dror and D. E. Shaw, "Parallel random numbers: as easy
//   as 1, 2, 3", SC11 (2011). G. Marsaglia and W. W. Tsang, "The ziggurat method for
//   generating random variables", J. Stat. Softw. 5(8) (2000); "A simple method for generating
//   gamma variables", ACM TOMS 26 (2000). J. A. Doornik, "An improved ziggurat method to
//   generate normal random samples" (2005).
// IWYU pragma: private, include <keel/var.hpp>
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include <keel/detail/config.hpp>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace keel::detail {

/// 128 bits: a Philox counter or its output, four 32-bit words.
using philox_block = std::array<std::uint32_t, 4>;
/// A Philox4x32 key: two 32-bit words.
using philox_key = std::array<std::uint32_t, 2>;

inline constexpr std::uint32_t philox_m0 = 0xD2511F53u;  ///< multipliers (Salmon et al., sec. 5)
inline constexpr std::uint32_t philox_m1 = 0xCD9E8D57u;
inline constexpr std::uint32_t philox_w0 = 0x9E3779B9u;  ///< Weyl key increments: golden ratio,
inline constexpr std::uint32_t philox_w1 = 0xBB67AE85u;  ///< sqrt(3) - 1

/// Philox4x32-10: the 128-bit output of counter `c` under key `k` (ten rounds; the key is
/// bumped by the Weyl increments between rounds).
[[nodiscard]] constexpr philox_block philox4x32_10(philox_block c, philox_key k) noexcept {
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k[0] += philox_w0;
      k[1] += philox_w1;
    }
    const std::uint64_t p0 = std::uint64_t{philox_m0} * c[0];
    const std::uint64_t p1 = std::uint64_t{philox_m1} * c[2];
    c = {static_cast<std::uint32_t>(p1 >> 32) ^ c[1] ^ k[0], static_cast<std::uint32_t>(p1),
         static_cast<std::uint32_t>(p0 >> 32) ^ c[3] ^ k[1], static_cast<std::uint32_t>(p0)};
  }
  return c;
}

/// The key of a 64-bit seed (low word first).
[[nodiscard]] constexpr philox_key philox_seed_key(std::uint64_t seed) noexcept {
  return {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)};
}

/// The ziggurat's tables (Marsaglia and Tsang 2000, 128 layers) for a 24-bit magnitude:
/// layer i (1..127) spans [0, x_i] with x_127 = r, the base strip (i = 0) has the virtual
/// width v / f(r); a magnitude j < k[i] lies inside the next layer's rectangle and is accepted
/// at once as x = j w[i].
struct ziggurat_tables {
  std::uint32_t k[128];
  double w[128];
  double f[128];
};

inline constexpr double ziggurat_r = 3.442619855899;       ///< start of the tail
inline constexpr double ziggurat_v = 9.91256303526217e-3;  ///< area of each layer
inline constexpr double ziggurat_scale = 16777216.0;       ///< 2^24: magnitudes are 24-bit

[[nodiscard]] inline const ziggurat_tables& ziggurat() {
  static const ziggurat_tables t = [] {
    ziggurat_tables z{};
    double dn = ziggurat_r, tn = dn;
    const double q = ziggurat_v / std::exp(-0.5 * dn * dn);
    z.k[0] = static_cast<std::uint32_t>((dn / q) * ziggurat_scale);
    z.k[1] = 0;
    z.w[0] = q / ziggurat_scale;
    z.w[127] = dn / ziggurat_scale;
    z.f[0] = 1.0;
    z.f[127] = std::exp(-0.5 * dn * dn);
    for (int i = 126; i >= 1; --i) {
      dn = std::sqrt(-2.0 * std::log(ziggurat_v / dn + std::exp(-0.5 * dn * dn)));
      z.k[i + 1] = static_cast<std::uint32_t>((dn / tn) * ziggurat_scale);
      tn = dn;
      z.f[i] = std::exp(-0.5 * dn * dn);
      z.w[i] = dn / ziggurat_scale;
    }
    return z;
  }();
  return t;
}

/// One stream (seed, index) of Philox4x32-10 output, read 32 bits at a time through a buffer
/// of 16 counters (64 words) that is refilled in one loop the compiler can vectorise.
class philox_stream {
 public:
  static constexpr int batch = 16;  ///< counters per refill

  /// Stream `index` of `seed`, from its first counter.
  philox_stream(std::uint64_t seed, std::uint64_t index) noexcept
      : key_(philox_seed_key(seed)), hi_{static_cast<std::uint32_t>(index), static_cast<std::uint32_t>(index >> 32)} {}

  /// The next 32 random bits.
  [[nodiscard]] std::uint32_t next_u32() noexcept {
    if (pos_ == 4 * batch) [[unlikely]]
      refill();
    return buf_[pos_++];
  }

  /// A uniform double in the open interval (0, 1): 53 random bits from two words, plus half
  /// an ulp so that neither end is reached (log(u) is always finite).
  [[nodiscard]] double uniform() noexcept {
    const std::uint64_t a = next_u32();
    const std::uint64_t b = next_u32();
    const std::uint64_t bits = (a << 21) ^ (b >> 11);  // 53 bits
    return (static_cast<double>(bits) + 0.5) * 0x1p-53;
  }

  /// A standard normal draw (ziggurat; see the file comment).
  [[nodiscard]] double normal() noexcept {
    const std::uint32_t u = next_u32();
    const std::uint32_t i = u & 127u;
    const std::uint32_t j = u >> 8;
    if (j < zig_.k[i]) [[likely]]
      return signed_magnitude(u, j) * zig_.w[i];
    return normal_slow(i, j, (u & 128u) != 0);
  }

  /// Fills out[0, n) with standard normal draws: the same numbers as n calls of normal(), in
  /// a loop over the buffered words that keeps the fast path free of calls and branches the
  /// predictor misses (a third faster than normal() one at a time).
  void normals(double* out, std::ptrdiff_t n) noexcept {
    std::ptrdiff_t k = 0;
    while (k < n) {
      if (pos_ == 4 * batch) refill();
      while (pos_ < 4 * batch && k < n) {
        const std::uint32_t u = buf_[pos_++];
        const std::uint32_t i = u & 127u;
        const std::uint32_t j = u >> 8;
        if (j < zig_.k[i]) [[likely]]
          out[k++] = signed_magnitude(u, j) * zig_.w[i];
        else
          out[k++] = normal_slow(i, j, (u & 128u) != 0);
      }
    }
  }

  /// A Gamma(shape, 1) draw, shape > 0 (Marsaglia and Tsang 2000b).
  [[nodiscard]] double gamma(double shape) noexcept {
    if (shape < 1) return gamma(shape + 1) * std::pow(uniform(), 1 / shape);
    const double d = shape - 1.0 / 3.0;
    const double c = 1 / std::sqrt(9 * d);
    for (;;) {
      double x, v;
      do {
        x = normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const double u = uniform();
      const double x2 = x * x;
      if (u < 1 - 0.0331 * x2 * x2) return d * v;
      if (std::log(u) < 0.5 * x2 + d * (1 - v + std::log(v))) return d * v;
    }
  }

  /// A chi-squared draw with `dof` > 0 degrees of freedom: 2 Gamma(dof / 2).
  [[nodiscard]] double chi_squared(double dof) noexcept { return 2 * gamma(0.5 * dof); }

 private:
  void refill() noexcept {
#if defined(__SSE2__)
    refill_sse2();
#else
    refill_scalar();
#endif
    next_ += batch;
    pos_ = 0;
  }

  // Ten rounds on `batch` counters at once, one array per word, so that the loops vectorise
  // where the compiler can (the SSE2 form below does it by hand: baseline x86-64 has no
  // 32 x 32 -> 64 bit vector multiply the compiler will pick).
  void refill_scalar() noexcept {
    std::uint32_t x0[batch], x1[batch], x2[batch], x3[batch];
    for (int j = 0; j < batch; ++j) {
      const std::uint64_t i = next_ + static_cast<std::uint64_t>(j);
      x0[j] = static_cast<std::uint32_t>(i);
      x1[j] = static_cast<std::uint32_t>(i >> 32);
      x2[j] = hi_[0];
      x3[j] = hi_[1];
    }
    std::uint32_t k0 = key_[0], k1 = key_[1];
    for (int round = 0; round < 10; ++round) {
      for (int j = 0; j < batch; ++j) {
        const std::uint64_t p0 = std::uint64_t{philox_m0} * x0[j];
        const std::uint64_t p1 = std::uint64_t{philox_m1} * x2[j];
        const std::uint32_t y0 = static_cast<std::uint32_t>(p1 >> 32) ^ x1[j] ^ k0;
        const std::uint32_t y2 = static_cast<std::uint32_t>(p0 >> 32) ^ x3[j] ^ k1;
        x1[j] = static_cast<std::uint32_t>(p1);
        x3[j] = static_cast<std::uint32_t>(p0);
        x0[j] = y0;
        x2[j] = y2;
      }
      k0 += philox_w0;
      k1 += philox_w1;
    }
    for (int j = 0; j < batch; ++j) {
      buf_[4 * j] = x0[j];
      buf_[4 * j + 1] = x1[j];
      buf_[4 * j + 2] = x2[j];
      buf_[4 * j + 3] = x3[j];
    }
  }

#if defined(__SSE2__)
  // The low and high words of the four 32 x 32 -> 64 bit products x[l] * m.
  static void mulhilo4(__m128i x, __m128i m, __m128i& lo, __m128i& hi) noexcept {
    const __m128i even = _mm_shuffle_epi32(_mm_mul_epu32(x, m), _MM_SHUFFLE(3, 1, 2, 0));
    const __m128i odd = _mm_shuffle_epi32(_mm_mul_epu32(_mm_srli_epi64(x, 32), m), _MM_SHUFFLE(3, 1, 2, 0));
    lo = _mm_unpacklo_epi32(even, odd);
    hi = _mm_unpackhi_epi32(even, odd);
  }

  // Four counters per SSE2 register (one register per word), four groups in flight.
  void refill_sse2() noexcept {
    constexpr int groups = batch / 4;
    const __m128i m0 = _mm_set1_epi32(static_cast<int>(philox_m0));
    const __m128i m1 = _mm_set1_epi32(static_cast<int>(philox_m1));
    __m128i x0[groups], x1[groups], x2[groups], x3[groups];
    for (int g = 0; g < groups; ++g) {
      std::uint32_t lo[4], hi[4];
      for (int l = 0; l < 4; ++l) {
        const std::uint64_t i = next_ + static_cast<std::uint64_t>(4 * g + l);
        lo[l] = static_cast<std::uint32_t>(i);
        hi[l] = static_cast<std::uint32_t>(i >> 32);
      }
      x0[g] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(lo));
      x1[g] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(hi));
      x2[g] = _mm_set1_epi32(static_cast<int>(hi_[0]));
      x3[g] = _mm_set1_epi32(static_cast<int>(hi_[1]));
    }
    std::uint32_t k0 = key_[0], k1 = key_[1];
    for (int round = 0; round < 10; ++round) {
      const __m128i vk0 = _mm_set1_epi32(static_cast<int>(k0));
      const __m128i vk1 = _mm_set1_epi32(static_cast<int>(k1));
      for (int g = 0; g < groups; ++g) {
        __m128i lo0, hi0, lo1, hi1;
        mulhilo4(x0[g], m0, lo0, hi0);
        mulhilo4(x2[g], m1, lo1, hi1);
        x0[g] = _mm_xor_si128(_mm_xor_si128(hi1, x1[g]), vk0);
        x2[g] = _mm_xor_si128(_mm_xor_si128(hi0, x3[g]), vk1);
        x1[g] = lo1;
        x3[g] = lo0;
      }
      k0 += philox_w0;
      k1 += philox_w1;
    }
    for (int g = 0; g < groups; ++g) {  // transpose: counter j's four words are consecutive
      const __m128i a = _mm_unpacklo_epi32(x0[g], x1[g]);
      const __m128i b = _mm_unpacklo_epi32(x2[g], x3[g]);
      const __m128i c = _mm_unpackhi_epi32(x0[g], x1[g]);
      const __m128i d = _mm_unpackhi_epi32(x2[g], x3[g]);
      auto* out = reinterpret_cast<__m128i*>(buf_ + 16 * g);
      _mm_storeu_si128(out, _mm_unpacklo_epi64(a, b));
      _mm_storeu_si128(out + 1, _mm_unpackhi_epi64(a, b));
      _mm_storeu_si128(out + 2, _mm_unpacklo_epi64(c, d));
      _mm_storeu_si128(out + 3, _mm_unpackhi_epi64(c, d));
    }
  }
#endif

  // The 24-bit magnitude j with the sign of bit 7 of u, as a double (branch-free).
  [[nodiscard]] static double signed_magnitude(std::uint32_t u, std::uint32_t j) noexcept {
    const auto negative = static_cast<std::int32_t>((u >> 7) & 1u);
    const auto m = static_cast<std::int32_t>(j);
    return static_cast<double>((m ^ -negative) + negative);
  }

  // The wedges and the tail of the ziggurat (Marsaglia and Tsang's nfix).
  [[nodiscard]] double normal_slow(std::uint32_t i, std::uint32_t j, bool negative) noexcept {
    const ziggurat_tables& z = zig_;
    for (;;) {
      if (i == 0) {  // the tail beyond r: Marsaglia (1964)
        double x, y;
        do {
          x = -std::log(uniform()) / ziggurat_r;
          y = -std::log(uniform());
        } while (y + y < x * x);
        return negative ? -(ziggurat_r + x) : ziggurat_r + x;
      }
      const double x = static_cast<double>(j) * z.w[i];
      if (z.f[i] + uniform() * (z.f[i - 1] - z.f[i]) < std::exp(-0.5 * x * x)) return negative ? -x : x;
      const std::uint32_t u = next_u32();
      i = u & 127u;
      j = u >> 8;
      negative = (u & 128u) != 0;
      if (j < z.k[i]) return negative ? -static_cast<double>(j) * z.w[i] : static_cast<double>(j) * z.w[i];
    }
  }

  const ziggurat_tables& zig_ = ziggurat();
  philox_key key_;
  std::uint32_t hi_[2];
  std::uint64_t next_ = 0;  // the next counter's position i
  int pos_ = 4 * batch;     // read position in buf_ (empty at first)
  std::uint32_t buf_[4 * batch] = {};
};

}  // namespace keel::detail
