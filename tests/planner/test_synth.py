"""Synthetic instances are deterministic and within the documented ranges."""

from __future__ import annotations

from efs.planner import synth


def test_same_seed_same_region_other_seed_other_region() -> None:
    config = synth.SynthConfig(n_teachers=50, n_cohorts=200)
    assert synth.region(config, 3) == synth.region(config, 3)
    assert synth.region(config, 3) != synth.region(config, 4)


def test_region_follows_the_documented_ranges() -> None:
    config = synth.SynthConfig(n_teachers=300, n_cohorts=1500, n_competencies=14)
    problem = synth.region(config, 1)
    assert len(problem.options) == 1500
    assert len(problem.teachers) == 300
    competencies = {c for o in problem.options for c in o.coverage}
    assert len(competencies) <= 14
    by_program: dict[str, set[str]] = {}
    for option in problem.options:
        by_program.setdefault(option.program, set()).update(option.coverage)
        assert 0 <= option.price <= 60_000_00 and option.price % 100 == 0
        assert 16 <= option.hours <= 250
        assert option.seats is None or 15 <= option.seats <= 30
        assert all(0 < share <= 1 for share in option.coverage.values())
        if option.kind == "cohort":
            assert option.start and option.end and option.start <= option.end
            assert option.exclusive == (option.format != "online")
            assert (option.place is None) == (not option.exclusive)
    assert all(1 <= len(covered) <= 4 for covered in by_program.values())
    assert {o.kind for o in problem.options} >= {"cohort", "mentoring", "internship", "self_study"}
    assert 0 < sum(o.exclusive for o in problem.options) < len(problem.options)
    for teacher in problem.teachers:
        assert 2 <= len(teacher.deficits) <= 6
        assert all(0.2 <= w <= 1.0 for w in teacher.deficits.values())
        assert teacher.budget > 0 and teacher.max_hours > 0
    assert 0 < problem.fund < sum(t.budget for t in problem.teachers)


def test_route_instance_is_the_first_teacher_of_the_region() -> None:
    config = synth.SynthConfig(n_teachers=20, n_cohorts=100)
    route = synth.route(config, 8)
    region = synth.region(config, 8)
    assert route.deficits == region.teachers[0].deficits
    assert route.budget == region.teachers[0].budget
    assert list(route.options) == list(region.options)


def test_seat_scale_shrinks_seats_for_small_regions() -> None:
    problem = synth.region(synth.SynthConfig(n_teachers=10, n_cohorts=100, seat_scale=0.2), 2)
    assert all(o.seats is None or 3 <= o.seats <= 6 for o in problem.options)
