"""The GML304 workloads' training table: 1,000,000 rows × 12 columns (10 float features, an integer
category, the target), generated the same on every run and written as CSV, as data usually arrives.
"""
import time

import numpy as np
import pandas as pd

ROWS = 1_000_000
TRIALS = 10


def write_csv(path="train.csv", rows=ROWS, seed=0):
    rng = np.random.RandomState(seed)
    features = rng.standard_normal((rows, 10)).round(6)
    table = pd.DataFrame(features, columns=[f"f{i}" for i in range(10)])
    table["store"] = rng.randint(0, 50, size=rows)
    table["target"] = (features @ rng.standard_normal(10) + 0.1 * rng.standard_normal(rows)).round(6)
    table.to_csv(path, index=False)
    return path


class CpuTimer:
    """CPU seconds spent in the reads, for the script's own report."""

    def __init__(self):
        self.seconds = 0.0

    def __enter__(self):
        self.start = time.process_time()

    def __exit__(self, *exc):
        self.seconds += time.process_time() - self.start
