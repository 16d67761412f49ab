import json

import numpy as np
import pytest

from efs.cli import main as efs_main
from efs.psychometrics.cli import main
from efs.psychometrics.simulation import (
    equicorrelation,
    simulate_abilities,
    simulate_bank,
    simulate_dense,
    simulate_sparse,
)


@pytest.fixture(scope="module")
def truth():
    rng = np.random.default_rng(8)
    bank = simulate_bank(24, 2, rng)
    theta = simulate_abilities(2500, equicorrelation(2, 0.6), rng)
    return bank, theta, rng


def _write_long(path, bank, data):
    lines = ["person,item,score"]
    lines += [
        f"p{p},{bank.ids[i]},{s}"
        for p, i, s in zip(data.person, data.item, data.score, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n")


def _write_wide(path, bank, scores):
    lines = ["person," + ",".join(bank.ids)]
    lines += [f"s{k}," + ",".join(map(str, row)) for k, row in enumerate(scores)]
    path.write_text("\n".join(lines) + "\n")


def test_calibrate_then_simulate_adaptive_tests_end_to_end(tmp_path, truth, capsys):
    bank, theta, rng = truth
    _write_long(tmp_path / "long.csv", bank, simulate_sparse(bank, theta, 12, rng))
    (tmp_path / "items.csv").write_text(
        "item,dimension\n"
        + "".join(
            f"{i},{bank.dimension_ids[d]}\n" for i, d in zip(bank.ids, bank.dimension, strict=True)
        )
    )
    code = efs_main(
        [
            "efs",
            "psychometrics",
            "calibrate",
            "--responses",
            str(tmp_path / "long.csv"),
            "--dimensions",
            str(tmp_path / "items.csv"),
            "--model",
            "2PL",
            "--out",
            str(tmp_path / "bank.json"),
        ]
    )
    assert code == 0
    assert "[100.0%] calibration finished" in capsys.readouterr().err
    fitted = json.loads((tmp_path / "bank.json").read_text())
    assert fitted["calibration"]["converged"] is True
    assert fitted["calibration"]["n_quadpts"] == 41
    assert len(fitted["items"]) == 24
    assert sorted(d["id"] for d in fitted["dimensions"]) == ["D00", "D01"]
    assert abs(fitted["correlation"][0][1] - 0.6) < 0.15
    by_id = {item["id"]: item for item in fitted["items"]}
    slopes = np.array([by_id[i]["a"] for i in bank.ids])
    assert np.sqrt(np.mean((slopes - bank.a) ** 2)) < 0.2
    assert all(0.0 < item["p_value"] < 1.0 and item["infit"] > 0 for item in fitted["items"])

    simulees = simulate_dense(bank, theta[:20], rng)
    _write_wide(tmp_path / "wide.csv", bank, simulees)
    code = main(
        [
            "cat-sim",
            "--bank",
            str(tmp_path / "bank.json"),
            "--responses",
            str(tmp_path / "wide.csv"),
            "--max-items",
            "10",
            "--out",
            str(tmp_path / "decisions.jsonl"),
        ]
    )
    assert code == 0
    lines = [json.loads(line) for line in (tmp_path / "decisions.jsonl").read_text().splitlines()]
    assert [line["person"] for line in lines] == [f"s{k}" for k in range(20)]
    for line in lines:
        assert 1 <= len(line["items"]) <= 10
        assert len(set(line["items"])) == len(line["items"])
        assert set(line["decisions"]) == {"D00", "D01"}
        for decision in line["decisions"].values():
            assert isinstance(decision["deficit"], bool)
            assert 0.5 <= decision["confidence"] <= 1.0
            assert decision["se"] > 0
            assert decision["decision"] in {"deficit", "uncertain", "no_deficit"}


def test_cat_sim_reads_only_the_selected_responses(tmp_path, truth):
    bank, theta, rng = truth
    (tmp_path / "bank.json").write_text(json.dumps(bank.to_json()))
    scores = simulate_dense(bank, theta[:5], rng)
    _write_wide(tmp_path / "wide.csv", bank, scores)
    args = ["cat-sim", "--bank", str(tmp_path / "bank.json"), "--max-items", "6", "--seed", "3"]
    assert (
        main([*args, "--responses", str(tmp_path / "wide.csv"), "--out", str(tmp_path / "a.jsonl")])
        == 0
    )
    first = [json.loads(x) for x in (tmp_path / "a.jsonl").read_text().splitlines()]
    # Change every response the test did not select: the outcome must not change.
    altered = scores.copy()
    for k, line in enumerate(first):
        selected = [bank.index[i] for i in line["items"]]
        mask = np.ones(bank.n_items, dtype=bool)
        mask[selected] = False
        altered[k, mask] = 1 - altered[k, mask]
    _write_wide(tmp_path / "wide2.csv", bank, altered)
    assert (
        main(
            [*args, "--responses", str(tmp_path / "wide2.csv"), "--out", str(tmp_path / "b.jsonl")]
        )
        == 0
    )
    assert (tmp_path / "a.jsonl").read_text() == (tmp_path / "b.jsonl").read_text()


def test_cat_sim_fixed_form(tmp_path, truth):
    bank, theta, rng = truth
    (tmp_path / "bank.json").write_text(json.dumps(bank.to_json()))
    _write_wide(tmp_path / "wide.csv", bank, simulate_dense(bank, theta[:3], rng))
    form = [bank.ids[5], bank.ids[2], bank.ids[9]]
    code = main(
        [
            "cat-sim",
            "--bank",
            str(tmp_path / "bank.json"),
            "--responses",
            str(tmp_path / "wide.csv"),
            "--max-items",
            "10",
            "--fixed-form",
            ",".join(form),
            "--out",
            str(tmp_path / "d.jsonl"),
        ]
    )
    assert code == 0
    assert all(
        json.loads(x)["items"] == form for x in (tmp_path / "d.jsonl").read_text().splitlines()
    )


def _bank_file(tmp_path):
    path = tmp_path / "bank.json"
    path.write_text(
        json.dumps(
            {
                "dimensions": [{"id": "A", "cut": 0.0}],
                "items": [
                    {"id": "q1", "dimension": "A", "model": "2PL", "a": 1.0, "b": 0.0},
                    {"id": "q2", "dimension": "A", "model": "2PL", "a": 1.2, "b": 0.5},
                ],
            }
        )
    )
    return path


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("person,item\np1,q1\n", "missing column(s) score"),
        ("person,item,score\np1,q1,yes\n", "is not an integer"),
        ("person,item,score\np1,q1,-1\n", "non-negative"),
        ("person,item,score\np1,q1,1\np1,q1,0\n", "twice"),
        ("person,item,score\np1,q1,2\n", "needs scores 0/1"),
        ("person,item,score\n", "no responses"),
        ("person,item,score\np1,q1\n", "too few fields"),
    ],
)
def test_calibrate_rejects_malformed_responses(tmp_path, capsys, content, message):
    (tmp_path / "long.csv").write_text(content)
    out = tmp_path / "bank.json"
    assert main(["calibrate", "--responses", str(tmp_path / "long.csv"), "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_calibrate_rejects_items_missing_from_the_dimensions_file(tmp_path, capsys):
    (tmp_path / "long.csv").write_text("person,item,score\np1,q1,1\np1,q9,0\n")
    (tmp_path / "items.csv").write_text("item,dimension\nq1,A\n")
    out = tmp_path / "bank.json"
    code = main(
        [
            "calibrate",
            "--responses",
            str(tmp_path / "long.csv"),
            "--dimensions",
            str(tmp_path / "items.csv"),
            "--out",
            str(out),
        ]
    )
    assert code == 2
    assert "'q9' is not in" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id,q1\np1,1\n", "missing column(s) person"),
        ("person,q1,q7\np1,1,0\n", "'q7' is not an item of the bank"),
        ("person,q1,q2\np1,1,x\n", "is not an integer"),
        ("person,q1,q2\np1,1,3\n", "out of range"),
        ("person,q1,q2\np1,1\n", "2 fields, header has 3"),
    ],
)
def test_cat_sim_rejects_malformed_responses(tmp_path, capsys, content, message):
    (tmp_path / "wide.csv").write_text(content)
    out = tmp_path / "d.jsonl"
    code = main(
        [
            "cat-sim",
            "--bank",
            str(_bank_file(tmp_path)),
            "--responses",
            str(tmp_path / "wide.csv"),
            "--max-items",
            "5",
            "--out",
            str(out),
        ]
    )
    assert code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "not valid JSON"), ('{"items": []}', "no items"), ("[]", "'items' list")],
)
def test_cat_sim_rejects_malformed_banks(tmp_path, capsys, content, message):
    (tmp_path / "bank.json").write_text(content)
    (tmp_path / "wide.csv").write_text("person,q1\np1,1\n")
    out = tmp_path / "d.jsonl"
    code = main(
        [
            "cat-sim",
            "--bank",
            str(tmp_path / "bank.json"),
            "--responses",
            str(tmp_path / "wide.csv"),
            "--max-items",
            "5",
            "--out",
            str(out),
        ]
    )
    assert code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_missing_file_is_reported(tmp_path, capsys):
    code = main(
        ["calibrate", "--responses", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "b.json")]
    )
    assert code == 2
    assert "cannot read" in capsys.readouterr().err


def test_anchors_keep_their_parameters(tmp_path, truth):
    bank, theta, rng = truth
    _write_long(tmp_path / "long.csv", bank, simulate_sparse(bank, theta, 12, rng))
    anchor = {
        "items": [{"id": bank.ids[0], "dimension": "x", "model": "2PL", "a": 1.234, "b": -0.567}]
    }
    (tmp_path / "anchors.json").write_text(json.dumps(anchor))
    code = main(
        [
            "calibrate",
            "--responses",
            str(tmp_path / "long.csv"),
            "--anchors",
            str(tmp_path / "anchors.json"),
            "--out",
            str(tmp_path / "bank.json"),
            "--quiet",
        ]
    )
    assert code == 0
    fitted = {i["id"]: i for i in json.loads((tmp_path / "bank.json").read_text())["items"]}
    assert fitted[bank.ids[0]]["a"] == 1.234
    assert fitted[bank.ids[0]]["b"] == -0.567
    assert fitted[bank.ids[0]]["anchor"] is True
    assert fitted[bank.ids[1]]["anchor"] is False


def test_calibrate_partial_credit_items(tmp_path):
    rng = np.random.default_rng(12)
    bank = simulate_bank(6, 1, rng, share_gpcm=1.0, gpcm_steps=2)
    theta = simulate_abilities(1500, np.eye(1), rng)
    _write_long(tmp_path / "long.csv", bank, simulate_sparse(bank, theta, 6, rng))
    code = main(
        [
            "calibrate",
            "--responses",
            str(tmp_path / "long.csv"),
            "--model",
            "gpcm",
            "--out",
            str(tmp_path / "bank.json"),
            "--quiet",
        ]
    )
    assert code == 0
    fitted = json.loads((tmp_path / "bank.json").read_text())
    assert {item["model"] for item in fitted["items"]} == {"GPCM"}
    assert all(len(item["steps"]) == 2 for item in fitted["items"])
    assert fitted["calibration"]["converged"] is True


def test_duplicate_response_names_the_repeated_line(tmp_path, capsys):
    (tmp_path / "long.csv").write_text("person,item,score\np1,q1,1\np2,q1,0\np1,q2,1\np2,q1,1\n")
    code = main(
        ["calibrate", "--responses", str(tmp_path / "long.csv"), "--out", str(tmp_path / "b.json")]
    )
    assert code == 2
    assert ":5: person 'p2' answered 'q1' twice" in capsys.readouterr().err
