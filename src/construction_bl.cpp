// SPDX-License-Identifier: MIT
// keel::compiled: keel/construction.hpp's Black-Litterman kernels (detail/construction_bl.hpp:
// the posterior and the normalised tangency weights) for double; the long double ones are in
// src/construction_bl_long_double.cpp, apart so that neither translation unit peaks above 1 GB (together: 1.3 GB).
// See detail/config.hpp, KEEL_EXTERN_TEMPLATE.
#include <keel/construction.hpp>

namespace keel::detail {

template bl_posterior<double> black_litterman_posterior<double>(std::string_view, const Eigen::VectorXd&,
                                                                const Eigen::MatrixXd&, const Eigen::MatrixXd&,
                                                                const Eigen::VectorXd&, const Eigen::MatrixXd&, double);
template Eigen::VectorXd bl_tangency_weights<double>(std::string_view, Eigen::MatrixXd&, const Eigen::VectorXd&,
                                                     double);

}  // namespace keel::detail
