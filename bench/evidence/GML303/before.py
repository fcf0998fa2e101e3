"""GML303 before: TF-IDF features made dense with .toarray() before LogisticRegression."""
import time

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from textdata import make_corpus

docs, labels = make_corpus()
start = time.process_time()
X = TfidfVectorizer().fit_transform(docs).toarray()
X_train, X_test, y_train, y_test = train_test_split(X, labels, random_state=0)
clf = LogisticRegression(max_iter=300).fit(X_train, y_train)
accuracy = clf.score(X_test, y_test)
print(f"dense {X.shape[0]}x{X.shape[1]} ({X.nbytes / 2**20:.0f} MiB): accuracy {accuracy:.3f}, fit+score {time.process_time() - start:.1f} s CPU")
