# GML215 evidence, before: GradientBoostingClassifier with n_iter_no_change unset (the default), so
# all 500 stages are built. Deterministic: fixed seeds, generated data.
import resource

from sklearn.datasets import make_classification
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.model_selection import train_test_split

X, y = make_classification(n_samples=4000, n_features=20, n_informative=8, n_redundant=4,
                           flip_y=0.05, class_sep=0.8, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)

clf = GradientBoostingClassifier(n_estimators=500, random_state=0)
clf.fit(X_train, y_train)

ru = resource.getrusage(resource.RUSAGE_SELF)
print(f"test_acc={clf.score(X_test, y_test):.4f} stages={clf.n_estimators_} cpu_s={ru.ru_utime + ru.ru_stime:.2f}")
