// SPDX-License-Identifier: MIT
// keel::compiled: the active-set QP of keel/markowitz.hpp, keel/frontier.hpp and keel/hedge.hpp
// (detail/qp.hpp), instantiated once for double and long double (detail/config.hpp,
// KEEL_EXTERN_TEMPLATE); callers in compiled mode compile the call only.
#include <keel/detail/qp.hpp>

namespace keel::detail {

template qp_solution<double> solve_qp<double>(std::string_view, const qp_problem<double>&);
template qp_solution<long double> solve_qp<long double>(std::string_view, const qp_problem<long double>&);
template qp_path_end<double> trace_qp_path<double>(std::string_view, const qp_problem<double>&, double,
                                                   const std::function<bool(const qp_segment<double>&)>&);
template qp_path_end<long double> trace_qp_path<long double>(
    std::string_view, const qp_problem<long double>&, long double,
    const std::function<bool(const qp_segment<long double>&)>&);

}  // namespace keel::detail
