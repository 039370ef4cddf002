// SPDX-License-Identifier: MIT
// keel::compiled: keel/construction.hpp's risk-budgeting solvers (detail/risk_budgeting.hpp):
// coordinate descent and Newton on Spinu's problem, the interior starting point and the
// active-set Newton method of the constrained problem, instantiated once for double
// (detail/config.hpp, KEEL_EXTERN_TEMPLATE).
#include <keel/construction.hpp>

namespace keel::detail {

template void solve_risk_budgeting_into<double>(std::string_view, const Eigen::MatrixXd&,
                                                const Eigen::Matrix<double, Eigen::Dynamic, 1>&,
                                                budgeting_scratch<double>&);
template Eigen::Matrix<double, Eigen::Dynamic, 1> solve_constrained_risk_budgeting<double>(
    std::string_view, const Eigen::MatrixXd&, const Eigen::Matrix<double, Eigen::Dynamic, 1>&,
    const budgeting_rows<double>&, Eigen::Matrix<double, Eigen::Dynamic, 1>);
template Eigen::Matrix<double, Eigen::Dynamic, 1> interior_point<double>(
    std::string_view, const markowitz_model<double>&, const Eigen::MatrixXd&, const budgeting_rows<double>&,
    const std::vector<Eigen::Index>&, const Eigen::Matrix<double, Eigen::Dynamic, 1>&,
    const Eigen::Matrix<double, Eigen::Dynamic, 1>&);

}  // namespace keel::detail
