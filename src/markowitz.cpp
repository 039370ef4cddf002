// SPDX-License-Identifier: MIT
// keel::compiled: keel/markowitz.hpp's frontier paths (the two-fund closed form and the traced
// parametric QP of detail/frontier_path.hpp) and its positive semi-definiteness check,
// instantiated once for double and long double (detail/config.hpp, KEEL_EXTERN_TEMPLATE).
#include <keel/markowitz.hpp>

namespace keel::detail {

template void require_psd<double>(std::string_view, const Eigen::MatrixXd&);
template void require_psd<long double>(std::string_view,
                                       const Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>&);
template frontier_path<double> closed_form_path<double>(std::string_view, const markowitz_model<double>&);
template frontier_path<long double> closed_form_path<long double>(std::string_view,
                                                                  const markowitz_model<long double>&);
template frontier_path<double> trace_frontier<double>(std::string_view, const qp_problem<double>&, double);
template frontier_path<long double> trace_frontier<long double>(std::string_view, const qp_problem<long double>&,
                                                                long double);

}  // namespace keel::detail
