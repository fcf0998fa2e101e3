"""GML303 after: TF-IDF features kept sparse for LogisticRegression."""
import time

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from textdata import make_corpus

docs, labels = make_corpus()
start = time.process_time()
X = TfidfVectorizer().fit_transform(docs)
X_train, X_test, y_train, y_test = train_test_split(X, labels, random_state=0)
clf = LogisticRegression(max_iter=300).fit(X_train, y_train)
accuracy = clf.score(X_test, y_test)
print(f"sparse {X.shape[0]}x{X.shape[1]} ({(X.data.nbytes + X.indices.nbytes + X.indptr.nbytes) / 2**20:.1f} MiB, {X.nnz / (X.shape[0] * X.shape[1]):.2%} non-zero): accuracy {accuracy:.3f}, fit+score {time.process_time() - start:.1f} s CPU")
