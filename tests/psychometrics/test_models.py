import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from efs.psychometrics.models import (
    GPCM,
    THREE_PL,
    TWO_PL,
    information,
    log_probabilities,
    probabilities,
)

THETA = np.linspace(-4, 4, 33)


def test_gpcm_with_one_step_is_the_2pl():
    a, b = np.array([1.3]), np.array([[0.4]])
    gpcm = probabilities(np.array([GPCM]), a, np.zeros(1), b, THETA)
    expected = 1.0 / (1.0 + np.exp(-1.3 * (THETA - 0.4)))
    np.testing.assert_allclose(gpcm[0, 1], expected, rtol=1e-12)
    np.testing.assert_allclose(gpcm[0, 0], 1.0 - expected, rtol=1e-12)


def test_3pl_probability_and_lower_asymptote():
    p = probabilities(
        np.array([THREE_PL]), np.array([1.5]), np.array([0.2]), np.array([[0.0]]), THETA
    )
    expected = 0.2 + 0.8 / (1.0 + np.exp(-1.5 * THETA))
    np.testing.assert_allclose(p[0, 1], expected, rtol=1e-12)
    assert p[0, 1, 0] > 0.2


def test_absent_categories_have_zero_probability():
    steps = np.array([[0.0, np.nan], [-0.5, 0.5]])
    p = probabilities(np.array([TWO_PL, GPCM]), np.ones(2), np.zeros(2), steps, THETA)
    assert np.all(p[0, 2] == 0.0)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)


def _numerical_information(model, a, c, steps, theta, h=1e-5):
    p = probabilities(model, a, c, steps, theta)
    dp = (
        probabilities(model, a, c, steps, theta + h) - probabilities(model, a, c, steps, theta - h)
    ) / (2 * h)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, dp**2 / p, 0.0)
    return terms.sum(axis=1)


def test_information_matches_the_numerical_fisher_information():
    model = np.array([TWO_PL, THREE_PL, GPCM])
    a = np.array([1.2, 0.9, 1.4])
    c = np.array([0.0, 0.25, 0.0])
    steps = np.array([[0.3, np.nan, np.nan], [-0.2, np.nan, np.nan], [-1.0, 0.2, 1.1]])
    np.testing.assert_allclose(
        information(model, a, c, steps, THETA),
        _numerical_information(model, a, c, steps, THETA),
        rtol=1e-5,
        atol=1e-9,
    )


@settings(max_examples=50, deadline=None)
@given(
    a=st.floats(0.2, 3.0),
    c=st.floats(0.0, 0.4),
    steps=st.lists(st.floats(-3, 3), min_size=1, max_size=4),
    model=st.sampled_from([TWO_PL, THREE_PL, GPCM]),
)
def test_probabilities_form_a_distribution(a, c, steps, model):
    steps = steps[:1] if model != GPCM else steps
    row = np.array([steps])
    logp = log_probabilities(
        np.array([model]), np.array([a]), np.array([c if model == THREE_PL else 0.0]), row, THETA
    )
    np.testing.assert_allclose(np.exp(logp).sum(axis=1), 1.0, rtol=1e-10)
    assert np.all(information(np.array([model]), np.array([a]), np.array([c]), row, THETA) >= 0.0)
