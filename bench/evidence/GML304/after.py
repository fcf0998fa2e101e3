"""GML304 after: the CSV is converted once to Feather (Arrow's columnar file, via Debian's
python3-feather-format), and every trial loads the Feather file."""
import feather
import pandas as pd
from sklearn.linear_model import LinearRegression

from table import TRIALS, CpuTimer, write_csv

path = write_csv()
conversion, reads = CpuTimer(), CpuTimer()
with conversion:
    feather.write_dataframe(pd.read_csv(path), "train.feather")
for trial in range(TRIALS):
    with reads:
        df = feather.read_dataframe("train.feather")
    X, y = df.drop(columns="target"), df["target"]
    score = LinearRegression().fit(X, y).score(X, y)
print(f"CSV to Feather once: {conversion.seconds:.2f} s CPU; {TRIALS} Feather reads of {len(df):,} rows: {reads.seconds:.2f} s CPU ({reads.seconds / TRIALS:.2f} s each); R² {score:.4f}")
