import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from efs.psychometrics.bank import ItemBank
from efs.psychometrics.cat import CatConfig, cat_next, score
from efs.psychometrics.models import TWO_PL
from efs.psychometrics.simulation import equicorrelation, simulate_bank


@pytest.fixture(scope="module")
def bank() -> ItemBank:
    return simulate_bank(120, 4, np.random.default_rng(21), share_3pl=0.2)


def _run(bank, config, answer, seed=0, limit=500):
    responses = []
    for _ in range(limit):
        step = cat_next(bank, responses, config, rng=seed)
        if step.item is None:
            return responses, step
        responses.append((step.item, answer(step.item)))
    raise AssertionError("the test never stopped")


def test_first_items_cover_every_competency(bank):
    responses, _ = _run(bank, CatConfig(max_total=4), answer=lambda item: 1)
    assert sorted(bank.dimension[[i for i, _ in responses]]) == [0, 1, 2, 3]


def test_strong_candidate_stops_confident_with_no_deficit(bank):
    responses, step = _run(bank, CatConfig(), answer=lambda item: 1)
    assert step.stopped and step.reason == "all_dimensions_stopped"
    for result in step.dimensions:
        assert result.decision == "no_deficit"
        assert result.p_deficit <= 0.05
        assert result.reason == "confident"
        assert result.n_items >= 2
    assert len(responses) == sum(r.n_items for r in step.dimensions)


def test_weak_candidate_gets_deficits(bank):
    _, step = _run(bank, CatConfig(), answer=lambda item: 0)
    assert [r.decision for r in step.dimensions] == ["deficit"] * 4
    assert all(r.deficit and r.confidence >= 0.95 for r in step.dimensions)


def test_candidate_at_the_cut_hits_the_per_dimension_cap(bank):
    answered_per_dimension = [0] * 4

    def alternate(item):
        dim = bank.dimension[item]
        answered_per_dimension[dim] += 1
        return answered_per_dimension[dim] % 2

    config = CatConfig(max_items=6, cuts=[0.0] * 4)
    responses, step = _run(bank, config, alternate)
    assert len(responses) == 24
    assert all(r.n_items == 6 and r.reason == "max_items" for r in step.dimensions)


def test_total_cap_stops_the_test(bank):
    responses, step = _run(bank, CatConfig(max_total=7), answer=lambda item: item % 2)
    assert len(responses) == 7
    assert step.reason == "max_total"
    assert all(r.stopped for r in step.dimensions)


def test_standard_error_target_stops_a_dimension(bank):
    config = CatConfig(se_target=0.6, deficit_threshold=1.0, no_deficit_threshold=0.0)
    _, step = _run(bank, config, answer=lambda item: item % 2)
    assert all(r.reason == "se_target" and r.se <= 0.6 for r in step.dimensions)


def test_sprt_stopping(bank):
    config = CatConfig(stopping="sprt", sprt_delta=0.5)
    _, strong = _run(bank, config, answer=lambda item: 1)
    _, weak = _run(bank, config, answer=lambda item: 0)
    assert all(r.reason == "confident" for r in strong.dimensions + weak.dimensions)
    assert all(not r.deficit for r in strong.dimensions)
    assert all(r.deficit for r in weak.dimensions)


def test_fixed_form_is_given_in_order(bank):
    form = (17, 3, 88, 40)
    responses, step = _run(bank, CatConfig(mode="fixed", fixed_form=form), answer=lambda item: 1)
    assert [i for i, _ in responses] == list(form)
    assert step.reason == "form_complete"
    assert all(r.reason == "fixed_form" and r.stopped for r in step.dimensions)
    capped, _ = _run(
        bank, CatConfig(mode="fixed", fixed_form=form, max_total=2), answer=lambda item: 1
    )
    assert [i for i, _ in capped] == [17, 3]


def test_same_state_and_seed_give_the_same_item(bank):
    config = CatConfig(randomesque=5)
    responses = [(0, 1), (1, 0), (2, 1)]
    first = cat_next(bank, responses, config, rng=42)
    assert all(cat_next(bank, responses, config, rng=42).item == first.item for _ in range(5))


def test_randomesque_spreads_exposure_over_the_best_items(bank):
    config = CatConfig(randomesque=5, selection="posterior")
    chosen = {cat_next(bank, [], config, rng=seed).item for seed in range(60)}
    dim = bank.dimension[next(iter(chosen))]
    pool = np.flatnonzero(bank.dimension == dim)
    result = score(bank, [])[dim]
    info = bank.information_table[pool] @ _prior_weights()
    best_five = set(pool[np.argsort(-info)[:5]])
    assert chosen == best_five
    assert result.n_items == 0


def _prior_weights():
    from efs.psychometrics.bank import DEFAULT_GRID

    w = np.exp(-0.5 * DEFAULT_GRID**2)
    return w / w.sum()


def test_sympson_hetter_gives_an_item_with_the_given_probability():
    n = 10
    bank = ItemBank.from_arrays(
        ids=[f"q{i}" for i in range(n)],
        dimension=[0] * n,
        model=[TWO_PL] * n,
        a=[3.0] + [0.5] * (n - 1),
        steps=np.zeros((n, 1)),
        exposure=[0.3] + [1.0] * (n - 1),
    )
    chosen = [cat_next(bank, [], CatConfig(), rng=seed).item for seed in range(1000)]
    share = chosen.count(0) / len(chosen)
    # Binomial(1000, 0.3): SD 0.0145, so +-0.06 is over 4 SD.
    assert abs(share - 0.3) < 0.06
    never = ItemBank.from_arrays(
        ids=bank.ids,
        dimension=bank.dimension,
        model=bank.model,
        a=bank.a,
        steps=bank.steps,
        exposure=[1e-12] + [1.0] * (n - 1),
    )
    assert all(cat_next(never, [], CatConfig(), rng=seed).item != 0 for seed in range(50))
    assert cat_next(never, [], CatConfig(sympson_hetter=False), rng=0).item == 0


def test_correlation_lets_evidence_on_one_competency_decide_another():
    bank = simulate_bank(200, 2, np.random.default_rng(3))
    config_indep = CatConfig(dimensions=[0])
    config_corr = CatConfig(dimensions=[0], correlation=equicorrelation(2, 0.9))
    responses = [(int(i), 1) for i in np.flatnonzero(bank.dimension == 0)[:12]]
    indep = score(bank, responses, config_indep)[1]
    corr = score(bank, responses, config_corr)[1]
    assert indep.n_items == corr.n_items == 0
    assert abs(indep.theta) < 1e-6
    assert corr.theta > 1.0
    assert corr.p_deficit < indep.p_deficit
    assert cat_next(bank, responses, config_corr, rng=0).dimensions[1].reason == "not_tested"


def test_excluded_and_answered_items_are_never_chosen(bank):
    dim0 = np.flatnonzero(bank.dimension == 0)
    exclude = dim0[:-1]
    step = cat_next(bank, [(int(dim0[-1]), 1)], CatConfig(), rng=0, exclude=exclude)
    assert bank.dimension[step.item] != 0
    assert step.dimensions[0].reason == "exhausted"


@pytest.mark.parametrize(
    ("responses", "message"),
    [
        ([(0, 1), (0, 0)], "twice"),
        ([(999, 1)], "out of range"),
        ([(0, 5)], "score out of range"),
        ([(0.5, 1)], "integers"),
    ],
)
def test_invalid_responses_are_rejected(bank, responses, message):
    with pytest.raises(ValueError, match=message):
        cat_next(bank, responses, CatConfig(), rng=0)


def test_unknown_dimension_or_cut_count_is_rejected(bank):
    with pytest.raises(ValueError, match="dimensions must be"):
        cat_next(bank, [], CatConfig(dimensions=[7]), rng=0)
    with pytest.raises(ValueError, match="cuts need"):
        score(bank, [], CatConfig(cuts=[0.0]))


def test_indices_outside_the_bank_and_negative_seeds_are_rejected(bank):
    with pytest.raises(ValueError, match="exclude holds"):
        cat_next(bank, [], CatConfig(), rng=0, exclude=[500])
    with pytest.raises(ValueError, match="fixed_form holds"):
        cat_next(bank, [], CatConfig(mode="fixed", fixed_form=[1, 500]), rng=0)
    with pytest.raises(ValueError, match="non-negative"):
        cat_next(bank, [], CatConfig(), rng=-1)


def test_invalid_configuration_is_rejected():
    with pytest.raises(ValueError, match="fixed_form"):
        CatConfig(mode="fixed")
    with pytest.raises(ValueError, match="deficit_threshold"):
        CatConfig(deficit_threshold=0.4)


@settings(max_examples=30, deadline=None)
@given(
    answers=st.lists(st.integers(0, 1), min_size=0, max_size=30),
    seed=st.integers(0, 10_000),
    k=st.integers(1, 4),
)
def test_every_step_is_consistent(bank, answers, seed, k):
    config = CatConfig(randomesque=k, correlation=equicorrelation(4, 0.5), max_total=40)
    responses = []
    for answer in answers:
        step = cat_next(bank, responses, config, rng=seed)
        if step.item is None:
            break
        assert step.item not in {i for i, _ in responses}
        responses.append((step.item, answer))
    for result in score(bank, responses, config):
        assert 0.0 <= result.p_deficit <= 1.0
        assert result.se > 0.0
        expected = (
            "deficit"
            if result.p_deficit >= 0.95
            else "no_deficit"
            if result.p_deficit <= 0.05
            else "uncertain"
        )
        assert result.decision == expected
