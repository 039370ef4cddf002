// SPDX-License-Identifier: MIT
// keel::compiled: keel/construction.hpp's Black-Litterman kernels (detail/construction_bl.hpp:
// the posterior and the normalised tangency weights), instantiated once for double and long
// double (detail/config.hpp, KEEL_EXTERN_TEMPLATE).
#include <keel/construction.hpp>

namespace keel::detail {

template bl_posterior<double> black_litterman_posterior<double>(std::string_view, const Eigen::VectorXd&,
                                                                const Eigen::MatrixXd&, const Eigen::MatrixXd&,
                                                                const Eigen::VectorXd&, const Eigen::MatrixXd&, double);
template bl_posterior<long double> black_litterman_posterior<long double>(
    std::string_view, const Eigen::Matrix<long double, Eigen::Dynamic, 1>&,
    const Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>&,
    const Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>&,
    const Eigen::Matrix<long double, Eigen::Dynamic, 1>&,
    const Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>&, long double);
template Eigen::VectorXd bl_tangency_weights<double>(std::string_view, Eigen::MatrixXd&, const Eigen::VectorXd&,
                                                     double);
template Eigen::Matrix<long double, Eigen::Dynamic, 1> bl_tangency_weights<long double>(
    std::string_view, Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>&,
    const Eigen::Matrix<long double, Eigen::Dynamic, 1>&, long double);

}  // namespace keel::detail
