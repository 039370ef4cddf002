// SPDX-License-Identifier: MIT
// keel::compiled: factor_model.hpp's partial symmetric eigensolver (detail/eigen_top.hpp:
// tridiagonalisation, inverse iteration, the full solver as fallback), instantiated once for
// double and long double (detail/config.hpp, KEEL_EXTERN_TEMPLATE); callers in compiled mode
// compile the call only.
#include <keel/factor_model.hpp>

namespace keel::detail {

template void top_eigenpairs<double>(const Eigen::MatrixXd&, Eigen::Index, Eigen::VectorXd&, Eigen::MatrixXd&,
                                     eigen_top_workspace<double>&);
template void top_eigenpairs<long double>(const Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>&,
                                          Eigen::Index, Eigen::Matrix<long double, Eigen::Dynamic, 1>&,
                                          Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>&,
                                          eigen_top_workspace<long double>&);

}  // namespace keel::detail
