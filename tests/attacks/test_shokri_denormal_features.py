"""Shokri's scaled attack classifiers on outputs whose probabilities differ by float32
denormals (blown-up training: 1e-41): their StandardScaler took a scale of that size and
divided float32 rows into inf, and scikit-learn's ValueError ('Input X contains infinity')
ended the run as a traceback (`mia-train train.lr=2 attack.attacks.shokri.classifier=logistic`)
where the default classifier's run finished with no verdict."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.attacks.shokri import shokri
from mia_defense.observations import Observations


def _denormal_observations() -> Observations:
    """K=4 models on 3 classes whose least likely class has probability 0 or a float32
    denormal in the shadow models (1 and 3) and 0.05 in the target (0)."""
    rng = np.random.default_rng(0)
    num_models, num_samples = 4, 200
    masks = np.zeros((num_models, num_samples), dtype=bool)
    for k in range(num_models):
        masks[k, rng.permutation(num_samples)[: num_samples // 2]] = True
    least = np.where(rng.random((num_models, num_samples)) < 0.5, 1e-41, 1e-45)
    least[[0, 2]] = 0.05
    middle = np.where(masks, 0.3, 0.2)
    probs = np.stack([1 - middle - least, middle, least], axis=-1).astype(np.float32)
    labels = np.zeros(num_samples, dtype=np.int64)
    return Observations(log_probs=np.log(probs), labels=labels, masks=masks)


@pytest.mark.parametrize("classifier", ["logistic", "mlp"])
def test_scaled_classifiers_score_denormal_outputs(classifier: str) -> None:
    obs = _denormal_observations()
    scores = shokri(obs, np.array([0]), classifier=classifier, seed=0)
    assert scores.shape == (1, 200)
    assert np.isfinite(scores).all()
