#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes examples/data/dowjones30_index_1991_2000.csv (date,DJ30): the equal-weight,
# daily-rebalanced index of the 30 stocks of examples/data/dowjones30_daily_1991_2000_fBasics.csv,
# level 100 on the first date, index_t = index_{t-1} x (1 + mean of the 30 simple returns),
# printed with 6 decimals. Run once from the repository root; tests/snapshot_test.cpp recomputes it.
import csv

src = "examples/data/dowjones30_daily_1991_2000_fBasics.csv"
dst = "examples/data/dowjones30_index_1991_2000.csv"
with open(src, newline="") as f:
    rows = list(csv.reader(f))
body = rows[1:]
level = 100.0
out = [(body[0][0], level)]
for prev, cur in zip(body, body[1:]):
    total = 0.0
    for a, b in zip(prev[1:], cur[1:]):
        total += float(b) / float(a) - 1.0
    level = level * (1.0 + total / 30.0)
    out.append((cur[0], level))
with open(dst, "w", newline="") as f:
    f.write("date,DJ30\n")
    for d, v in out:
        f.write(f"{d},{v:.6f}\n")
