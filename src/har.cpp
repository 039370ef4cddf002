// SPDX-License-Identifier: MIT
// keel::compiled: keel/har.hpp's two fitting paths (moments and pivoted QR with Newey-West
// errors), instantiated once for double and long double (detail/config.hpp,
// KEEL_EXTERN_TEMPLATE); callers in compiled mode compile the call only.
#include <keel/har.hpp>

namespace keel::detail {

template void har_fit_qr<double>(std::string_view, har_workspace<double>&, std::ptrdiff_t, const har_options&,
                                 std::ptrdiff_t, double, Eigen::Matrix<double, 4, 1>&);
template void har_fit_qr<long double>(std::string_view, har_workspace<long double>&, std::ptrdiff_t, const har_options&,
                                      std::ptrdiff_t, double, Eigen::Matrix<long double, 4, 1>&);
template bool har_fit_moments<double>(har_workspace<double>&, std::ptrdiff_t, const har_options&, std::ptrdiff_t,
                                      Eigen::Matrix<double, 4, 1>&);
template bool har_fit_moments<long double>(har_workspace<long double>&, std::ptrdiff_t, const har_options&,
                                           std::ptrdiff_t, Eigen::Matrix<long double, 4, 1>&);

}  // namespace keel::detail
