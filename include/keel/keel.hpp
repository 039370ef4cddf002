// SPDX-License-Identifier: MIT
// keel/keel.hpp: every public keel header (an include list only, as Eigen/Dense).
/// \file
/// Every public keel header (an include list).
#pragma once

#include <keel/attribution.hpp>
#include <keel/backtest.hpp>
#include <keel/beta.hpp>
#include <keel/concentration.hpp>
#include <keel/construction.hpp>
#include <keel/costs.hpp>
#include <keel/covariance.hpp>
#include <keel/csv.hpp>
#include <keel/error.hpp>
#include <keel/expected_returns.hpp>
#include <keel/factor_model.hpp>
#include <keel/factors.hpp>
#include <keel/frontier.hpp>
#include <keel/garch.hpp>
#include <keel/har.hpp>
#include <keel/hedge.hpp>
#include <keel/markowitz.hpp>
#include <keel/online.hpp>
#include <keel/options.hpp>
#include <keel/performance.hpp>
#include <keel/rebalance.hpp>
#include <keel/regime.hpp>
#include <keel/series.hpp>
#include <keel/snapshot.hpp>
#include <keel/stress.hpp>
#include <keel/var.hpp>
#include <keel/version.hpp>
#include <keel/volatility.hpp>
