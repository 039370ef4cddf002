#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes examples/data/dj30_options.csv: an illustrative chain of European options on the DJ30
# proxy index (examples/data/dowjones30_index_1991_2000.csv), quoted on its last date at its
# last level. Not market data: every price is the Black-Scholes-Merton value at the stated
# inputs below, and the bid and ask are that value less and plus 1%, rounded to cents (the bid
# down, the ask up). keel-report --options reads it (the default with the bundled prices).
# Run once from the repository root; examples/data/README.md documents the file.
import csv
import datetime
import math

VOLATILITY = 0.20      # the stated volatility every price is computed from
RATE = 0.06            # continuously compounded, per year
DIVIDEND_YIELD = 0.015  # continuous, per year
MULTIPLIER = 100        # index units per contract
HALF_SPREAD = 0.01      # bid and ask 1% either side of the model price
EXPIRATIONS = ["2001-02-16", "2001-03-16", "2001-04-20", "2001-06-15"]  # third Fridays
STRIKES = range(660, 1001, 20)

with open("examples/data/dowjones30_index_1991_2000.csv", newline="") as f:
    last = list(csv.reader(f))[-1]
quote_date, spot = last[0], float(last[1])


def normal_cdf(x):
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def bsm(kind, s, k, t):
    d1 = (math.log(s / k) + (RATE - DIVIDEND_YIELD + 0.5 * VOLATILITY**2) * t) / (VOLATILITY * math.sqrt(t))
    d2 = d1 - VOLATILITY * math.sqrt(t)
    if kind == "call":
        return s * math.exp(-DIVIDEND_YIELD * t) * normal_cdf(d1) - k * math.exp(-RATE * t) * normal_cdf(d2)
    return k * math.exp(-RATE * t) * normal_cdf(-d2) - s * math.exp(-DIVIDEND_YIELD * t) * normal_cdf(-d1)


day0 = datetime.date.fromisoformat(quote_date)
with open("examples/data/dj30_options.csv", "w", newline="") as f:
    f.write("underlying,quote_date,underlying_price,expiration,type,strike,bid,ask,rate,dividend_yield,multiplier\n")
    for expiration in EXPIRATIONS:
        t = (datetime.date.fromisoformat(expiration) - day0).days / 365.0  # ACT/365
        for kind in ("call", "put"):
            for k in STRIKES:
                price = bsm(kind, spot, float(k), t)
                bid = math.floor(100 * price * (1 - HALF_SPREAD)) / 100
                ask = math.ceil(100 * price * (1 + HALF_SPREAD)) / 100
                f.write(f"DJ30,{quote_date},{last[1]},{expiration},{kind},{k},{bid:.2f},{ask:.2f},"
                        f"{RATE},{DIVIDEND_YIELD},{MULTIPLIER}\n")
