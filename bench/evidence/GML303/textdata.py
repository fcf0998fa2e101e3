"""Synthetic labelled documents for the GML303 workloads: no download, the same text on every run.

Words follow a Zipf law, as in natural text; each class draws a tenth of each document's words
from its own reordering of the vocabulary (its topic words), the rest from the general distribution.
"""
import numpy as np


def make_corpus(n_docs=4000, vocabulary=12000, n_classes=8, length=80, topical=8, seed=0):
    rng = np.random.RandomState(seed)
    words = np.array([f"w{i}" for i in range(vocabulary)])
    zipf = 1.0 / np.arange(1, vocabulary + 1) ** 1.05
    zipf /= zipf.sum()
    topics = np.stack([rng.permutation(vocabulary) for _ in range(n_classes)])
    labels = rng.randint(n_classes, size=n_docs)
    general = rng.choice(vocabulary, size=(n_docs, length - topical), p=zipf)
    own = topics[labels[:, None], rng.choice(vocabulary, size=(n_docs, topical), p=zipf)]
    tokens = np.concatenate([general, own], axis=1)
    docs = [" ".join(words[row]) for row in tokens]
    return docs, labels
