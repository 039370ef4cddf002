// SPDX-License-Identifier: MIT
// keel::compiled: keel/construction.hpp's Black-Litterman kernels (detail/construction_bl.hpp:
// the posterior and the normalised tangency weights) for long double; the double ones are in
// src/construction_bl.cpp, apart so that neither translation unit peaks above 1 GB (together: 1.3 GB).
// See detail/config.hpp, KEEL_EXTERN_TEMPLATE.
#include <keel/construction.hpp>

namespace keel::detail {

template bl_posterior<long double> black_litterman_posterior<long double>(
    std::string_view, const Eigen::Matrix<long double, Eigen::Dynamic, 1>&,
    const Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>&,
    const Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>&,
    const Eigen::Matrix<long double, Eigen::Dynamic, 1>&,
    const Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>&, long double);
template Eigen::Matrix<long double, Eigen::Dynamic, 1> bl_tangency_weights<long double>(
    std::string_view, Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>&,
    const Eigen::Matrix<long double, Eigen::Dynamic, 1>&, long double);

}  // namespace keel::detail
