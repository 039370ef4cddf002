// SPDX-License-Identifier: MIT
// keel::compiled: the OLS core (detail/ols.hpp: pivoted QR, shared by keel/factors.hpp and
// keel/har.hpp), instantiated once for double and long double (detail/config.hpp,
// KEEL_EXTERN_TEMPLATE); callers in compiled mode compile the call only.
#include <keel/detail/ols.hpp>

namespace keel::detail {

template void ols<double>(std::string_view, ols_workspace<double>&, bool, double, ols_fit<double>&,
                          const std::vector<std::string>*);
template void ols<long double>(std::string_view, ols_workspace<long double>&, bool, double, ols_fit<long double>&,
                               const std::vector<std::string>*);

}  // namespace keel::detail
