# SPDX-License-Identifier: MIT
# SciPy as the oracle of construction_test_hrp. Each argument names a condensed distance matrix
# (first line N, then the N (N - 1) / 2 distances, one per line, as %.17g); for each, the file
# <argument>.out gets, for each linkage method, "method <name>", the N - 1 rows of
# scipy.cluster.hierarchy.linkage(d, method) (%.17g), "order" and to_tree(Z).pre_order(), then
# "labels <k>" and fcluster(Z, k, 'maxclust') - 1 for k = 2 .. N - 2. One process for all the
# files: importing scipy is most of the cost.
import sys

import numpy as np
import scipy.cluster.hierarchy as sch

def oracle(path):
    with open(path) as f:
        values = [float(line) for line in f if line.strip()]
    n = int(values[0])
    d = np.array(values[1:], dtype=float)
    assert d.size == n * (n - 1) // 2
    out = []
    for method in ("single", "complete", "average", "ward"):
        z = sch.linkage(d, method)
        out.append("method " + method)
        for row in z:
            out.append(" ".join("%.17g" % v for v in row))
        out.append("order " + " ".join(str(i) for i in sch.to_tree(z).pre_order()))
        for k in range(2, n - 1):
            labels = sch.fcluster(z, k, criterion="maxclust") - 1
            out.append("labels %d " % k + " ".join(str(i) for i in labels))
    with open(path + ".out", "w") as f:
        f.write("\n".join(out) + "\n")


for argument in sys.argv[1:]:
    oracle(argument)
