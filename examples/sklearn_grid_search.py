"""Hyperparameter search for a random forest with an exhaustive grid.

Green ML flags GridSearchCV (GML201): 4 x 3 x 3 candidates x 5 folds = 180 fits, most of them on
candidates that are clearly worse after a fraction of the data. The quick fix switches to
HalvingGridSearchCV (successive halving).
"""
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import GridSearchCV, train_test_split

X, y = make_classification(n_samples=2000, n_features=20, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

param_grid = {
    "n_estimators": [50, 100, 200, 400],
    "max_depth": [None, 8, 16],
    "min_samples_leaf": [1, 2, 4],
}
search = GridSearchCV(RandomForestClassifier(random_state=0), param_grid, cv=5, n_jobs=-1)
search.fit(X_train, y_train)
print("best params:", search.best_params_)
print("test accuracy:", search.score(X_test, y_test))
