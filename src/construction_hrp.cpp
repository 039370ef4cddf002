// SPDX-License-Identifier: MIT
// keel::compiled: keel/construction.hpp's hierarchical kernels (detail/cluster.hpp): the SciPy-
// compatible linkage and optimal leaf ordering for double and long double, HRP's recursive
// bisection, HERC's top-down split and the gap-statistic cluster count for double
// (KEEL_EXTERN_TEMPLATE).
#include <keel/construction.hpp>

namespace keel::detail {

template linkage_matrix<double> hierarchical_linkage<double>(const std::vector<double>&, std::ptrdiff_t, merge_rule);
template linkage_matrix<long double> hierarchical_linkage<long double>(const std::vector<long double>&, std::ptrdiff_t,
                                                                       merge_rule);
template linkage_matrix<double> optimal_leaf_ordering<double>(const linkage_matrix<double>&,
                                                              const std::vector<double>&);
template linkage_matrix<long double> optimal_leaf_ordering<long double>(const linkage_matrix<long double>&,
                                                                        const std::vector<long double>&);
template void hrp_bisection<double>(const cluster_risk<double>&, const std::vector<std::ptrdiff_t>&,
                                    const Eigen::VectorXd&, const Eigen::VectorXd&, Eigen::VectorXd&);
template void herc_weights<double>(const cluster_risk<double>&, const linkage_matrix<double>&,
                                   const std::vector<std::ptrdiff_t>&, Eigen::VectorXd&);
template std::ptrdiff_t gap_cluster_count<double>(const linkage_matrix<double>&, const std::vector<double>&,
                                                  const std::vector<std::ptrdiff_t>&);

}  // namespace keel::detail
