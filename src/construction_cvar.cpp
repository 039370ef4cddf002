// SPDX-License-Identifier: MIT
// keel::compiled: the simplex method of detail/lp.hpp and keel/construction.hpp's CVaR solves
// (detail/cvar.hpp) and CDaR solves (detail/cdar.hpp), instantiated once for double and long double (detail/config.hpp,
// KEEL_EXTERN_TEMPLATE).
#include <keel/construction.hpp>

namespace keel::detail {

template class lp_simplex<double>;
template class lp_simplex<long double>;
template cvar_solution<double> solve_min_cvar<double>(std::string_view, const cvar_model<double>&);
template cvar_solution<long double> solve_min_cvar<long double>(std::string_view, const cvar_model<long double>&);
template cvar_solution<double> solve_cvar_at_return<double>(std::string_view, const cvar_model<double>&,
                                                            const Eigen::VectorXd&, double);
template cvar_solution<long double> solve_cvar_at_return<long double>(
    std::string_view, const cvar_model<long double>&, const Eigen::Matrix<long double, Eigen::Dynamic, 1>&,
    long double);
template cvar_solution<double> solve_cvar_at_risk<double>(std::string_view, const cvar_model<double>&,
                                                          const Eigen::VectorXd&, double, double);
template cvar_solution<long double> solve_cvar_at_risk<long double>(
    std::string_view, const cvar_model<long double>&, const Eigen::Matrix<long double, Eigen::Dynamic, 1>&, long double,
    long double);
template cdar_solution<double> solve_min_cdar<double>(std::string_view, const cvar_model<double>&,
                                                      const Eigen::VectorXd*, double);
template cdar_solution<long double> solve_min_cdar<long double>(std::string_view, const cvar_model<long double>&,
                                                                const Eigen::Matrix<long double, Eigen::Dynamic, 1>*,
                                                                long double);
template cdar_solution<double> solve_cdar_at_risk<double>(std::string_view, const cvar_model<double>&,
                                                          const Eigen::VectorXd&, double, double);
template cdar_solution<long double> solve_cdar_at_risk<long double>(
    std::string_view, const cvar_model<long double>&, const Eigen::Matrix<long double, Eigen::Dynamic, 1>&, long double,
    long double);

}  // namespace keel::detail
