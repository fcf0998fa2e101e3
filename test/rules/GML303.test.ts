import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { effectiveConfig } from '../../server/src/config/settings';
import { analyzeNotebook, fixNotebook } from '../../server/src/notebooks/cells';
import { parseIpynb } from '../../server/src/notebooks/ipynb';
import { useParser } from '../helpers/analysis';
import { expectFindings, expectFix, expectNone } from '../helpers/markers';

useParser();

const NOTEBOOKS = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'notebooks');

describe('GML303 dense-sparse-conversion', () => {
  it('flags TF-IDF features made dense before a split and LogisticRegression (a warning)', () => {
    const [finding] = expectFindings(`
      from sklearn.feature_extraction.text import TfidfVectorizer
      from sklearn.linear_model import LogisticRegression
      from sklearn.model_selection import train_test_split

      X = TfidfVectorizer(min_df=2).fit_transform(news.data).toarray()
      #   ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML303: sparse TfidfVectorizer output before it is fed to LogisticRegression
      X_train, X_test, y_train, y_test = train_test_split(X, news.target, random_state=0)
      clf = LogisticRegression(max_iter=1000).fit(X_train, y_train)
      print(clf.score(X_test, y_test), X_train.shape)
    `);
    assert.equal(finding.severity, 'warning');
  });

  it('flags counts re-bound to their dense copy (X = X.toarray()) before MultinomialNB', () => {
    expectFindings(`
      from sklearn.feature_extraction.text import CountVectorizer
      from sklearn.naive_bayes import MultinomialNB

      count_vect = CountVectorizer()
      X_train_counts = count_vect.fit_transform(twenty_train.data)
      X_train_counts = X_train_counts.toarray()
      #                ^^^^^^^^^^^^^^^^^^^^^^^^ GML303: MultinomialNB
      clf = MultinomialNB().fit(X_train_counts, twenty_train.target)
      predicted = clf.predict(count_vect.transform(docs_new))
    `);
  });

  it('flags one-hot codes made dense for cross-validation, as information', () => {
    const [finding] = expectFindings(`
      from sklearn.linear_model import LogisticRegression
      from sklearn.model_selection import cross_val_score
      from sklearn.preprocessing import OneHotEncoder

      encoder = OneHotEncoder(handle_unknown="ignore")
      X_cat = encoder.fit_transform(df[["city", "brand", "model"]])
      scores = cross_val_score(LogisticRegression(), X_cat.toarray(), y, cv=5)
      #                                              ^^^^^^^^^^^^^^^ GML303: depends on how sparse
    `);
    assert.equal(finding.severity, 'information');
  });

  it('flags np.asarray(M.todense()) of a scipy.sparse matrix (through an alias) fed to XGBoost and LightGBM', () => {
    expectFindings(`
      import numpy as np
      import scipy.sparse as sp
      import xgboost as xgb
      from lightgbm import LGBMClassifier

      M = sp.csr_matrix((values, (rows, cols)), shape=(n_users, n_items))
      dtrain = xgb.DMatrix(np.asarray(M.todense()), label=y)
      #                    ^^^^^^^^^^^^^^^^^^^^^^^ GML303: np.asarray(….todense())
      booster = xgb.train(params, dtrain, num_boost_round=50)
      LGBMClassifier(n_estimators=50).fit(M.toarray(), y)
      #                                   ^^^^^^^^^^^ GML303: LGBMClassifier
    `);
  });

  it('flags the X of load_svmlight_file made dense for a search around LinearSVC', () => {
    expectFindings(`
      from sklearn.datasets import load_svmlight_file
      from sklearn.model_selection import GridSearchCV
      from sklearn.svm import LinearSVC

      X, y = load_svmlight_file("a9a.txt")
      search = GridSearchCV(LinearSVC(), {"C": [0.1, 1, 10]}, cv=3)
      search.fit(X.toarray(), y)
      #          ^^^^^^^^^^^ GML303: LinearSVC
    `);
  });

  it('follows from … import … as … aliases of the vectorizer and the model', () => {
    expectFindings(`
      from sklearn.feature_extraction.text import HashingVectorizer as Hasher
      from sklearn.linear_model import SGDClassifier as SGD

      hasher = Hasher(n_features=2**20, alternate_sign=False)
      clf = SGD(loss="log_loss")
      for batch_docs, batch_labels in stream:
          clf.partial_fit(hasher.transform(batch_docs).toarray(), batch_labels, classes=all_classes)
      #                   ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ GML303: sparse HashingVectorizer output before it is fed to SGDClassifier
    `);
  });

  it('leaves sparse features fed as they are alone', () => {
    expectNone('GML303', `
      from sklearn.feature_extraction.text import TfidfVectorizer
      from sklearn.linear_model import SGDClassifier
      X = TfidfVectorizer().fit_transform(docs)
      SGDClassifier().fit(X, y)
    `);
  });

  it('leaves a dense copy fed to an estimator that needs dense input alone (GaussianNB, HistGradientBoosting)', () => {
    expectNone('GML303', `
      from sklearn.ensemble import HistGradientBoostingClassifier
      from sklearn.feature_extraction.text import CountVectorizer
      from sklearn.naive_bayes import GaussianNB
      counts = CountVectorizer(max_features=500).fit_transform(docs)
      GaussianNB().fit(counts.toarray(), y)
      HistGradientBoostingClassifier().fit(counts.toarray(), y)
    `);
  });

  it('leaves a dense copy that is also used in a way that may need it dense alone', () => {
    expectNone('GML303', `
      import torch
      from sklearn.feature_extraction.text import TfidfVectorizer
      from sklearn.linear_model import LogisticRegression
      X = TfidfVectorizer().fit_transform(docs).toarray()
      LogisticRegression().fit(X, y)
      features = torch.tensor(X, dtype=torch.float32)
    `);
    expectNone('GML303', `
      from sklearn.feature_extraction.text import TfidfVectorizer
      from sklearn.linear_model import LogisticRegression
      X = TfidfVectorizer().fit_transform(docs).toarray()
      X_scaled = X / X.max()
      LogisticRegression().fit(X, y)
    `);
  });

  it('leaves a dense copy that feeds no model alone (displayed only)', () => {
    expectNone('GML303', `
      from sklearn.preprocessing import OneHotEncoder
      cat_encoder = OneHotEncoder()
      housing_cat_1hot = cat_encoder.fit_transform(housing_cat)
      housing_cat_1hot.toarray()
    `);
  });

  it('leaves matrices whose sparseness cannot be read alone: a non-literal sparse_output, features from elsewhere', () => {
    expectNone('GML303', `
      from sklearn.linear_model import LogisticRegression
      from sklearn.preprocessing import OneHotEncoder
      encoder = OneHotEncoder(sparse_output=args.sparse)
      X = encoder.fit_transform(df)
      LogisticRegression().fit(X.toarray(), y)
      features = featurize(docs)
      LogisticRegression().fit(features.toarray(), y)
    `);
  });

  it('leaves a model that is not known to take sparse input alone (a parameter, a pipeline)', () => {
    expectNone('GML303', `
      from sklearn.feature_extraction.text import TfidfVectorizer
      from sklearn.linear_model import LogisticRegression
      from sklearn.pipeline import make_pipeline
      from sklearn.preprocessing import StandardScaler

      def train(model, docs, y):
          X = TfidfVectorizer().fit_transform(docs)
          model.fit(X.toarray(), y)

      pipe = make_pipeline(StandardScaler(), LogisticRegression())
      pipe.fit(TfidfVectorizer().fit_transform(docs).toarray(), y)
    `);
  });

  it('leaves np.asarray(X.todense(), dtype=…) alone: it also changes the dtype', () => {
    expectNone('GML303', `
      import numpy as np
      from sklearn.feature_extraction.text import CountVectorizer
      from sklearn.linear_model import LogisticRegression
      X = CountVectorizer().fit_transform(docs)
      LogisticRegression().fit(np.asarray(X.todense(), dtype=np.float32), y)
    `);
  });

  it('leaves look-alikes alone: a local TfidfVectorizer class, a toarray of something else', () => {
    expectNone('GML303', `
      from sklearn.linear_model import LogisticRegression

      class TfidfVectorizer:
          def fit_transform(self, docs):
              return Matrix(docs)

      X = TfidfVectorizer().fit_transform(docs).toarray()
      LogisticRegression().fit(X, y)
      LogisticRegression().fit(image.toarray(), y)
    `);
  });

  it('fix: removes .toarray() from a chain', () => {
    expectFix(
      'GML303',
      `
      from sklearn.feature_extraction.text import TfidfVectorizer
      from sklearn.linear_model import LogisticRegression
      X = TfidfVectorizer(min_df=2).fit_transform(docs).toarray()
      clf = LogisticRegression(max_iter=1000).fit(X, y)
      `,
      `
      from sklearn.feature_extraction.text import TfidfVectorizer
      from sklearn.linear_model import LogisticRegression
      X = TfidfVectorizer(min_df=2).fit_transform(docs)
      clf = LogisticRegression(max_iter=1000).fit(X, y)
      `,
    );
  });

  it('fix: deletes the line of X = X.toarray()', () => {
    expectFix(
      'GML303',
      `
      from sklearn.feature_extraction.text import CountVectorizer
      from sklearn.naive_bayes import MultinomialNB
      counts = CountVectorizer().fit_transform(docs)
      counts = counts.toarray()
      MultinomialNB().fit(counts, y)
      `,
      `
      from sklearn.feature_extraction.text import CountVectorizer
      from sklearn.naive_bayes import MultinomialNB
      counts = CountVectorizer().fit_transform(docs)
      MultinomialNB().fit(counts, y)
      `,
    );
  });

  it('fix: keeps X = X.toarray() as X = X when it is the only statement of its block, and replaces np.asarray(M.todense()) by M', () => {
    expectFix(
      'GML303',
      `
      import numpy as np
      from sklearn.feature_extraction.text import CountVectorizer
      from sklearn.naive_bayes import MultinomialNB
      counts = CountVectorizer().fit_transform(docs)
      if dense:
          counts = counts.toarray()
      MultinomialNB().fit(counts, y)
      `,
      `
      import numpy as np
      from sklearn.feature_extraction.text import CountVectorizer
      from sklearn.naive_bayes import MultinomialNB
      counts = CountVectorizer().fit_transform(docs)
      if dense:
          counts = counts
      MultinomialNB().fit(counts, y)
      `,
    );
    expectFix(
      'GML303',
      `
      import numpy as np
      from scipy.sparse import csr_matrix
      from sklearn.linear_model import Ridge
      M = csr_matrix(rows)
      Ridge().fit(np.asarray(M.todense()), y)
      `,
      `
      import numpy as np
      from scipy.sparse import csr_matrix
      from sklearn.linear_model import Ridge
      M = csr_matrix(rows)
      Ridge().fit(M, y)
      `,
    );
  });

  it('fix: keeps CRLF newlines when it deletes a line', () => {
    expectFix(
      'GML303',
      `
      from sklearn.feature_extraction.text import CountVectorizer
      from sklearn.naive_bayes import MultinomialNB
      counts = CountVectorizer().fit_transform(docs)
      counts = counts.toarray()
      MultinomialNB().fit(counts, y)
      `,
      `
      from sklearn.feature_extraction.text import CountVectorizer
      from sklearn.naive_bayes import MultinomialNB
      counts = CountVectorizer().fit_transform(docs)
      MultinomialNB().fit(counts, y)
      `,
      { eol: '\r\n' },
    );
  });

  it('notebook fixture: flags the dense counts in the training cell and the fix applies back to that cell', () => {
    const notebook = parseIpynb(fs.readFileSync(path.join(NOTEBOOKS, 'text_classification_dense.ipynb'), 'utf8'));
    const config = effectiveConfig(undefined, undefined);
    const analysis = analyzeNotebook(notebook.cells, { config });
    try {
      assert.deepEqual(
        analysis.findings.map((f) => [f.cell + 1, f.finding.code, f.finding.range.start.line + 1]),
        [[4, 'GML303', 2]],
      );
    } finally {
      analysis.dispose();
    }
    const fixed = fixNotebook(notebook.cells, { config, unsafe: true });
    assert.deepEqual(fixed.applied, ['GML303']);
    assert.doesNotMatch(fixed.cells[3].text, /toarray/);
    const again = analyzeNotebook(fixed.cells, { config });
    try {
      assert.deepEqual(again.findings, []);
    } finally {
      again.dispose();
    }
  });
});
