// SPDX-License-Identifier: MIT
// keel::compiled: factors.hpp's condition number (an SVD of the small R factor), instantiated
// once for double and long double (detail/config.hpp, KEEL_EXTERN_TEMPLATE); callers in
// compiled mode compile the call only.
#include <keel/factors.hpp>

namespace keel::detail {

template double design_condition_number<double>(factor_scratch<double>&, bool);
template long double design_condition_number<long double>(factor_scratch<long double>&, bool);

}  // namespace keel::detail
