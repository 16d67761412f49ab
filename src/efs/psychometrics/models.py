"""Item response models: 2PL, 3PL (dichotomous) and GPCM (partial credit).

All items share one representation so that the engines can mix them freely:

* ``model``: one code per item (:data:`TWO_PL`, :data:`THREE_PL`, :data:`GPCM`);
* ``a``: slope (discrimination), logistic metric (no 1.7 scaling constant);
* ``c``: lower asymptote, 0 for everything but 3PL;
* ``steps``: step difficulties, shape ``(n_items, max_steps)``, NaN-padded. A
  dichotomous item has one step, its difficulty ``b``; a GPCM item scored
  ``0..m`` has ``m`` steps ``b_1..b_m``.

GPCM: ``P(X = k | θ) ∝ exp(Σ_{v ≤ k} a (θ - b_v))``; with one step it is exactly
the 2PL ``P(X = 1 | θ) = 1 / (1 + exp(-a (θ - b)))``. 3PL:
``P(X = 1 | θ) = c + (1 - c) / (1 + exp(-a (θ - b)))``.

Every function is vectorised over items and over a vector of abilities and
returns arrays with items first and abilities last.
"""

from __future__ import annotations

from typing import cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

TWO_PL = 0
THREE_PL = 1
GPCM = 2
MODEL_NAMES = ("2PL", "3PL", "GPCM")
MODEL_CODES = {name: code for code, name in enumerate(MODEL_NAMES)}

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def model_code(name: str) -> int:
    """Return the code of a model name ("2PL", "3PL" or "GPCM"; case-insensitive)."""
    try:
        return MODEL_CODES[name.upper()]
    except KeyError:
        raise ValueError(f"unknown IRT model {name!r}; expected one of {MODEL_NAMES}") from None


def n_categories(steps: FloatArray) -> IntArray:
    """Number of score categories of each item (``m + 1`` for ``m`` steps)."""
    return cast(IntArray, 1 + np.sum(~np.isnan(steps), axis=1).astype(np.int64))


def category_logits(a: FloatArray, steps: FloatArray, theta: ArrayLike) -> FloatArray:
    """Unnormalised GPCM log-weights ``z_k = Σ_{v≤k} a (θ - b_v)``, shape (J, K, Q).

    Categories an item does not have are ``-inf``.
    """
    theta = np.atleast_1d(np.asarray(theta, dtype=np.float64))
    n_items, max_steps = steps.shape
    z = np.zeros((n_items, max_steps + 1, theta.size))
    valid = ~np.isnan(steps)
    increments = a[:, None, None] * (theta[None, None, :] - np.where(valid, steps, 0.0)[:, :, None])
    z[:, 1:, :] = np.cumsum(increments, axis=1)
    z[:, 1:, :][~valid] = -np.inf
    return z


def log_probabilities(
    model: IntArray, a: FloatArray, c: FloatArray, steps: FloatArray, theta: ArrayLike
) -> FloatArray:
    """``log P(X = k | θ)`` for every item, category and ability, shape (J, K, Q)."""
    z = category_logits(a, steps, theta)
    top = np.max(z, axis=1, keepdims=True)
    logp = z - top - np.log(np.sum(np.exp(z - top), axis=1, keepdims=True))
    guessing = model == THREE_PL
    if np.any(guessing):
        cg = c[guessing][:, None]
        logit = z[guessing, 1, :]
        log_p1 = -np.logaddexp(0.0, -logit)
        log_q1 = -np.logaddexp(0.0, logit)
        with np.errstate(divide="ignore"):  # c = 0 gives log 0 = -inf, which logaddexp handles
            log_c = np.log(cg)
        logp[guessing, 1, :] = np.logaddexp(log_c, np.log1p(-cg) + log_p1)
        logp[guessing, 0, :] = np.log1p(-cg) + log_q1
    return cast(FloatArray, logp)


def probabilities(
    model: IntArray, a: FloatArray, c: FloatArray, steps: FloatArray, theta: ArrayLike
) -> FloatArray:
    """``P(X = k | θ)``, shape (J, K, Q); zero for categories an item lacks."""
    return np.exp(log_probabilities(model, a, c, steps, theta))


def information(
    model: IntArray, a: FloatArray, c: FloatArray, steps: FloatArray, theta: ArrayLike
) -> FloatArray:
    """Fisher information of each item at each ability, shape (J, Q).

    GPCM (and 2PL): ``a² Var(X | θ)``. 3PL: ``a² (1 - P) / P · ((P - c) / (1 - c))²``.
    """
    p = probabilities(model, a, c, steps, theta)
    k = np.arange(p.shape[1], dtype=np.float64)[None, :, None]
    mean = np.sum(k * p, axis=1)
    variance = np.sum(k * k * p, axis=1) - mean * mean
    info = (a * a)[:, None] * variance
    guessing = model == THREE_PL
    if np.any(guessing):
        p1 = p[guessing, 1, :]
        cg = c[guessing][:, None]
        ag = a[guessing][:, None]
        info[guessing] = ag * ag * (1.0 - p1) / p1 * ((p1 - cg) / (1.0 - cg)) ** 2
    return cast(FloatArray, np.maximum(info, 0.0))


def expected_score(
    model: IntArray, a: FloatArray, c: FloatArray, steps: FloatArray, theta: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Expected score and its variance for each item at each ability, each (J, Q)."""
    p = probabilities(model, a, c, steps, theta)
    k = np.arange(p.shape[1], dtype=np.float64)[None, :, None]
    mean = np.sum(k * p, axis=1)
    return mean, np.sum(k * k * p, axis=1) - mean * mean
