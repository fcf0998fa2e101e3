# GML218 evidence, before: a skorch MLP with max_epochs=150 and skorch's default validation split
# (valid_loss every epoch) but no EarlyStopping callback. Deterministic: fixed seeds, generated data,
# one thread.
import resource

import numpy as np
import torch
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from skorch import NeuralNetClassifier
from torch import nn

torch.manual_seed(0)
torch.set_num_threads(1)

X, y = make_classification(n_samples=6000, n_features=40, n_informative=12, n_redundant=6,
                           flip_y=0.05, class_sep=0.8, random_state=0)
X = StandardScaler().fit_transform(X).astype(np.float32)
y = y.astype(np.int64)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)


class ClassifierModule(nn.Module):
    def __init__(self, num_units=128):
        super().__init__()
        self.dense0 = nn.Linear(40, num_units)
        self.dense1 = nn.Linear(num_units, 64)
        self.output = nn.Linear(64, 2)

    def forward(self, X):
        X = torch.relu(self.dense0(X))
        X = torch.relu(self.dense1(X))
        return self.output(X)


net = NeuralNetClassifier(ClassifierModule, criterion=nn.CrossEntropyLoss, max_epochs=150, lr=0.05,
                          optimizer=torch.optim.SGD, optimizer__momentum=0.9, verbose=0)
net.fit(X_train, y_train)

ru = resource.getrusage(resource.RUSAGE_SELF)
print(f"test_acc={net.score(X_test, y_test):.4f} epochs={len(net.history)} cpu_s={ru.ru_utime + ru.ru_stime:.2f}")
