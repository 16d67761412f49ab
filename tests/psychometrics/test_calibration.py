import numpy as np
import pytest

from efs.psychometrics.calibration import ItemParameters, ResponseData, ResponseDataError, calibrate
from efs.psychometrics.models import MODEL_NAMES
from efs.psychometrics.simulation import (
    equicorrelation,
    simulate_abilities,
    simulate_bank,
    simulate_dense,
    simulate_sparse,
)


def _dense_data(scores):
    person, item = np.nonzero(np.ones_like(scores))
    return ResponseData.from_arrays(person, item, scores[person, item])


def _rmse(x, y):
    return float(np.sqrt(np.mean((np.asarray(x) - np.asarray(y)) ** 2)))


def test_2pl_parameters_are_recovered_from_dense_data():
    rng = np.random.default_rng(1)
    bank = simulate_bank(30, 1, rng)
    theta = simulate_abilities(5000, np.eye(1), rng)
    fit = calibrate(_dense_data(simulate_dense(bank, theta, rng)))
    assert fit.converged
    # Sampling SEs here are about 0.03-0.04 for a and b; the tolerance is ~2.5 times that.
    assert _rmse(fit.a, bank.a) < 0.09
    assert _rmse(fit.b, bank.b) < 0.09
    assert np.all(np.diff(fit.history) > -1e-6), "EM never lowers the marginal likelihood"


def test_sparse_calibration_per_dimension_recovers_parameters():
    rng = np.random.default_rng(2)
    bank = simulate_bank(80, 2, rng)
    theta = simulate_abilities(12000, equicorrelation(2, 0.6), rng)
    data = simulate_sparse(bank, theta, 20, rng)  # about 3000 responses per item
    fit = calibrate(data, dimension=bank.dimension)
    assert fit.converged
    assert _rmse(fit.a, bank.a) < 0.1
    assert _rmse(fit.b, bank.b) < 0.1
    np.testing.assert_array_equal(fit.n_responses, np.bincount(data.item, minlength=80))


def test_3pl_with_guessing_prior_recovers_parameters():
    rng = np.random.default_rng(3)
    bank = simulate_bank(20, 1, rng, share_3pl=1.0)
    theta = simulate_abilities(8000, np.eye(1), rng)
    fit = calibrate(_dense_data(simulate_dense(bank, theta, rng)), model="3PL")
    assert _rmse(fit.b, bank.b) < 0.2
    assert _rmse(fit.a, bank.a) < 0.2
    assert _rmse(fit.c, bank.c) < 0.06
    assert np.all((fit.c > 0) & (fit.c < 0.5))


def test_gpcm_parameters_are_recovered():
    rng = np.random.default_rng(4)
    bank = simulate_bank(12, 1, rng, share_gpcm=1.0, gpcm_steps=2)
    theta = simulate_abilities(5000, np.eye(1), rng)
    scores = simulate_dense(bank, theta, rng)
    fit = calibrate(_dense_data(scores), model="GPCM")
    assert fit.steps.shape == (12, 2)
    assert _rmse(fit.a, bank.a) < 0.1
    assert _rmse(fit.steps, bank.steps) < 0.15


def test_anchor_items_stay_fixed_and_link_new_items_to_the_scale():
    rng = np.random.default_rng(5)
    bank = simulate_bank(30, 1, rng)
    # The new sample is abler and more spread than the calibration sample.
    theta = 0.5 + 1.2 * simulate_abilities(6000, np.eye(1), rng)
    data = _dense_data(simulate_dense(bank, theta, rng))
    anchors = {
        j: ItemParameters(model="2PL", a=float(bank.a[j]), steps=[float(bank.steps[j, 0])])
        for j in range(15)
    }
    fit = calibrate(data, anchors=anchors)
    np.testing.assert_array_equal(fit.a[:15], bank.a[:15])
    np.testing.assert_array_equal(fit.steps[:15], bank.steps[:15])
    assert fit.fixed[:15].all() and not fit.fixed[15:].any()
    assert abs(fit.population_mean[0] - 0.5) < 0.1
    assert abs(fit.population_sd[0] - 1.2) < 0.1
    assert _rmse(fit.b[15:], bank.b[15:]) < 0.12
    assert _rmse(fit.a[15:], bank.a[15:]) < 0.12


def test_progress_is_reported_monotonically_up_to_one():
    rng = np.random.default_rng(6)
    bank = simulate_bank(10, 1, rng)
    data = _dense_data(simulate_dense(bank, simulate_abilities(500, np.eye(1), rng), rng))
    seen: list[tuple[float, str]] = []
    fit = calibrate(data, progress=lambda fraction, message: seen.append((fraction, message)))
    fractions = [f for f, _ in seen]
    assert len(seen) == fit.iterations + 1
    assert all(0.0 <= f <= 1.0 for f in fractions)
    assert fractions == sorted(fractions)
    assert seen[-1] == (1.0, "calibration finished")


def test_iteration_limit_is_reported_as_not_converged():
    rng = np.random.default_rng(7)
    bank = simulate_bank(10, 1, rng)
    data = _dense_data(simulate_dense(bank, simulate_abilities(500, np.eye(1), rng), rng))
    fit = calibrate(data, max_iter=2)
    assert not fit.converged
    assert fit.iterations == 2
    assert len(fit.history) == 2


@pytest.mark.parametrize(
    ("person", "item", "score", "message"),
    [
        ([0, 1], [0], [1], "one length"),
        ([0, -1], [0, 1], [1, 0], "non-negative"),
        ([0.5, 1], [0, 1], [1, 0], "integers"),
    ],
)
def test_malformed_response_arrays_are_rejected(person, item, score, message):
    with pytest.raises(ResponseDataError, match=message):
        ResponseData.from_arrays(person, item, score)


def test_dichotomous_models_reject_partial_credit_scores():
    data = ResponseData.from_arrays([0, 1, 2], [0, 0, 0], [0, 1, 2])
    for name in ("2PL", "3PL"):
        with pytest.raises(ResponseDataError, match="0/1"):
            calibrate(data, model=name)
    assert "GPCM" in MODEL_NAMES
