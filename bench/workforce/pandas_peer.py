"""The base workforce model written the plain pandas way (the benchmark's peer).

    .venv/bin/python bench/workforce/pandas_peer.py --staff S --demand D --flows F --years N --out O

Holdings are kept grouped by (unit, subject, age); each year the leave rate is mapped
by age, leavers are summed with a group-by, everybody ages, the year's entrants are
appended and the stock is re-grouped. Demand is pivoted to cells × years and
forward-filled. Same output format as ``efs workforce project``. No validation: the
peer assumes the engine already accepted the files.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd


def rate_of_age(bands: list[dict[str, float]], max_age: int) -> pd.Series:
    rates = pd.Series(1.0, index=pd.RangeIndex(max_age + 1))
    for band in bands:
        rates.loc[int(band["from_age"]) : int(band["to_age"])] = float(band["rate"])
    return rates


def project(staff: pd.DataFrame, demand: pd.DataFrame, flows: dict, years: int) -> pd.DataFrame:
    base = int(flows["base_year"])
    keys = ["unit", "subject"]
    entrants = pd.DataFrame(flows["entrants"], columns=["unit", "subject", "year", "age", "fte"])
    cells = (
        pd.concat([staff[keys], demand[keys], entrants[keys]])
        .drop_duplicates()
        .sort_values(keys)
        .set_index(keys)
        .index
    )
    rates = rate_of_age(flows["leave_rate"], 100 + years + 1)
    stock = staff.groupby(keys + ["age"], as_index=False)["fte"].sum()
    frames = []
    for year in range(base + 1, base + years + 1):
        stock["leaving"] = stock["fte"] * stock["age"].map(rates)
        stock["fte"] = stock["fte"] - stock["leaving"]
        stock["age"] = stock["age"] + 1
        leavers = stock.groupby(keys)["leaving"].sum()
        joining = entrants[entrants["year"] == year]
        entered = joining.groupby(keys)["fte"].sum()
        stock = pd.concat([stock[keys + ["age", "fte"]], joining[keys + ["age", "fte"]]])
        stock = stock.groupby(keys + ["age"], as_index=False)["fte"].sum()
        supply = stock.groupby(keys)["fte"].sum()
        frame = pd.DataFrame(
            {
                "supply_fte": supply.reindex(cells, fill_value=0.0),
                "leavers_fte": leavers.reindex(cells, fill_value=0.0),
                "entrants_fte": entered.reindex(cells, fill_value=0.0),
            }
        )
        frame["year"] = year
        frames.append(frame)
    result = pd.concat(frames).reset_index()

    # Demand: a row before the horizon acts from its first year; the last earlier value holds.
    wanted = demand.sort_values("year", kind="stable")
    wanted["year"] = wanted["year"].clip(lower=base + 1)
    wanted = wanted.drop_duplicates(keys + ["year"], keep="last")
    table = wanted.pivot(index=keys, columns="year", values="fte")
    # Years after the horizon are dropped (they never act); forward-fill, then 0 before
    # a cell's first row.
    table = table.reindex(index=cells, columns=range(base + 1, base + years + 1))
    table = table.ffill(axis=1).fillna(0.0)
    long = table.stack().rename("demand_fte").reset_index().rename(columns={"level_2": "year"})
    long.columns = ["unit", "subject", "year", "demand_fte"]
    result = result.merge(long, on=["unit", "subject", "year"], how="left")
    result["gap_fte"] = result["demand_fte"] - result["supply_fte"]
    columns = [
        "unit",
        "subject",
        "year",
        "supply_fte",
        "demand_fte",
        "gap_fte",
        "leavers_fte",
        "entrants_fte",
    ]
    return result.sort_values(["unit", "subject", "year"])[columns]


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("staff", "demand", "flows", "out"):
        parser.add_argument(f"--{name}", required=True, type=Path)
    parser.add_argument("--years", required=True, type=int)
    args = parser.parse_args()
    staff = pd.read_csv(
        args.staff, dtype={"unit": str, "subject": str, "age": np.int64, "fte": np.float64}
    )
    demand = pd.read_csv(
        args.demand, dtype={"unit": str, "subject": str, "year": np.int64, "fte": np.float64}
    )
    flows = json.loads(args.flows.read_text(encoding="utf-8"))
    result = project(staff, demand, flows, args.years)
    cells = result.to_dict("records")
    for cell in cells:
        cell["year"] = int(cell["year"])
    args.out.write_text(json.dumps({"cells": cells}, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
