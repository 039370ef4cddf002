# SPDX-License-Identifier: MIT
# SciPy as the oracle of construction_test_hrp. Each argument names a condensed distance matrix
# (first line N, then the N (N - 1) / 2 distances, one per line, as %.17g); for each, the file
# <argument>.out gets, for each linkage method, "method <name>", the N - 1 rows of
# scipy.cluster.hierarchy.linkage(d, method) (%.17g), "order" and to_tree(Z).pre_order(), then
# "labels <k>" and fcluster(Z, k, 'maxclust') - 1 for k = 2 .. N - 2, and (N >= 3) "gap <k>"
# and the gaps of k = 2 .. K - 1,
# the cluster count of skfolio's compute_optimal_n_clusters (the two-order difference of the
# within-cluster dispersions over cut_tree's levels), restated here. With --olo first, each
# .out gets instead, per method, "method <name>", "olo" and the N - 1 rows of
# optimal_leaf_ordering(linkage(d, method), d) on one line (a, b, distance, count each), and
# "order" and its leaves_list. One process for all the files: importing scipy is most of the
# cost.
import sys

import numpy as np
import scipy.cluster.hierarchy as sch
import scipy.spatial.distance as scd


def gap_count(distance, z):
    cut = sch.cut_tree(z)
    n = cut.shape[1]
    max_clusters = min(n, max(8, round(np.sqrt(n))))
    dispersion = []
    for k in range(max_clusters):
        level = cut[:, n - k - 1]
        density = []
        for i in range(np.max(level) + 1):
            idx = np.argwhere(level == i).flatten()
            dists = scd.squareform(distance[idx, :][:, idx], checks=False)
            if dists.shape[0] != 0:
                density.append(np.nan_to_num(dists.mean()))
        dispersion.append(np.sum(density))
    dispersion = np.array(dispersion)
    gaps = np.roll(dispersion, -2) + dispersion - 2 * np.roll(dispersion, -1)
    gaps = gaps[:-2]
    return int(np.argmax(gaps) + 2), gaps

def olo_oracle(path):
    with open(path) as f:
        values = [float(line) for line in f if line.strip()]
    n = int(values[0])
    d = np.array(values[1:], dtype=float)
    assert d.size == n * (n - 1) // 2
    out = []
    for method in ("single", "complete", "average", "ward"):
        z = sch.optimal_leaf_ordering(sch.linkage(d, method), d)
        out.append("method " + method)
        out.append("olo " + " ".join("%.17g" % v for v in z.flatten()))
        out.append("order " + " ".join(str(i) for i in sch.leaves_list(z)))
    with open(path + ".out", "w") as f:
        f.write("\n".join(out) + "\n")


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
        if n >= 3:
            k, gaps = gap_count(scd.squareform(d), z)
            out.append("gap %d " % k + " ".join("%.17g" % g for g in gaps))
    with open(path + ".out", "w") as f:
        f.write("\n".join(out) + "\n")


arguments = sys.argv[1:]
run = oracle
if arguments and arguments[0] == "--olo":
    run = olo_oracle
    arguments = arguments[1:]
for argument in arguments:
    run(argument)
