"""GML304 before: every trial parses the training CSV again (as an Optuna objective or a fold loop that reads its data would)."""
import pandas as pd
from sklearn.linear_model import LinearRegression

from table import TRIALS, CpuTimer, write_csv

path = write_csv()
reads = CpuTimer()
for trial in range(TRIALS):
    with reads:
        df = pd.read_csv(path)
    X, y = df.drop(columns="target"), df["target"]
    score = LinearRegression().fit(X, y).score(X, y)
print(f"{TRIALS} CSV reads of {len(df):,} rows: {reads.seconds:.2f} s CPU ({reads.seconds / TRIALS:.2f} s each); R² {score:.4f}")
