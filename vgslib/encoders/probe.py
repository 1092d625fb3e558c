"""The encoder bar: a 13-way linear probe on mean-pooled frozen features, train split -> test split."""

from __future__ import annotations

import numpy as np
import pandas as pd

from vgslib.encoders.features import Features

BAR = 0.90  # the accuracy both modalities must reach (per language for audio) before an ME test means anything


def probe_accuracy(train: Features, train_labels, test: Features, test_labels, seed: int = 0) -> float:
    """Accuracy of a multinomial logistic regression on standardised mean-pooled tokens, fitted on one thread:
    the solver's path follows the BLAS's sums, so its accuracy must not depend on the threads it is given (on
    the log-mel features one test item in 130 changed with them)."""
    from sklearn.linear_model import LogisticRegression  # here, not at the top: a training run never probes
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    clf = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000, random_state=seed))
    with threadpool_limits(1):
        clf.fit(train.mean_pooled(), np.asarray(train_labels))
    return float((clf.predict(test.mean_pooled()) == np.asarray(test_labels)).mean())


def probe_table(results: list[dict]) -> pd.DataFrame:
    """Rows of {modality, lang, accuracy, n_test} with a pass/fail column against the bar."""
    table = pd.DataFrame(results)
    table["passes"] = table["accuracy"] >= BAR
    return table
