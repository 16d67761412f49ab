"""Psychometrics engine: IRT models, calibration, ability estimation, adaptive testing.

Pure NumPy/SciPy; imports nothing from Django or from other ``efs`` apps.
The Django side (``efs.diagnostics``) keeps item parameters and responses in
its database and calls these functions; nothing here keeps state between calls.

Public API (stable)
-------------------

Item bank (:mod:`efs.psychometrics.bank`)::

    ItemBank.from_json(data: Mapping) -> ItemBank         # format in bank.py
    ItemBank.from_arrays(*, ids, dimension, model, a, steps, c=None,
                         dimension_ids=None, cuts=None, exposure=None,
                         correlation=None) -> ItemBank
    ItemBank.to_json() -> dict

Adaptive and fixed-form testing (:mod:`efs.psychometrics.cat`)::

    CatConfig(cuts=None, deficit_threshold=0.95, no_deficit_threshold=0.05,
              stopping="bayes" | "sprt", sprt_delta=0.3, sprt_alpha=0.05,
              sprt_beta=0.05, se_target=None, min_items=2, max_items=None,
              max_total=None, randomesque=1, sympson_hetter=True,
              correlation=None, dimensions=None,
              selection="cut" | "posterior" | "point",
              mode="adaptive" | "fixed", fixed_form=())
    cat_next(bank, responses: list[tuple[int, int]], config, rng: int | Generator | None,
             *, exclude=()) -> CatStep(item: int | None, stopped: bool, reason: str,
                                       dimensions: list[DimensionResult])
    score(bank, responses, config) -> list[DimensionResult]
    DimensionResult(dimension, id, theta, se, p_deficit,
                    decision: "deficit" | "uncertain" | "no_deficit",
                    n_items, stopped, reason); .deficit, .confidence

Ability estimation (:mod:`efs.psychometrics.estimation`)::

    eap(bank, items, scores, *, prior_mean=0.0, prior_sd=1.0) -> AbilityEstimate(theta, se)
    map_estimate(bank, items, scores, correlation=None) -> (theta[D], se[D])
    log_likelihood_grid(bank, items, scores, *, groups=None, n_groups=1) -> (G, D, Q)
    marginal_posterior(loglik, correlation=None) -> MarginalPosterior
    estimate_correlation(bank, persons: list[(items, scores)]) -> (R, iterations)

Calibration (:mod:`efs.psychometrics.calibration`)::

    ResponseData.from_arrays(person, item, score, *, n_persons=None, n_items=None)
    calibrate(data, *, model="2PL" | "3PL" | "GPCM" | list, dimension=None,
              anchors: dict[int, ItemParameters] | None = None, n_quadpts=41,
              max_iter=500, tol=1e-4, guessing_prior=(5, 17),
              estimate_population=None,
              progress: Callable[[float, str], None] | None = None) -> CalibrationResult

Item statistics (:mod:`efs.psychometrics.stats`)::

    item_statistics(bank, data, theta=None) -> ItemStatistics(n, p_value,
                    point_biserial, infit, outfit)

Simulation (:mod:`efs.psychometrics.simulation`): ``simulate_bank``,
``simulate_abilities``, ``equicorrelation``, ``simulate_scores``,
``simulate_dense``, ``simulate_sparse``.

Command line (:mod:`efs.psychometrics.cli`): ``efs psychometrics calibrate`` and
``efs psychometrics cat-sim``; see docs/psychometrics.md.
"""

from efs.psychometrics.bank import BankFormatError, ItemBank
from efs.psychometrics.calibration import (
    CalibrationResult,
    ItemParameters,
    ResponseData,
    ResponseDataError,
    calibrate,
)
from efs.psychometrics.cat import CatConfig, CatStep, DimensionResult, cat_next, score
from efs.psychometrics.estimation import (
    AbilityEstimate,
    eap,
    estimate_correlation,
    map_estimate,
    marginal_posterior,
)
from efs.psychometrics.stats import ItemStatistics, item_statistics

__all__ = [
    "AbilityEstimate",
    "BankFormatError",
    "CalibrationResult",
    "CatConfig",
    "CatStep",
    "DimensionResult",
    "ItemBank",
    "ItemParameters",
    "ItemStatistics",
    "ResponseData",
    "ResponseDataError",
    "calibrate",
    "cat_next",
    "eap",
    "estimate_correlation",
    "item_statistics",
    "map_estimate",
    "marginal_posterior",
    "score",
]
