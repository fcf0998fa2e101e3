"""GML203 evidence, after: the same Optuna search, with the objective reporting each epoch's
validation accuracy and stopping when the (default, median) pruner says so — the GML203 fix.

Synthetic data and a seeded sampler, so it runs offline and both scripts draw the same first trials.
"""
import numpy as np
import optuna
from sklearn.datasets import make_classification
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split

optuna.logging.set_verbosity(optuna.logging.WARNING)
X, y = make_classification(n_samples=20000, n_features=50, n_informative=10, random_state=0)
X_train, X_valid, y_train, y_valid = train_test_split(X, y, test_size=0.25, random_state=0)
classes = np.unique(y)
EPOCHS = 40


def objective(trial):
    alpha = trial.suggest_float("alpha", 1e-6, 1e-1, log=True)
    loss = trial.suggest_categorical("loss", ["hinge", "log_loss", "modified_huber"])
    clf = SGDClassifier(alpha=alpha, loss=loss, random_state=0)
    for epoch in range(EPOCHS):
        clf.partial_fit(X_train, y_train, classes=classes)
        accuracy = clf.score(X_valid, y_valid)
        trial.report(accuracy, epoch)
        if trial.should_prune():
            raise optuna.TrialPruned()
    return accuracy


study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=0))
study.optimize(objective, n_trials=40)
pruned = sum(t.state == optuna.trial.TrialState.PRUNED for t in study.trials)
print(f"best accuracy {study.best_value:.4f} with {study.best_params}; {pruned} of {len(study.trials)} trials pruned")
