// SPDX-License-Identifier: MIT
// keel::compiled: factor_model.hpp's kernels (the shared-QR time-series regressions, each
// date's WLS factorisation and solve, the principal components) and its partial symmetric
// eigensolver (detail/eigen_top.hpp: tridiagonalisation, inverse iteration, the full solver as
// fallback), instantiated once for double and long double (detail/config.hpp, KEEL_EXTERN_TEMPLATE); callers in
// compiled mode compile the call only; and risk_model_backtest's kernel (detail/factor_model-inl.hpp),
// defined once.
#include <keel/detail/factor_model-inl.hpp>
#include <keel/factor_model.hpp>

namespace keel::detail {

template void top_eigenpairs<double>(const Eigen::MatrixXd&, Eigen::Index, Eigen::VectorXd&, Eigen::MatrixXd&,
                                     eigen_top_workspace<double>&);
template void top_eigenpairs<long double>(const Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>&,
                                          Eigen::Index, Eigen::Matrix<long double, Eigen::Dynamic, 1>&,
                                          Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>&,
                                          eigen_top_workspace<long double>&);

#define KEEL_FACTOR_MODEL_KERNELS(Acc)                                                                                \
  template void time_series_fit<Acc>(                                                                                 \
      std::string_view, ols_workspace<Acc>&, Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>&,                     \
      Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>&, Eigen::Matrix<Acc, Eigen::Dynamic, 1>&, double);           \
  template void wls_factorise<Acc>(                                                                                   \
      std::string_view, std::string_view, Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>&,                        \
      const Eigen::Matrix<Acc, Eigen::Dynamic, 1>&, Eigen::Matrix<Acc, Eigen::Dynamic, 1>&,                           \
      Eigen::ColPivHouseholderQR<Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>>&, double);                       \
  template void wls_solve<Acc>(const Eigen::ColPivHouseholderQR<Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>>&, \
                               const Eigen::Matrix<Acc, Eigen::Dynamic, 1>&,                                          \
                               Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>&,                                   \
                               Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>&);                                  \
  template void principal_components<Acc>(                                                                            \
      std::string_view, gram_workspace<Acc>&, bool, Eigen::Index, eigen_top_workspace<Acc>&,                          \
      Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>&, Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>&,       \
      Eigen::Matrix<Acc, Eigen::Dynamic, 1>&, Eigen::Matrix<Acc, Eigen::Dynamic, 1>&,                                 \
      Eigen::Matrix<Acc, Eigen::Dynamic, 1>&, Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>&);
KEEL_FACTOR_MODEL_KERNELS(double)
KEEL_FACTOR_MODEL_KERNELS(long double)
#undef KEEL_FACTOR_MODEL_KERNELS

}  // namespace keel::detail
