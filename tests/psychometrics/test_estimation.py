import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, optimize, stats

from efs.psychometrics.estimation import (
    eap,
    estimate_correlation,
    log_likelihood_grid,
    map_estimate,
    marginal_posterior,
)
from efs.psychometrics.models import probabilities
from efs.psychometrics.simulation import (
    equicorrelation,
    simulate_abilities,
    simulate_bank,
    simulate_sparse,
)


def _exact_loglik(bank, items, scores, theta):
    p = probabilities(bank.model[items], bank.a[items], bank.c[items], bank.steps[items], [theta])
    return float(np.sum(np.log(p[np.arange(len(items)), scores, 0])))


def test_eap_matches_numerical_integration(small_bank):
    items, scores = np.array([0, 1, 2]), np.array([1, 0, 2])

    def density(t):
        return np.exp(_exact_loglik(small_bank, items, scores, t)) * stats.norm.pdf(t)

    mass = integrate.quad(density, -10, 10)[0]
    mean = integrate.quad(lambda t: t * density(t), -10, 10)[0] / mass
    second = integrate.quad(lambda t: t * t * density(t), -10, 10)[0] / mass
    below = integrate.quad(density, -10, 0.0)[0] / mass

    estimate = eap(small_bank, items, scores)
    assert abs(estimate.theta - mean) < 1e-4
    assert abs(estimate.se - np.sqrt(second - mean**2)) < 1e-4
    post = marginal_posterior(log_likelihood_grid(small_bank, items, scores))
    assert abs(post.mean[0, 0] - mean) < 1e-4
    assert abs(post.probability_below(small_bank.cuts)[0, 0] - below) < 2e-3
    # The other dimension got no responses: its posterior is the N(0, 1) prior.
    assert abs(post.mean[0, 1]) < 1e-9
    assert abs(post.sd[0, 1] - 1.0) < 1e-6


def test_map_matches_numerical_optimisation(small_bank):
    items, scores = np.array([0, 1, 2, 3, 5]), np.array([1, 1, 1, 0, 2])
    theta, se = map_estimate(small_bank, items, scores)
    for d in range(2):
        mask = small_bank.dimension[items] == d

        def negative(t, mask=mask):
            return -_exact_loglik(small_bank, items[mask], scores[mask], t) + 0.5 * t * t

        best = optimize.minimize_scalar(
            negative, bounds=(-6, 6), method="bounded", options={"xatol": 1e-10}
        )
        assert abs(theta[d] - best.x) < 1e-5
        h = 1e-4
        curvature = (negative(best.x + h) - 2 * negative(best.x) + negative(best.x - h)) / h**2
        assert abs(se[d] - 1 / np.sqrt(curvature)) < 1e-3


def test_multidimensional_posterior_matches_a_two_dimensional_grid(small_bank):
    items, scores = np.array([0, 1, 2, 4]), np.array([1, 1, 2, 0])
    rho = 0.6
    grid = np.linspace(-6, 6, 241)
    t0, t1 = np.meshgrid(grid, grid, indexing="ij")
    log_prior = stats.multivariate_normal(cov=[[1, rho], [rho, 1]]).logpdf(np.dstack((t0, t1)))
    ll0 = np.array([_exact_loglik(small_bank, items[:3], scores[:3], t) for t in grid])
    ll1 = np.array([_exact_loglik(small_bank, items[3:], scores[3:], t) for t in grid])
    joint = np.exp(log_prior + ll0[:, None] + ll1[None, :])
    joint /= joint.sum()
    exact_mean = np.array([(joint * t0).sum(), (joint * t1).sum()])
    exact_sd = np.sqrt(
        [(joint * t0**2).sum() - exact_mean[0] ** 2, (joint * t1**2).sum() - exact_mean[1] ** 2]
    )
    exact_below = np.array([joint[grid < 0.0].sum(), joint[:, grid < 0.3].sum()])

    post = marginal_posterior(
        log_likelihood_grid(small_bank, items, scores), equicorrelation(2, rho)
    )
    np.testing.assert_allclose(post.mean[0], exact_mean, atol=0.02)
    np.testing.assert_allclose(post.sd[0], exact_sd, atol=0.02)
    np.testing.assert_allclose(post.probability_below(small_bank.cuts)[0], exact_below, atol=0.02)

    theta, _ = map_estimate(small_bank, items, scores, equicorrelation(2, rho))
    mode = np.unravel_index(np.argmax(joint), joint.shape)
    np.testing.assert_allclose(theta, [grid[mode[0]], grid[mode[1]]], atol=0.06)


def test_correlated_prior_carries_evidence_to_untested_dimensions(small_bank):
    items, scores = np.array([0, 1, 2]), np.array([1, 1, 2])
    post = marginal_posterior(
        log_likelihood_grid(small_bank, items, scores), equicorrelation(2, 0.8)
    )
    assert post.mean[0, 1] > 0.3
    assert post.sd[0, 1] < 0.95


def test_correlation_is_recovered_from_sparse_data():
    rng = np.random.default_rng(11)
    bank = simulate_bank(45, 3, rng)
    theta = simulate_abilities(3000, equicorrelation(3, 0.6), rng)
    data = simulate_sparse(bank, theta, 30, rng)
    order = np.argsort(data.person, kind="stable")
    bounds = np.searchsorted(data.person[order], np.arange(data.n_persons + 1))
    persons = [
        (data.item[order][lo:hi], data.score[order][lo:hi])
        for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)
    ]
    corr, iterations = estimate_correlation(bank, persons)
    off_diagonal = corr[~np.eye(3, dtype=bool)]
    assert np.all(np.abs(off_diagonal - 0.6) < 0.08)
    assert iterations < 100


@settings(max_examples=40, deadline=None)
@given(
    scores=st.lists(st.integers(0, 1), min_size=1, max_size=5),
    flip=st.integers(0, 4),
)
def test_a_correct_answer_never_lowers_the_estimate(scores, flip):
    rng = np.random.default_rng(0)
    bank = simulate_bank(5, 1, rng)
    items = np.arange(len(scores))
    flip = flip % len(scores)
    lower = np.array(scores)
    lower[flip] = 0
    higher = lower.copy()
    higher[flip] = 1
    assert eap(bank, items, higher).theta > eap(bank, items, lower).theta
