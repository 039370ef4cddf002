// SPDX-License-Identifier: MIT
// keel::compiled: keel/garch.hpp's maximum-likelihood fit (the SQP loop over the recursion and
// its gradient), instantiated once (detail/config.hpp, KEEL_EXTERN_TEMPLATE); callers in
// compiled mode compile the call only.
#include <keel/garch.hpp>

namespace keel::detail {

template garch_solution garch_maximise<double>(std::string_view, const garch_layout&, const double*, std::ptrdiff_t,
                                               double, int);

}  // namespace keel::detail
