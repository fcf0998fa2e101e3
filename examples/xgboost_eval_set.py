"""Gradient-boosted trees with an evaluation set but no early stopping.

Green ML flags the fit call (GML214): XGBoost computes the validation metric every round but
never stops, so all 2000 rounds are trained. The fix sets early_stopping_rounds on the
constructor, the form current XGBoost accepts.
"""
import xgboost as xgb
from sklearn.datasets import make_regression
from sklearn.model_selection import train_test_split

X, y = make_regression(n_samples=10000, n_features=30, noise=0.5, random_state=0)
X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.2, random_state=0)

model = xgb.XGBRegressor(n_estimators=2000, learning_rate=0.05, max_depth=6)
model.fit(X_train, y_train, eval_set=[(X_val, y_val)], verbose=100)
print("validation RMSE:", model.evals_result()["validation_0"]["rmse"][-1])
