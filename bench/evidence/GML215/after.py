# GML215 evidence, after: the same MLPClassifier with early_stopping=True (the rule's fix): 10 % of the
# training data held out, training stops after 10 epochs without a better validation score.
import resource
import warnings

from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

warnings.filterwarnings("ignore", category=ConvergenceWarning)
X, y = make_classification(n_samples=8000, n_features=40, n_informative=12, n_redundant=6,
                           flip_y=0.05, class_sep=0.8, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

clf = MLPClassifier(hidden_layer_sizes=(128, 64), max_iter=300, random_state=0, early_stopping=True)
clf.fit(X_train, y_train)

ru = resource.getrusage(resource.RUSAGE_SELF)
print(f"test_acc={clf.score(X_test, y_test):.4f} epochs={clf.n_iter_} cpu_s={ru.ru_utime + ru.ru_stime:.2f}")
