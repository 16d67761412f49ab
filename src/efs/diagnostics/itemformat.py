"""Item content, keys and scoring: every item type is scored automatically.

Pure Python (no Django), shared by the bank loader, the import service, the test
runner and ``scripts/check_bank.py``. An item is a JSON object::

    {"code": "T-NP-001", "competency": "T.NP", "audience": "teacher",
     "kind": "single" | "multiple" | "matching" | "ordering" | "numeric" | "case",
     "stem": "…",
     "options": [{"id": "a", "text": "…"}, …],        # single, multiple, ordering, case
     "left": [{"id": "1", "text": "…"}, …],            # matching: what is matched …
     "right": [{"id": "a", "text": "…"}, …],           # … to one of these
     "unit": "…",                                       # numeric, optional
     "key": …,                                          # see KEY FORMATS
     "irt": {"model": "2PL", "a": 1.0, "b": 0.0}  or  {"model": "GPCM", "a": 1.0, "steps": [-0.5, 0.5]},
     "source": "…", "rationale": "…"}

KEY FORMATS and SCORING (max score in brackets):
- single   [1]: "b" — 1 if the chosen option is the key.
- multiple [2]: ["a", "c"] — 2 if exactly the keyed set; 1 if one error (one keyed option
  missed or one extra chosen); else 0.
- matching [2]: {"1": "b", "2": "a", …} — every left id mapped to one right id (right ids
  may be unused, never repeated in the key); 2 if all pairs right, 1 if at most two
  pairs wrong and at least three pairs in the item, else 0.
- ordering [2]: ["c", "a", "d", "b"] — 2 if the order is exact, 1 if one swap of
  neighbours away, else 0.
- numeric  [1]: {"value": 12.5, "tolerance": 0.05} — 1 if |answer − value| ≤ tolerance.
- case     [2]: {"a": 2, "b": 1, "c": 0, "d": 0} — a situational-judgement item: the
  person picks one option and gets its credit (0, 1 or 2; at least one option has 2).

ANSWER FORMATS (what a client sends): single and case: "b"; multiple: ["a", "c"];
matching: {"1": "b", "2": "a"}; ordering: ["c", "a", "d", "b"]; numeric: "12,5" or 12.5.
A malformed answer raises :class:`AnswerError` with a stable code.

Dichotomous items use 2PL (or 3PL); items worth 2 points use GPCM with two steps.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

KINDS = ("single", "multiple", "matching", "ordering", "numeric", "case")
MAX_SCORE = {"single": 1, "multiple": 2, "matching": 2, "ordering": 2, "numeric": 1, "case": 2}
AUDIENCES = ("teacher", "manager", "student")
BLOCKS = ("subject", "methodological", "psych_pedagogical", "communicative", "legal", "digital", "managerial")


class AnswerError(ValueError):
    """The answer does not fit the item. `code` is stable; the web layer shows its
    translated message (``efs.diagnostics.messages.ANSWER_ERRORS``)."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class ItemFormatError(ValueError):
    """The item itself is malformed (a bank or import problem)."""


# ---------------------------------------------------------------- answers


def _option_ids(item: Mapping[str, Any], field: str = "options") -> list[str]:
    return [str(o["id"]) for o in item.get(field, [])]


def normalize_answer(item: Mapping[str, Any], answer: Any) -> Any:
    """The answer in canonical form, or AnswerError. Does not score."""
    kind = item["kind"]
    if kind in ("single", "case"):
        if not isinstance(answer, str) or answer not in _option_ids(item):
            raise AnswerError("choose_one")
        return answer
    if kind == "multiple":
        return _normalize_multiple(item, answer)
    if kind == "matching":
        return _normalize_matching(item, answer)
    if kind == "ordering":
        ids = _option_ids(item)
        if not isinstance(answer, list) or sorted(map(str, answer)) != sorted(ids):
            raise AnswerError("order_all")
        return [str(a) for a in answer]
    if kind == "numeric":
        return _normalize_numeric(answer)
    raise ItemFormatError(f"unknown item kind {kind!r}")


def _normalize_multiple(item: Mapping[str, Any], answer: Any) -> list[str]:
    if not isinstance(answer, list) or not answer or not all(isinstance(a, str) for a in answer):
        raise AnswerError("choose_some")
    if len(set(answer)) != len(answer):
        raise AnswerError("option_twice")
    if set(answer) - set(_option_ids(item)):
        raise AnswerError("unknown_option")
    return sorted(answer)


def _normalize_matching(item: Mapping[str, Any], answer: Any) -> dict[str, str]:
    left, right = set(_option_ids(item, "left")), set(_option_ids(item, "right"))
    if (
        not isinstance(answer, Mapping)
        or set(map(str, answer)) != left
        or any(v in (None, "") for v in answer.values())
    ):
        raise AnswerError("match_all")
    values = [str(v) for v in answer.values()]
    if set(values) - right:
        raise AnswerError("unknown_option")
    if len(set(values)) != len(values):
        raise AnswerError("match_twice")
    return {str(k): str(v) for k, v in sorted(answer.items())}


def _normalize_numeric(answer: Any) -> float:
    if isinstance(answer, bool):
        raise AnswerError("number")
    if isinstance(answer, (int, float)):
        value = float(answer)
    elif isinstance(answer, str):
        text = answer.strip().replace("\u2212", "-").replace(" ", "").replace("\u00a0", "").replace(",", ".")
        if not re.fullmatch(r"-?\d+(\.\d+)?", text):
            raise AnswerError("number")
        value = float(text)
    else:
        raise AnswerError("number")
    if not math.isfinite(value):
        raise AnswerError("number")
    return value


def score_answer(item: Mapping[str, Any], answer: Any) -> int:
    """Score of a (normalized or raw) answer against the item's key."""
    answer = normalize_answer(item, answer)
    kind, key = item["kind"], item["key"]
    if kind == "single":
        return int(answer == key)
    if kind == "case":
        return int(key[answer])
    if kind == "multiple":
        errors = len(set(key) ^ set(answer))
        return 2 if errors == 0 else 1 if errors == 1 else 0
    if kind == "matching":
        wrong = sum(1 for k, v in key.items() if answer.get(k) != v)
        if wrong == 0:
            return 2
        return 1 if wrong <= 2 and len(key) >= 3 else 0
    if kind == "ordering":
        if answer == list(key):
            return 2
        return 1 if _one_adjacent_swap(answer, list(key)) else 0
    if kind == "numeric":
        return int(abs(answer - float(key["value"])) <= float(key.get("tolerance", 0)) + 1e-9)
    raise ItemFormatError(f"unknown item kind {kind!r}")


def _one_adjacent_swap(a: list[str], b: list[str]) -> bool:
    diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]


# ---------------------------------------------------------------- item validation


def validate_item(item: Mapping[str, Any]) -> list[str]:
    """Problems of an item description (empty when it is well-formed)."""
    problems: list[str] = []
    code = item.get("code", "?")

    def bad(message: str) -> None:
        problems.append(f"{code}: {message}")

    for field in ("code", "competency", "audience", "kind", "stem", "key", "irt"):
        if field not in item or item[field] in ("", None):
            bad(f"missing {field}")
    if problems:
        return problems
    kind = item["kind"]
    if kind not in KINDS:
        return [f"{code}: unknown kind {kind!r}"]
    if item["audience"] not in AUDIENCES:
        bad(f"unknown audience {item['audience']!r}")
    for message in _key_problems(item, kind, item["key"]):
        bad(message)
    problems.extend(_validate_irt(code, kind, item["irt"]))
    if not problems:
        try:
            _check_key_scores_full(item)
        except (AnswerError, KeyError, TypeError) as exc:
            bad(f"the key does not score as a full answer: {exc}")
    return problems


def _key_problems(item: Mapping[str, Any], kind: str, key: Any) -> list[str]:
    """Problems of the options and the key of a well-kinded item."""
    problems: list[str] = []
    if kind in ("single", "multiple", "ordering", "case"):
        ids = _option_ids(item)
        if (
            len(ids) < 2
            or len(set(ids)) != len(ids)
            or any(not str(o.get("text", "")).strip() for o in item.get("options", []))
        ):
            problems.append("options need distinct ids and text, at least two")
        if kind == "single" and key not in ids:
            problems.append("key is not one of the options")
        if kind == "multiple" and (
            not isinstance(key, list) or not key or set(key) - set(ids) or len(set(key)) != len(key)
        ):
            problems.append("key must be a non-empty list of distinct option ids")
        if kind == "ordering" and (not isinstance(key, list) or sorted(key) != sorted(ids)):
            problems.append("key must order every option exactly once")
        if kind == "case":
            if (
                not isinstance(key, Mapping)
                or set(key) != set(ids)
                or any(v not in (0, 1, 2) for v in key.values())
                or 2 not in key.values()
            ):
                problems.append("key must give every option a credit of 0, 1 or 2, and one option 2")
    if kind == "matching":
        left, right = _option_ids(item, "left"), _option_ids(item, "right")
        if len(left) < 2 or len(right) < len(left) or len(set(left)) != len(left) or len(set(right)) != len(right):
            problems.append("matching needs at least two left items and at least as many distinct right items")
        if (
            not isinstance(key, Mapping)
            or set(key) != set(left)
            or set(key.values()) - set(right)
            or len(set(key.values())) != len(key)
        ):
            problems.append("key must map every left id to a distinct right id")
    if kind == "numeric":
        if (
            not isinstance(key, Mapping)
            or not isinstance(key.get("value"), (int, float))
            or float(key.get("tolerance", 0)) < 0
        ):
            problems.append('key must be {"value": number, "tolerance": number ≥ 0}')
    return problems


def _validate_irt(code: str, kind: str, irt: Mapping[str, Any]) -> list[str]:
    model = irt.get("model")
    polytomous = MAX_SCORE[kind] > 1
    if polytomous:
        steps = irt.get("steps")
        if model != "GPCM" or not isinstance(steps, list) or len(steps) != MAX_SCORE[kind]:
            return [
                f"{code}: a {kind} item is worth {MAX_SCORE[kind]} points: irt must be GPCM with {MAX_SCORE[kind]} "
                "steps"
            ]
    elif model not in ("2PL", "3PL") or not isinstance(irt.get("b"), (int, float)):
        return [f"{code}: a {kind} item is dichotomous: irt must be 2PL or 3PL with b"]
    a = irt.get("a")
    if not isinstance(a, (int, float)) or not 0.2 <= a <= 4.0:
        return [f"{code}: irt.a must be a slope between 0.2 and 4"]
    if model == "3PL" and not 0 <= irt.get("c", -1) < 0.5:
        return [f"{code}: 3PL needs 0 ≤ c < 0.5"]
    return []


def full_answer(item: Mapping[str, Any]) -> Any:
    """The answer that earns the maximum score (used by checks and tests)."""
    kind, key = item["kind"], item["key"]
    if kind == "case":
        return next(option for option, credit in key.items() if credit == 2)
    if kind == "numeric":
        return key["value"]
    return key


def answer_for_score(item: Mapping[str, Any], target: int) -> Any:
    """An answer that earns exactly `target` points (simulations and tests): the key,
    then answers one or two changes away from it, the first that scores `target`."""
    kind, key = item["kind"], item["key"]
    candidates: list[Any] = [full_answer(item)]
    options = _option_ids(item)
    if kind in ("single", "case"):
        candidates += options
    elif kind == "multiple":
        once = [sorted(set(key) ^ {o}) for o in options]
        twice = [sorted(set(key) ^ {o, p}) for o in options for p in options if o < p]
        candidates += [c for c in once + twice if c]
    elif kind == "ordering":
        order = list(key)
        candidates += [order[:i] + [order[i + 1], order[i]] + order[i + 2 :] for i in range(len(order) - 1)]
        candidates.append(order[::-1])
        candidates.append(order[1:] + order[:1])
    elif kind == "matching":
        lefts = list(key)
        values = [key[k] for k in lefts]
        for shift in range(1, len(values)):
            candidates.append(dict(zip(lefts, values[shift:] + values[:shift], strict=True)))
        for i in range(len(values) - 1):
            swapped = values[:i] + [values[i + 1], values[i]] + values[i + 2 :]
            candidates.append(dict(zip(lefts, swapped, strict=True)))
    elif kind == "numeric":
        candidates.append(float(key["value"]) + 1000 * (1 + abs(float(key["value"]))))
    for candidate in candidates:
        try:
            if score_answer(item, candidate) == target:
                return candidate
        except AnswerError:
            continue
    raise ValueError(f"no answer of item {item.get('code')} scores {target}")


def _check_key_scores_full(item: Mapping[str, Any]) -> None:
    got = score_answer(item, full_answer(item))
    if got != MAX_SCORE[item["kind"]]:
        raise AnswerError(f"full answer scores {got}")


def public_content(item: Mapping[str, Any]) -> dict[str, Any]:
    """What a person taking the test may see: never the key, the rationale or the parameters."""
    shown = {"kind": item["kind"], "stem": item["stem"]}
    for field in ("options", "left", "right", "unit"):
        if field in item:
            shown[field] = item[field]
    return shown
