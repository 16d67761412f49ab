import numpy as np
import pytest

from efs.psychometrics.bank import BankFormatError, ItemBank

BANK = {
    "dimensions": [{"id": "A01", "cut": -0.2}, {"id": "A02", "cut": 0.1}],
    "correlation": [[1.0, 0.6], [0.6, 1.0]],
    "items": [
        {"id": "q1", "dimension": "A01", "model": "2PL", "a": 1.2, "b": 0.3},
        {
            "id": "q2",
            "dimension": "A02",
            "model": "3PL",
            "a": 1.0,
            "b": 0.1,
            "c": 0.2,
            "exposure": 0.8,
        },
        {"id": "q3", "dimension": "A01", "model": "GPCM", "a": 0.9, "steps": [-0.5, 0.4]},
    ],
}


def test_bank_json_round_trip():
    bank = ItemBank.from_json(BANK)
    assert bank.ids == ("q1", "q2", "q3")
    assert bank.dimension_ids == ("A01", "A02")
    np.testing.assert_array_equal(bank.dimension, [0, 1, 0])
    np.testing.assert_array_equal(bank.n_categories, [2, 2, 3])
    np.testing.assert_allclose(bank.cuts, [-0.2, 0.1])
    np.testing.assert_allclose(bank.b, [0.3, 0.1, -0.05])
    np.testing.assert_allclose(bank.exposure, [1.0, 0.8, 1.0])
    again = ItemBank.from_json(bank.to_json())
    for name in ("a", "c", "steps", "cuts", "exposure", "correlation"):
        np.testing.assert_allclose(getattr(again, name), getattr(bank, name))
    assert again.to_json() == bank.to_json()


def test_dimensions_default_to_the_items_with_cut_zero():
    bank = ItemBank.from_json({"items": BANK["items"]})
    assert bank.dimension_ids == ("A01", "A02")
    np.testing.assert_array_equal(bank.cuts, [0.0, 0.0])
    assert bank.correlation is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"items": []}, "no items"),
        ({"items": [{"id": "x", "dimension": "Z", "a": 1, "b": 0}]}, "unknown dimension"),
        ({"items": [{"id": "x", "dimension": "A01", "a": "high", "b": 0}]}, "must be a number"),
        ({"items": [{"id": "x", "dimension": "A01", "a": 1}]}, "b must be a number"),
        (
            {"items": [{"id": "x", "dimension": "A01", "model": "4PL", "a": 1, "b": 0}]},
            "unknown IRT model",
        ),
        (
            {"items": [{"id": "x", "dimension": "A01", "model": "3PL", "a": 1, "b": 0, "c": 1.5}]},
            "c must be",
        ),
        ({"items": [{"id": "x", "dimension": "A01", "model": "GPCM", "a": 1}]}, "steps"),
        ({"items": [BANK["items"][0], BANK["items"][0]]}, "unique"),
        ({"correlation": [[1.0]]}, "D x D"),
    ],
)
def test_malformed_banks_are_rejected(change, message):
    with pytest.raises(BankFormatError, match=message):
        ItemBank.from_json({**BANK, **change})
