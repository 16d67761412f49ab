"""Item statistics on sparse response data.

* ``p_value``: mean score divided by the maximum score (proportion correct for 0/1 items).
* ``point_biserial``: correlation between the item score and the person's rest
  score (proportion of the maximum on the *other* items the person answered);
  on sparse designs the rest proportion is used instead of a raw total because
  persons answer different numbers of items.
* ``infit`` / ``outfit``: residual mean squares with model expectations at each
  person's EAP ability: ``outfit = mean(z²)`` with ``z = (x - E) / √Var``,
  ``infit = Σ (x - E)² / Σ Var``. Both are near 1 for fitting items; values above
  ~1.3 flag noisy items, below ~0.7 overly deterministic ones. EAP shrinkage
  pulls them slightly below 1 when persons answer few items.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from efs.psychometrics.bank import ItemBank
from efs.psychometrics.calibration import ResponseData
from efs.psychometrics.estimation import log_likelihood_grid, marginal_posterior
from efs.psychometrics.models import FloatArray, IntArray, expected_score

_PERSONS_PER_CHUNK = 20_000


@dataclass(frozen=True)
class ItemStatistics:
    n: IntArray
    p_value: FloatArray
    point_biserial: FloatArray
    infit: FloatArray
    outfit: FloatArray


def person_eap(bank: ItemBank, data: ResponseData) -> FloatArray:
    """EAP ability of every person on every dimension (independent N(0, 1) priors), (P, D)."""
    order = np.argsort(data.person, kind="stable")
    person = data.person[order].astype(np.int64)
    item = data.item[order].astype(np.int64)
    score = data.score[order].astype(np.int64)
    bounds = np.searchsorted(person, np.arange(0, data.n_persons + 1, _PERSONS_PER_CHUNK))
    bounds = np.append(bounds, person.size) if bounds[-1] != person.size else bounds
    theta = np.zeros((data.n_persons, bank.n_dimensions))
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        if lo == hi:
            continue
        first = int(person[lo])
        n_group = int(person[hi - 1]) - first + 1
        loglik = log_likelihood_grid(
            bank, item[lo:hi], score[lo:hi], groups=person[lo:hi] - first, n_groups=n_group
        )
        theta[first : first + n_group] = marginal_posterior(loglik).mean
    return theta


def item_statistics(
    bank: ItemBank, data: ResponseData, theta: FloatArray | None = None
) -> ItemStatistics:
    """Statistics for every bank item; ``data.item`` indexes ``bank``. ``theta``: (P, D) or EAP."""
    if theta is None:
        theta = person_eap(bank, data)
    item = data.item.astype(np.int64)
    person = data.person.astype(np.int64)
    x = data.score.astype(np.float64)
    n_items = bank.n_items
    n = np.bincount(item, minlength=n_items)
    safe_n = np.maximum(n, 1)
    max_score = (bank.n_categories - 1)[item].astype(np.float64)
    proportion = x / max_score
    p_value = np.bincount(item, proportion, minlength=n_items) / safe_n

    answered = np.bincount(person, minlength=data.n_persons)
    total = np.bincount(person, proportion, minlength=data.n_persons)
    others = answered[person] - 1
    rest = np.where(others > 0, (total[person] - proportion) / np.maximum(others, 1), np.nan)
    usable = ~np.isnan(rest)
    point_biserial = _correlation_by_group(item[usable], proportion[usable], rest[usable], n_items)

    at = theta[person, bank.dimension[item]]
    mean, var = expected_score(
        bank.model[item], bank.a[item], bank.c[item], bank.steps[item] - at[:, None], [0.0]
    )
    mean, var = mean[:, 0], np.maximum(var[:, 0], 1e-12)
    squared = (x - mean) ** 2
    outfit = np.bincount(item, squared / var, minlength=n_items) / safe_n
    infit = np.bincount(item, squared, minlength=n_items) / np.maximum(
        np.bincount(item, var, minlength=n_items), 1e-12
    )
    missing = n == 0
    return ItemStatistics(
        n=n,
        p_value=np.where(missing, np.nan, p_value),
        point_biserial=point_biserial,
        infit=np.where(missing, np.nan, infit),
        outfit=np.where(missing, np.nan, outfit),
    )


def _correlation_by_group(
    group: IntArray, x: FloatArray, y: FloatArray, n_groups: int
) -> FloatArray:
    n = np.bincount(group, minlength=n_groups).astype(np.float64)
    sx = np.bincount(group, x, minlength=n_groups)
    sy = np.bincount(group, y, minlength=n_groups)
    sxx = np.bincount(group, x * x, minlength=n_groups)
    syy = np.bincount(group, y * y, minlength=n_groups)
    sxy = np.bincount(group, x * y, minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = sxy - sx * sy / n
        vx = sxx - sx * sx / n
        vy = syy - sy * sy / n
        r = cov / np.sqrt(vx * vy)
    return np.where((n > 2) & (vx > 0) & (vy > 0), r, np.nan)
