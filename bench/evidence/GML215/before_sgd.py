# GML215 evidence, before: SGDClassifier (hinge loss) with early_stopping off (the default): it
# stops when the *training* loss has not improved by tol for 5 epochs, or at max_iter=1000.
# Deterministic: fixed seeds, generated data.
import resource

from sklearn.datasets import make_classification
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

X, y = make_classification(n_samples=200000, n_features=50, n_informative=20, n_redundant=5,
                           flip_y=0.05, class_sep=1.0, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

clf = SGDClassifier(random_state=0)
clf.fit(X_train, y_train)

ru = resource.getrusage(resource.RUSAGE_SELF)
print(f"test_acc={clf.score(X_test, y_test):.4f} epochs={clf.n_iter_} cpu_s={ru.ru_utime + ru.ru_stime:.2f}")
