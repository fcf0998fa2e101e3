"""An already-efficient hyperparameter search: successive halving instead of an exhaustive grid,
and a gradient-boosting model that stops early. Green ML reports nothing here.
"""
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import HalvingGridSearchCV

X, y = make_classification(n_samples=5000, n_features=20, random_state=0)

search = HalvingGridSearchCV(
    HistGradientBoostingClassifier(early_stopping=True, random_state=0),
    {"learning_rate": [0.03, 0.1, 0.3], "max_leaf_nodes": [15, 31, 63]},
    cv=5,
    factor=3,
)
search.fit(X, y)
print("best params:", search.best_params_)
