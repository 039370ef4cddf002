# SPDX-License-Identifier: MIT
# numpy as the oracle of factor_model_test. Each argument names an input file whose first line
# is a mode:
#   "eigh T N" then T rows of N returns: writes <argument>.out with the eigenvalues of
#     numpy.cov(x, rowvar=False) (ddof 1) in descending order on the first line, then the
#     eigenvectors (numpy.linalg.eigh), one row of N per component in the same order, each
#     negated if needed so that its entry of largest magnitude (the first on ties) is positive
#     (scikit-learn's svd_flip rule, which keel documents).
#   "wls N K" then N rows "x_1 .. x_K r w": writes the K coefficients of
#     numpy.linalg.lstsq(sqrt(w) X, sqrt(w) r).
# Values are written as %.17g. One process for all the files: importing numpy is most of the cost.
import sys

import numpy as np


def eigh(lines, t, n):
    x = np.array([[float(v) for v in line.split()] for line in lines[:t]])
    assert x.shape == (t, n)
    values, vectors = np.linalg.eigh(np.cov(x, rowvar=False, ddof=1))
    order = np.argsort(values)[::-1]
    out = [" ".join("%.17g" % v for v in values[order])]
    for c in order:
        v = vectors[:, c]
        if v[np.argmax(np.abs(v))] < 0:
            v = -v
        out.append(" ".join("%.17g" % e for e in v))
    return out


def wls(lines, n, k):
    rows = np.array([[float(v) for v in line.split()] for line in lines[:n]])
    assert rows.shape == (n, k + 2)
    x, r, w = rows[:, :k], rows[:, k], rows[:, k + 1]
    s = np.sqrt(w)
    coef, *_ = np.linalg.lstsq(s[:, None] * x, s * r, rcond=None)
    return [" ".join("%.17g" % v for v in coef)]


for path in sys.argv[1:]:
    with open(path) as f:
        lines = [line for line in f.read().splitlines() if line.strip()]
    mode, a, b = lines[0].split()
    body = eigh(lines[1:], int(a), int(b)) if mode == "eigh" else wls(lines[1:], int(a), int(b))
    with open(path + ".out", "w") as f:
        f.write("\n".join(body) + "\n")
