import numpy as np

from efs.psychometrics.bank import ItemBank
from efs.psychometrics.calibration import ResponseData
from efs.psychometrics.simulation import simulate_abilities, simulate_bank, simulate_sparse
from efs.psychometrics.stats import item_statistics


def test_statistics_of_fitting_and_misfitting_items():
    rng = np.random.default_rng(9)
    bank = simulate_bank(40, 1, rng)
    theta = simulate_abilities(4000, np.eye(1), rng)
    data = simulate_sparse(bank, theta, 20, rng)
    # Item 0 becomes pure noise: answers are coin flips whatever the ability.
    noisy = data.item == 0
    scores = data.score.copy()
    scores[noisy] = rng.integers(0, 2, int(noisy.sum()))
    data = ResponseData.from_arrays(
        data.person, data.item, scores, n_persons=data.n_persons, n_items=40
    )

    stats = item_statistics(bank, data)

    np.testing.assert_array_equal(stats.n, np.bincount(data.item, minlength=40))
    p_values = np.bincount(data.item, scores, minlength=40) / stats.n
    np.testing.assert_allclose(stats.p_value, p_values)
    assert abs(stats.point_biserial[0]) < 0.1
    assert np.all(stats.point_biserial[1:] > 0.1)
    assert 0.85 < np.median(stats.outfit[1:]) < 1.1
    assert 0.85 < np.median(stats.infit[1:]) < 1.1
    assert stats.outfit[0] > 1.2 and stats.infit[0] > 1.2


def test_items_without_responses_have_no_statistics():
    bank = ItemBank.from_arrays(
        ids=["q1", "q2"], dimension=[0, 0], model=[0, 0], a=[1, 1], steps=np.zeros((2, 1))
    )
    data = ResponseData.from_arrays([0, 1, 2], [0, 0, 0], [1, 0, 1], n_items=2)
    stats = item_statistics(bank, data)
    assert stats.n.tolist() == [3, 0]
    assert np.isnan(stats.p_value[1]) and np.isnan(stats.infit[1]) and np.isnan(stats.outfit[1])
