# GML214 evidence, after: the same model, data and eval set with early_stopping_rounds=50 in the
# constructor (the rule's fix). XGBoost stops 50 rounds after the best validation logloss and
# predicts with the best iteration.
import resource

import xgboost as xgb
from sklearn.datasets import make_classification
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import train_test_split

X, y = make_classification(n_samples=10000, n_features=30, n_informative=10, n_redundant=5,
                           flip_y=0.05, class_sep=0.7, random_state=0)
# 60 % train, 20 % validation (eval_set), 20 % test (scored once, at the end).
X_train, X_rest, y_train, y_rest = train_test_split(X, y, test_size=0.4, stratify=y, random_state=0)
X_val, X_test, y_val, y_test = train_test_split(X_rest, y_rest, test_size=0.5, stratify=y_rest, random_state=0)

model = xgb.XGBClassifier(n_estimators=1000, learning_rate=0.1, max_depth=6, subsample=0.8,
                          colsample_bytree=0.8, eval_metric="logloss", n_jobs=1, random_state=0,
                          early_stopping_rounds=50)
model.fit(X_train, y_train, eval_set=[(X_val, y_val)], verbose=False)

proba = model.predict_proba(X_test)[:, 1]
ru = resource.getrusage(resource.RUSAGE_SELF)
print(f"test_acc={accuracy_score(y_test, proba > 0.5):.4f} test_logloss={log_loss(y_test, proba):.4f} "
      f"trees={model.get_booster().num_boosted_rounds()} best_iteration={model.best_iteration} cpu_s={ru.ru_utime + ru.ru_stime:.2f}")
