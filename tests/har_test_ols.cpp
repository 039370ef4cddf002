// SPDX-License-Identifier: MIT
// Part of har_test (tests/har_test.cpp describes the whole test): the OLS core's two solvers
// that har_fit chooses between, centred moments and pivoted QR, side by side.
#include <random>

#include <Eigen/Dense>
#include <catch2/catch.hpp>

#include <keel/har.hpp>

// The OLS core's two solvers side by side: centred moments (Cholesky) and pivoted QR agree on
// every field of the fit for a well-conditioned design, and the moments solve declines a
// near-collinear one instead of answering with too few digits.
TEST_CASE("ols_from_moments equals the pivoted-QR core, and declines an ill-conditioned design", "[har][ols]") {
  std::mt19937_64 gen(8);
  std::normal_distribution<double> z(0.0, 1.0);
  const Eigen::Index n = 300;
  for (const double collinear : {0.0, 1e-4}) {
    INFO("third regressor = first + second + " << collinear << " noise (0: independent)");
    Eigen::MatrixXd x(n, 3);
    Eigen::VectorXd y(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      x(i, 0) = 5 + z(gen);
      x(i, 1) = -2 + 3 * z(gen);
      x(i, 2) = collinear > 0 ? x(i, 0) + x(i, 1) + collinear * z(gen) : 100 + 0.1 * z(gen);
      y(i) = 1 + 0.5 * x(i, 0) - 0.25 * x(i, 1) + 2 * x(i, 2) + z(gen);
    }
    keel::detail::ols_workspace<double> ws;
    ws.resize(n, 3);
    ws.x = x;
    ws.y = y;
    keel::detail::ols_fit<double> qr;
    keel::detail::ols("test", ws, true, 0x1p-52, qr);
    Eigen::Vector4d mean;
    mean << x.colwise().mean().transpose(), y.mean();
    Eigen::MatrixXd centred(n, 4);
    centred << x, y;
    centred.rowwise() -= mean.transpose();
    const Eigen::Matrix4d cross = centred.transpose() * centred;
    keel::detail::ols_fit<double> fit;
    const bool solved = keel::detail::ols_from_moments<3>(Eigen::Vector3d(mean.head<3>()), mean(3), cross, n, fit);
    if (collinear > 0) {
      CHECK_FALSE(solved);
      continue;
    }
    REQUIRE(solved);
    const Eigen::VectorXd residuals =
        y - x * fit.coefficients.tail<3>() - Eigen::VectorXd::Constant(n, fit.coefficients(0));
    keel::detail::finish_moments_ols(fit, residuals.squaredNorm());
    CHECK((fit.coefficients - qr.coefficients).cwiseAbs().maxCoeff() < 1e-12 * qr.coefficients.cwiseAbs().maxCoeff());
    CHECK((fit.xtx_inverse - qr.xtx_inverse).cwiseAbs().maxCoeff() < 1e-12 * qr.xtx_inverse.cwiseAbs().maxCoeff());
    CHECK((fit.std_errors - qr.std_errors).cwiseQuotient(qr.std_errors).cwiseAbs().maxCoeff() < 1e-12);
    CHECK((fit.vif - qr.vif).cwiseQuotient(qr.vif).cwiseAbs().maxCoeff() < 1e-12);
    CHECK(fit.r_squared == Approx(qr.r_squared).epsilon(1e-12));
    CHECK(fit.rss == Approx(qr.rss).epsilon(1e-12));
    CHECK(fit.dof == qr.dof);
  }
}
