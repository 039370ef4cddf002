// SPDX-License-Identifier: MIT
// keel::compiled: keel/covariance.hpp's eigenvalue steps (the PSD check and the nearest
// correlation repair of detail/gram.hpp) and its Ledoit-Wolf shrinkage intensities
// (detail/shrinkage.hpp), instantiated once for double and long double (detail/config.hpp,
// KEEL_EXTERN_TEMPLATE).
#include <keel/covariance.hpp>

namespace keel::detail {

template psd_check<double> check_psd<double>(const gram_workspace<double>::matrix&, gram_workspace<double>&);
template psd_check<long double> check_psd<long double>(const gram_workspace<long double>::matrix&,
                                                       gram_workspace<long double>&);
template void repair_nearest_correlation<double>(gram_workspace<double>::matrix&, gram_workspace<double>&);
template void repair_nearest_correlation<long double>(gram_workspace<long double>::matrix&,
                                                      gram_workspace<long double>&);
template double shrink_scaled_identity<double>(gram_workspace<double>&);
template long double shrink_scaled_identity<long double>(gram_workspace<long double>&);
template double shrink_single_factor<double>(gram_workspace<double>&);
template long double shrink_single_factor<long double>(gram_workspace<long double>&);
template double shrink_constant_correlation<double>(gram_workspace<double>&);
template long double shrink_constant_correlation<long double>(gram_workspace<long double>&);

}  // namespace keel::detail
