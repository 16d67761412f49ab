"""The item bank: item parameters, dimensions (competencies) and their cuts.

JSON format (read by :meth:`ItemBank.from_json`, written by :meth:`ItemBank.to_json`)::

    {"dimensions": [{"id": "A01", "cut": -0.2}, ...],
     "correlation": [[1.0, 0.6, ...], ...],            # optional, D x D
     "items": [{"id": "q1", "dimension": "A01", "model": "2PL", "a": 1.2, "b": 0.3},
               {"id": "q2", "dimension": "A01", "model": "3PL", "a": 1.0, "b": 0.1,
                "c": 0.2, "exposure": 0.8},
               {"id": "q3", "dimension": "A01", "model": "GPCM", "a": 0.9,
                "steps": [-0.5, 0.4]}]}

``dimensions`` may be omitted (then they are taken from the items, cut 0);
``exposure`` is the Sympson–Hetter administration probability (default 1).
Keys not listed here are ignored on reading.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, cast

import numpy as np

from efs.psychometrics.models import (
    GPCM,
    MODEL_NAMES,
    THREE_PL,
    FloatArray,
    IntArray,
    information,
    log_probabilities,
    model_code,
    n_categories,
)

DEFAULT_GRID = np.linspace(-6.0, 6.0, 121)


class BankFormatError(ValueError):
    """The bank description is malformed."""


@dataclass(frozen=True, eq=False)
class ItemBank:
    """Immutable arrays describing every item; index ``i`` is the item's position.

    The lookup tables on :data:`DEFAULT_GRID` (``log_prob_table``,
    ``information_table``) are computed once per bank object, so keep one bank
    object per process and reuse it across requests.
    """

    ids: tuple[str, ...]
    dimension: IntArray
    dimension_ids: tuple[str, ...]
    cuts: FloatArray
    model: IntArray
    a: FloatArray
    c: FloatArray
    steps: FloatArray
    exposure: FloatArray
    correlation: FloatArray | None = None
    index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {item_id: i for i, item_id in enumerate(self.ids)})
        n = len(self.ids)
        if len(self.index) != n:
            raise BankFormatError("item ids must be unique")
        for name in ("dimension", "model", "a", "c", "exposure"):
            if getattr(self, name).shape != (n,):
                raise BankFormatError(f"{name} must have one entry per item")
        if self.steps.ndim != 2 or self.steps.shape[0] != n:
            raise BankFormatError("steps must be an (n_items, max_steps) array")
        if self.cuts.shape != (len(self.dimension_ids),):
            raise BankFormatError("cuts must have one entry per dimension")
        if n and (self.dimension.min() < 0 or self.dimension.max() >= len(self.dimension_ids)):
            raise BankFormatError("item dimension index out of range")
        if self.correlation is not None:
            d = len(self.dimension_ids)
            if self.correlation.shape != (d, d):
                raise BankFormatError("correlation must be a D x D matrix")

    @property
    def n_items(self) -> int:
        return len(self.ids)

    @property
    def n_dimensions(self) -> int:
        return len(self.dimension_ids)

    @property
    def b(self) -> FloatArray:
        """Item location: the difficulty of dichotomous items, the mean step of GPCM items."""
        return cast(FloatArray, np.nanmean(self.steps, axis=1))

    @cached_property
    def n_categories(self) -> IntArray:
        return n_categories(self.steps)

    @cached_property
    def log_prob_table(self) -> FloatArray:
        """``log P(X = k | θ_q)`` on :data:`DEFAULT_GRID`, shape (J, K, Q)."""
        return log_probabilities(self.model, self.a, self.c, self.steps, DEFAULT_GRID)

    @cached_property
    def information_table(self) -> FloatArray:
        """Fisher information on :data:`DEFAULT_GRID`, shape (J, Q)."""
        return information(self.model, self.a, self.c, self.steps, DEFAULT_GRID)

    @cached_property
    def items_by_dimension(self) -> tuple[IntArray, ...]:
        return tuple(np.flatnonzero(self.dimension == d) for d in range(self.n_dimensions))

    @classmethod
    def from_arrays(
        cls,
        *,
        ids: Sequence[str],
        dimension: Sequence[int] | IntArray,
        model: Sequence[int] | IntArray,
        a: Sequence[float] | FloatArray,
        steps: FloatArray,
        c: Sequence[float] | FloatArray | None = None,
        dimension_ids: Sequence[str] | None = None,
        cuts: Sequence[float] | FloatArray | None = None,
        exposure: Sequence[float] | FloatArray | None = None,
        correlation: FloatArray | None = None,
    ) -> ItemBank:
        """Build a bank from plain arrays (``steps`` NaN-padded, shape (J, max_steps))."""
        dim = np.asarray(dimension, dtype=np.int64)
        n = len(ids)
        n_dims = (int(dim.max()) + 1 if n else 0) if dimension_ids is None else len(dimension_ids)
        return cls(
            ids=tuple(str(i) for i in ids),
            dimension=dim,
            dimension_ids=tuple(
                str(d) for d in (range(n_dims) if dimension_ids is None else dimension_ids)
            ),
            cuts=np.zeros(n_dims) if cuts is None else np.asarray(cuts, dtype=np.float64),
            model=np.asarray(model, dtype=np.int64),
            a=np.asarray(a, dtype=np.float64),
            c=np.zeros(n) if c is None else np.asarray(c, dtype=np.float64),
            steps=np.asarray(steps, dtype=np.float64).reshape(n, -1),
            exposure=np.ones(n) if exposure is None else np.asarray(exposure, dtype=np.float64),
            correlation=None if correlation is None else np.asarray(correlation, dtype=float),
        )

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ItemBank:
        """Read the JSON bank format (see the module docstring); raises BankFormatError."""
        if not isinstance(data, Mapping) or not isinstance(data.get("items"), list):
            raise BankFormatError("bank must be an object with an 'items' list")
        items = data["items"]
        if not items:
            raise BankFormatError("bank has no items")
        dimension_ids, cuts = _json_dimensions(data.get("dimensions"), items)
        dim_index = {d: k for k, d in enumerate(dimension_ids)}
        if len(dim_index) != len(dimension_ids):
            raise BankFormatError("dimension ids must be unique")

        ids: list[str] = []
        dims: list[int] = []
        models: list[int] = []
        slopes: list[float] = []
        guess: list[float] = []
        exposure: list[float] = []
        step_rows: list[list[float]] = []
        for k, item in enumerate(items):
            item_id, dim_id, code, a, c, e, row = _json_item(k, item, dim_index)
            ids.append(item_id)
            dims.append(dim_index[dim_id])
            models.append(code)
            slopes.append(a)
            guess.append(c)
            exposure.append(e)
            step_rows.append(row)
        width = max(len(r) for r in step_rows)
        steps = np.full((len(ids), width), np.nan)
        for k, row in enumerate(step_rows):
            steps[k, : len(row)] = row
        correlation = None
        if data.get("correlation") is not None:
            try:
                correlation = np.asarray(data["correlation"], dtype=np.float64)
            except (TypeError, ValueError):
                raise BankFormatError("'correlation' must be a numeric matrix") from None
        if len(set(ids)) != len(ids):
            raise BankFormatError("item ids must be unique")
        return cls.from_arrays(
            ids=ids,
            dimension=dims,
            model=models,
            a=slopes,
            c=guess,
            steps=steps,
            dimension_ids=dimension_ids,
            cuts=cuts,
            exposure=exposure,
            correlation=correlation,
        )

    def to_json(self) -> dict[str, Any]:
        """The JSON bank format; inverse of :meth:`from_json`."""
        items: list[dict[str, Any]] = []
        for i, item_id in enumerate(self.ids):
            code = int(self.model[i])
            row = self.steps[i][~np.isnan(self.steps[i])]
            item: dict[str, Any] = {
                "id": item_id,
                "dimension": self.dimension_ids[int(self.dimension[i])],
                "model": MODEL_NAMES[code],
                "a": float(self.a[i]),
                "b": float(np.mean(row)),
            }
            if code == THREE_PL:
                item["c"] = float(self.c[i])
            if code == GPCM:
                item["steps"] = [float(s) for s in row]
            if self.exposure[i] < 1.0:
                item["exposure"] = float(self.exposure[i])
            items.append(item)
        out: dict[str, Any] = {
            "dimensions": [
                {"id": d, "cut": float(cut)}
                for d, cut in zip(self.dimension_ids, self.cuts, strict=True)
            ],
            "items": items,
        }
        if self.correlation is not None:
            out["correlation"] = self.correlation.tolist()
        return out


def _json_dimensions(dims_raw: object, items: list[Any]) -> tuple[list[str], list[float]]:
    """Dimension ids and cuts of the JSON bank: listed, or else in the order the items name them."""
    dimension_ids: list[str] = []
    cuts: list[float] = []
    if dims_raw is None:
        for item in items:
            if (
                isinstance(item, Mapping)
                and str(item.get("dimension", "")) not in dimension_ids
            ):
                dimension_ids.append(str(item.get("dimension", "")))
        cuts = [0.0] * len(dimension_ids)
    else:
        if not isinstance(dims_raw, list):
            raise BankFormatError("'dimensions' must be a list")
        for k, dim in enumerate(dims_raw):
            if not isinstance(dim, Mapping) or "id" not in dim:
                raise BankFormatError(f"dimension #{k} must be an object with an 'id'")
            dimension_ids.append(str(dim["id"]))
            cuts.append(_number(dim.get("cut", 0.0), f"cut of dimension {dim['id']!r}"))
    return dimension_ids, cuts


def _json_item(
    k: int, item: object, dim_index: Mapping[str, int]
) -> tuple[str, str, int, float, float, float, list[float]]:
    """One item of the JSON bank: (id, dimension id, model code, a, c, exposure, step row)."""
    if not isinstance(item, Mapping) or "id" not in item:
        raise BankFormatError(f"item #{k} must be an object with an 'id'")
    item_id = str(item["id"])
    where = f"item {item_id!r}"
    dim_id = str(item.get("dimension", ""))
    if dim_id not in dim_index:
        raise BankFormatError(f"{where}: unknown dimension {dim_id!r}")
    try:
        code = model_code(str(item.get("model", "2PL")))
    except ValueError as exc:
        raise BankFormatError(f"{where}: {exc}") from None
    a = _number(item.get("a"), f"{where}: a")
    c = 0.0
    if code == GPCM:
        raw_steps = item.get("steps")
        if not isinstance(raw_steps, list) or not raw_steps:
            raise BankFormatError(f"{where}: a GPCM item needs a non-empty 'steps' list")
        row = [_number(s, f"{where}: step") for s in raw_steps]
    else:
        row = [_number(item.get("b"), f"{where}: b")]
        if code == THREE_PL:
            c = _number(item.get("c", 0.0), f"{where}: c")
            if not 0.0 <= c < 1.0:
                raise BankFormatError(f"{where}: c must be in [0, 1)")
    e = _number(item.get("exposure", 1.0), f"{where}: exposure")
    if not 0.0 < e <= 1.0:
        raise BankFormatError(f"{where}: exposure must be in (0, 1]")
    return item_id, dim_id, code, a, c, e, row


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise BankFormatError(f"{what} must be a number, got {value!r}")
    try:
        number = float(value)
    except ValueError:
        raise BankFormatError(f"{what} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise BankFormatError(f"{what} must be finite")
    return number
