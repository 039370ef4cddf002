// SPDX-License-Identifier: MIT
// keel::compiled: keel/garch.hpp's maximum-likelihood fits (GARCH's and DCC's SQP loops over
// their recursions and gradients), instantiated once (detail/config.hpp, KEEL_EXTERN_TEMPLATE); callers in
// compiled mode compile the call only.
#include <keel/garch.hpp>

namespace keel::detail {

template garch_solution garch_maximise<double>(std::string_view, const garch_layout&, const double*, std::ptrdiff_t,
                                               double, int);
template garch_solution dcc_maximise<double>(std::string_view, const Eigen::MatrixXd&, const Eigen::MatrixXd&, bool,
                                             double, int, int);

}  // namespace keel::detail
