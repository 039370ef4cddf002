# SPDX-License-Identifier: MIT
# garch_test's independent oracle: R's fGarch (Debian r-cran-fgarch, test-only).
# Usage: Rscript garch_oracle.R DIR
#   writes DIR/dem2gbp.txt, the Bollerslev-Ghysels (1996) Deutschmark/pound daily returns that
#   ship with fGarch (1974 values, one per line), and DIR/fgarch.txt, one line per fit:
#   "name llh mu omega alpha beta [shape]" with llh fGarch's log-likelihood (its printed
#   value negated), for GARCH(1,1) with normal innovations and the sample initial variance
#   (fGarch's init.rec = "mci"), with and without a mean, on dem2gbp and on DIR/sim.txt when
#   that file exists (Student t innovations as well).
suppressMessages(library(fGarch))
dir <- commandArgs(trailingOnly = TRUE)[1]
data(dem2gbp)
x <- dem2gbp[, 1]
write.table(format(x, digits = 17), file.path(dir, "dem2gbp.txt"), row.names = FALSE, col.names = FALSE,
            quote = FALSE)
out <- file(file.path(dir, "fgarch.txt"), "w")
fit <- function(name, y, ...) {
  f <- garchFit(~garch(1, 1), data = y, trace = FALSE, ...)
  cf <- coef(f)
  writeLines(paste(name, format(-f@fit$llh, digits = 17), paste(format(cf, digits = 17), collapse = " ")), out)
}
fit("dem2gbp_mean", x)
fit("dem2gbp_zero", x, include.mean = FALSE)
sim <- file.path(dir, "sim.txt")
if (file.exists(sim)) {
  y <- scan(sim, quiet = TRUE)
  fit("sim_mean", y)
  fit("sim_t", y, cond.dist = "std")
}
close(out)
