"""A year of simulated activity over the country's directory (`efs demo --scale country --activity`).

The region's demo drives the real services person by person; at 1.2 M educators that would
take hours, so this module writes the same kinds of rows in bulk, inside PostgreSQL: each
step is one ``INSERT … SELECT`` over the directory, drawing with ``random()`` after
``setseed`` (the same seed gives the same shares), against per-region rates drawn from the
seed in Python (a region's diagnostics coverage, its routes, certificates, vacancies … differ
from its neighbour's) and a per-organization factor (schools differ inside a region).

What it makes, over the 12 months before now: a diagnostics consent and a finished attempt
for about half of the educators (results for up to `RESULTS_PER_ATTEMPT` competencies, no
item responses), routes approved by a tutor with goals, items and events, re-diagnoses at
the end of some routes (a deficit closed or not), certificates for this and last year and
enrollments in cohorts of published programs of the region's ЦНППМ, institute and
university (completed, running, requested), tutors and their assigned educators,
consultations, mentoring pairs, reflective cycles, staffing posts and their holders with
vacancies, practices in the bank with replication reports, network communities with their
members and events. Ledger transfers and item responses are not simulated.

PostgreSQL only (`random()`, `setseed`, `generate_series`).
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from efs.people.public import ConsentKind, Region, User

RESULTS_PER_ATTEMPT = 4
PROGRAMS_PER_PROVIDER = 6
TUTORS_PER_REGION = 12
MENTORS_PER_REGION = 30

# name: (low, high) of a region's rate, drawn uniformly per region.
RATES = {
    "diagnosed": (0.30, 0.70),  # of educators: a finished diagnostics in the year
    "route": (0.15, 0.55),  # of the diagnosed: an approved route
    "abandoned": (0.02, 0.08),  # of the routes: stopped
    "remeasured": (0.25, 0.60),  # of the routes approved 4+ months ago: re-diagnosed
    "closed": (0.35, 0.75),  # of the re-diagnosed goals: deficit closed
    "certificate": (0.10, 0.35),  # of teachers: a certificate for the year
    "use": (0.40, 0.85),  # of the certificates: an enrollment
    "cnppm": (0.35, 0.75),  # of the enrollments: at the ЦНППМ
    "tutor": (0.50, 0.95),  # of the route holders: an assigned tutor
    "consult": (0.6, 2.4),  # consultations per tutored educator in the year
    "mentee": (0.25, 0.70),  # of teachers with ≤ 3 years' experience: a mentor
    "cycle": (0.10, 0.40),  # of the route holders: a reflective cycle
    "vacancy": (0.02, 0.12),  # vacant posts per teacher's post
    "aged_left": (0.01, 0.05),  # of the holders: left during the year
    "practices": (0.002, 0.010),  # practices in the bank per school
    "replicate": (0.5, 4.0),  # replication reports per practice
    "member": (0.03, 0.15),  # of educators: a member of a network community
}

Progress = Callable[[str, int, float], None]


def _rates(seed: int, region_ids: list[int]) -> list[tuple]:
    rng = random.Random(seed)
    rows = []
    for region_id in sorted(region_ids):
        rows.append((region_id, *(round(rng.uniform(lo, hi), 4) for lo, hi in RATES.values())))
    return rows


def _exec(sql: str, params: list | tuple | dict | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.rowcount


def _users(prefix: str, per_region: int, regions: list[Region], now: dt.datetime) -> dict[int, list[int]]:
    """Plain logins for tutors and mentors (no password: they never sign in)."""
    password = make_password(None)
    made = User.objects.bulk_create(
        [
            User(username=f"{prefix}-{r.code}-{n}", password=password, first_name=prefix, date_joined=now)
            for r in regions
            for n in range(1, per_region + 1)
        ],
        batch_size=5000,
    )
    by_region: dict[int, list[int]] = {}
    for user, (region, _n) in zip(made, [(r, n) for r in regions for n in range(per_region)], strict=True):
        by_region.setdefault(region.pk, []).append(user.pk)
    return by_region


CATALOG = [
    # Programs of every region's ЦНППМ, institute and university, published 7–23 months ago.
    """INSERT INTO catalog_program (provider_id, region_id, code, kind, title, annotation, for_teachers, for_managers,
        for_students, positions, hours, form, distance_learning, e_learning, final_assessment, price, developer,
        status, version, search_document, effect, created_at, updated_at, published_at)
    SELECT o.id, o.region_id, 'CD-' || o.id || '-' || n, 'upgrade',
        'Программа повышения квалификации № ' || n, 'Программа для педагогов по результатам диагностики дефицитов.',
        true, false, false, '[]', (ARRAY[16, 24, 36, 72])[1 + floor(random() * 4)::int],
        (ARRAY['full_time', 'blended', 'part_time'])[1 + floor(random() * 3)::int], false, false, 'Зачёт',
        (ARRAY[0, 500000, 900000, 1500000])[1 + floor(random() * 4)::int], '', 'published', 1, '', '{}',
        p.at - interval '30 days', p.at, p.at
    FROM people_organization o CROSS JOIN generate_series(1, %(programs)s) n
    CROSS JOIN LATERAL (SELECT now() - (200 + random() * 500 + n * 0 + o.id * 0) * interval '1 day' AS at) p
    WHERE o.kind IN ('cnppm', 'ipk', 'university')""",
    """INSERT INTO catalog_programtransition (program_id, from_status, to_status, at, comment)
    SELECT id, 'draft', 'published', published_at, '' FROM catalog_program WHERE code LIKE 'CD-%%'""",
    # About a fifth run in network form, with another institute or university of the region.
    """INSERT INTO catalog_program_network_partners (program_id, organization_id)
    SELECT p.id, x.id FROM catalog_program p CROSS JOIN LATERAL (
        SELECT o.id FROM people_organization o
        WHERE o.region_id = p.region_id AND o.kind IN ('cnppm', 'ipk', 'university') AND o.id <> p.provider_id
        ORDER BY o.id LIMIT 1
    ) x
    WHERE p.code LIKE 'CD-%%' AND random() < 0.2""",
    # Two cohorts a program: last year's and this year's, online.
    """INSERT INTO catalog_cohort (program_id, region_id, start_date, end_date, enrollment_deadline, seats,
        seats_taken, online, address, price, status, availability, created_at)
    SELECT p.id, p.region_id, c.start, c.start + 30, c.start - 7, 5000, 0, true, '', p.price,
        CASE WHEN c.start < now()::date - 30 THEN 'finished' ELSE 'open' END, 'region', p.published_at
    FROM catalog_program p CROSS JOIN LATERAL (
        SELECT make_date(y, 1 + floor(random() * 9)::int + (p.id * 0)::int, 1) AS start
        FROM unnest(ARRAY[%(year)s - 1, %(year)s]) y
    ) c
    WHERE p.code LIKE 'CD-%%'""",
]


def _assessments() -> dict[str, tuple[int, list[int], list[str]]]:
    """audience -> (the year's assessment id, leaf competency ids, level codes)."""
    out = {}
    with connection.cursor() as cursor:
        for audience in ("teacher", "manager", "student"):
            cursor.execute(
                "SELECT c.id, f.id, f.levels FROM competencies_competency c JOIN competencies_framework f "
                "ON f.id = c.framework_id WHERE f.audience = %s AND f.status = 'published' AND c.is_leaf "
                'ORDER BY c."order", c.id',
                [audience],
            )
            leaves = cursor.fetchall()
            if not leaves:
                continue
            framework, levels = leaves[0][1], leaves[0][2]
            cursor.execute(
                "INSERT INTO diagnostics_assessment (code, title, description, mode, status, max_items, "
                "min_per_competency, max_per_competency, time_limit_minutes, decision_confidence, randomesque, "
                "pilot_items, created_at, framework_id) VALUES (%s, %s, %s, 'adaptive', 'archived', 80, 3, 10, 90, "
                "0.95, 3, 0, now(), %s) RETURNING id",
                [
                    f"{audience}-country-wave",
                    "Диагностика профессиональных дефицитов (волна года)",
                    "Диагностика педагогов региона за год.",
                    framework,
                ],
            )
            (assessment,) = cursor.fetchone()
            codes = [lv["code"] for lv in (levels if isinstance(levels, list) else json.loads(levels))]
            out[audience] = (assessment, [row[0] for row in leaves][:RESULTS_PER_ATTEMPT], codes)
    return out


def simulated() -> bool:
    """Whether this database already has the country's activity."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM diagnostics_assessment WHERE code LIKE '%%-country-wave' LIMIT 1", [])
        return cursor.fetchone() is not None


STEPS: list[tuple[str, str]] = [
    (
        "consents",
        """INSERT INTO people_consent (educator_id, document_id, region_id, given_at)
        SELECT d.id, %(doc)s, d.region_id, d.diag_at - interval '5 minutes' FROM demo_edu d WHERE d.diagnosed""",
    ),
    (
        "attempts",
        """INSERT INTO diagnostics_attempt (educator_id, region_id, organization_id, assessment_id, status,
            competency_codes, pilot_plan, seed, consent_id, started_at, deadline_at, finished_at, answered, decided,
            remaining_max, stop_reason)
        SELECT d.id, d.region_id, d.organization_id, a.assessment_id, 'completed', '[]', '{}',
            (d.u1 * 2000000000)::int, c.id, d.diag_at - interval '40 minutes', d.diag_at + interval '50 minutes',
            d.diag_at, 30 + (d.u2 * 20)::int, a.n, 0, 'country_wave'
        FROM demo_edu d JOIN demo_assessment a ON a.audience = d.category
        JOIN people_consent c ON c.educator_id = d.id AND c.document_id = %(doc)s
        WHERE d.diagnosed""",
    ),
    (
        "competency results",
        """INSERT INTO diagnostics_competencyresult (attempt_id, competency_id, region_id, theta, se, p_deficit,
            decision, level, items)
        SELECT t.id, t.competency_id, t.region_id, t.theta, 0.35,
            1 / (1 + exp(4 * (t.theta + 0.3))),
            CASE WHEN 1 / (1 + exp(4 * (t.theta + 0.3))) >= 0.8 THEN 'deficit'
                 WHEN 1 / (1 + exp(4 * (t.theta + 0.3))) <= 0.2 THEN 'no_deficit' ELSE 'uncertain' END,
            CASE WHEN t.theta < 0 THEN t.lv[1] WHEN t.theta < 1 THEN t.lv[2] ELSE t.lv[array_length(t.lv, 1)] END,
            8
        FROM (
            SELECT at.id, comp.competency_id, at.region_id, a.levels AS lv,
                sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) * 0.9 + 0.3 AS theta
            FROM diagnostics_attempt at JOIN demo_assessment a ON a.assessment_id = at.assessment_id
            CROSS JOIN LATERAL unnest(a.competencies) AS comp(competency_id)
            WHERE at.stop_reason = 'country_wave'
        ) t""",
    ),
    (
        "routes",
        """INSERT INTO routes_route (educator_id, region_id, organization_id, attempt_id, tutor_id, status, origin,
            period_start, period_end, budget, copay, max_hours, formats, places, optimal, built_objective,
            created_at, updated_at)
        SELECT d.id, d.region_id, d.organization_id, at.id, NULL,
            CASE WHEN d.u4 < r.abandoned THEN 'abandoned' WHEN d.route_at < now() - interval '200 days'
                 THEN 'completed' ELSE 'in_progress' END,
            CASE WHEN d.u5 < 0.3 THEN 'regional' ELSE 'personal' END,
            d.route_at::date, (d.route_at + interval '9 months')::date, 1500000, 0, 144, '[]', '[]', true, 0.8,
            d.route_at - interval '5 days', d.route_at
        FROM demo_edu d JOIN demo_rates r ON r.region_id = d.region_id
        JOIN diagnostics_attempt at ON at.educator_id = d.id AND at.stop_reason = 'country_wave'
        WHERE d.has_route""",
    ),
    (
        "route events",
        """INSERT INTO routes_routeevent (route_id, action, comment, at)
        SELECT rt.id, 'approved', '', rt.updated_at FROM routes_route rt
        JOIN demo_edu d ON d.id = rt.educator_id WHERE d.has_route
        UNION ALL
        SELECT rt.id, 'abandoned', '', rt.updated_at + interval '60 days' FROM routes_route rt
        JOIN demo_edu d ON d.id = rt.educator_id WHERE d.has_route AND rt.status = 'abandoned'""",
    ),
    (
        "re-diagnoses",
        """INSERT INTO diagnostics_attempt (educator_id, region_id, organization_id, assessment_id, status,
            competency_codes, pilot_plan, seed, consent_id, started_at, deadline_at, finished_at, answered, decided,
            remaining_max, stop_reason)
        SELECT at.educator_id, at.region_id, at.organization_id, at.assessment_id, 'completed', '[]', '{}',
            at.seed + 1, at.consent_id, d.remeasure_at - interval '30 minutes', d.remeasure_at + interval '1 hour',
            d.remeasure_at, 12, 2, 0, 'country_remeasure'
        FROM demo_edu d JOIN diagnostics_attempt at ON at.educator_id = d.id AND at.stop_reason = 'country_wave'
        WHERE d.has_route AND d.remeasure_at IS NOT NULL""",
    ),
    (
        "route goals",
        """INSERT INTO routes_routegoal (route_id, competency_id, weight, current_level, current_theta, target_level,
            status, remeasured_attempt_id, result_theta, result_decision)
        SELECT rt.id, comp.competency_id, 0.85, a.levels[1], -0.6, a.levels[2],
            CASE WHEN re.id IS NULL THEN 'open' WHEN g.u < r.closed THEN 'achieved' ELSE 'not_achieved' END,
            re.id, CASE WHEN re.id IS NULL THEN NULL WHEN g.u < r.closed THEN 0.4 ELSE -0.4 END,
            CASE WHEN re.id IS NULL THEN '' WHEN g.u < r.closed THEN 'no_deficit' ELSE 'deficit' END
        FROM routes_route rt JOIN demo_edu d ON d.id = rt.educator_id AND d.has_route
        JOIN demo_rates r ON r.region_id = d.region_id
        JOIN diagnostics_attempt at ON at.id = rt.attempt_id
        JOIN demo_assessment a ON a.assessment_id = at.assessment_id
        CROSS JOIN LATERAL (SELECT c AS competency_id FROM unnest(a.competencies[1:2]) c) comp
        CROSS JOIN LATERAL (SELECT d.u1 * 7919 + comp.competency_id * 0.6180339887 AS x) g0
        CROSS JOIN LATERAL (SELECT g0.x - floor(g0.x) AS u) g
        LEFT JOIN diagnostics_attempt re ON re.educator_id = d.id AND re.stop_reason = 'country_remeasure'""",
    ),
    (
        "route items",
        """INSERT INTO routes_routeitem (route_id, kind, title, coverage, task, reason, planned_start, planned_end,
            hours, price, exclusive, expected_result, evidence_form, status, completed_at, "order")
        SELECT rt.id, k.kind, k.title, '{}', '', 'По результатам диагностики', rt.period_start,
            rt.period_start + k.days, k.hours, 0, false, '', '',
            CASE WHEN rt.period_start + k.days < now()::date AND rt.status <> 'abandoned' THEN 'accepted'
                 ELSE 'planned' END,
            CASE WHEN rt.period_start + k.days < now()::date AND rt.status <> 'abandoned'
                 THEN (rt.period_start + k.days)::timestamptz END,
            k.n
        FROM routes_route rt JOIN demo_edu d ON d.id = rt.educator_id AND d.has_route
        CROSS JOIN (VALUES (1, 'self_study', 'Самостоятельное изучение материалов', 30, 8),
                           (2, 'event', 'Вебинар методического объединения', 60, 2),
                           (3, 'mentoring', 'Занятия с наставником', 120, 6)) AS k(n, kind, title, days, hours)""",
    ),
    (
        "certificates",
        """INSERT INTO financing_account (kind, ledger, region_id, year, educator_id, organization_id, category,
            may_go_negative, debits_posted, credits_posted, debits_pending, credits_pending, created_at)
        SELECT 'certificate', 'rub', d.region_id, y.year, d.id, NULL, d.category, false, 0, 1500000, 0, 0,
            make_timestamptz(y.year, 1, 15, 9, 0, 0, 'UTC') + (d.u6 * 60) * interval '1 day'
        FROM demo_edu d JOIN demo_rates r ON r.region_id = d.region_id
        CROSS JOIN (VALUES (%(year)s - 1), (%(year)s)) AS y(year)
        WHERE d.category = 'teacher' AND random() < r.certificate * d.org_f""",
    ),
    (
        "enrollments",
        """INSERT INTO financing_enrollment (request_id, educator_id, region_id, organization_id, cohort_id,
            provider_id, price, certificate_id, certificate_amount, copay_amount, copay_payer, status, comment,
            requested_by_id, requested_at, decided_at, finished_at)
        SELECT 'cd-' || acc.id, acc.educator_id, acc.region_id, d.organization_id, co.id, co.provider_id,
            co.price, acc.id, co.price, 0, '',
            CASE WHEN co.end_date < now()::date THEN (CASE WHEN random() < 0.93 THEN 'completed'
                 ELSE 'not_completed' END) WHEN co.start_date <= now()::date THEN 'accepted' ELSE 'requested' END,
            '', %(system)s, co.deadline_at, co.deadline_at + interval '2 days',
            CASE WHEN co.end_date < now()::date THEN co.end_date::timestamptz + interval '12 hours' END
        FROM financing_account acc JOIN demo_edu d ON d.id = acc.educator_id
        JOIN demo_rates r ON r.region_id = d.region_id
        CROSS JOIN LATERAL (
            SELECT c.id, c.price, c.start_date, c.end_date, p.provider_id,
                c.enrollment_deadline::timestamptz - interval '10 days' AS deadline_at
            FROM demo_cohort c JOIN catalog_program p ON p.id = c.program_id
            WHERE c.region_id = acc.region_id AND c.year = acc.year
              AND c.cnppm = (d.u7 < r.cnppm) AND c.k = 1 + floor(d.u8 * 6)::int
            LIMIT 1
        ) co
        WHERE acc.kind = 'certificate' AND acc.educator_id IS NOT NULL AND d.u3 < r.use
          AND co.deadline_at < now() AND co.deadline_at > acc.created_at""",
    ),
    (
        "certificate balances",
        """UPDATE financing_account acc
        SET debits_posted = coalesce(s.posted, 0), debits_pending = coalesce(s.pending, 0)
        FROM (SELECT certificate_id,
                sum(certificate_amount) FILTER (WHERE status = 'completed') AS posted,
                sum(certificate_amount) FILTER (WHERE status IN ('accepted', 'requested')) AS pending
              FROM financing_enrollment WHERE request_id LIKE 'cd-%%' GROUP BY certificate_id) s
        WHERE acc.id = s.certificate_id""",
    ),
    (
        "tutor assignments",
        """INSERT INTO people_supportassignment (supporter_id, educator_id, kind, region_id, active, assigned_at)
        SELECT (t.ids)[1 + (d.u5 * (array_length(t.ids, 1) - 1))::int], d.id, 'tutor', d.region_id, true,
            d.route_at - interval '3 days'
        FROM demo_edu d JOIN demo_rates r ON r.region_id = d.region_id
        JOIN demo_staff t ON t.region_id = d.region_id AND t.kind = 'tutor'
        WHERE d.has_route AND d.u6 < r.tutor""",
    ),
    (
        "consultations",
        """INSERT INTO support_consultation (educator_id, region_id, organization_id, tutor_id, topic, format,
            preferred_times, status, starts_at, ends_at, place, online_link, requested_at, held_at, cancelled_at,
            cancel_reason)
        SELECT s.educator_id, s.region_id, d.organization_id, s.supporter_id, 'Разбор дефицита и шагов маршрута',
            'online', '', CASE WHEN c.at < now() THEN 'held' ELSE 'scheduled' END, c.at, c.at + interval '45 minutes',
            '', '', c.at - interval '5 days', CASE WHEN c.at < now() THEN c.at + interval '45 minutes' END, NULL, ''
        FROM people_supportassignment s JOIN demo_edu d ON d.id = s.educator_id
        JOIN demo_rates r ON r.region_id = d.region_id
        CROSS JOIN LATERAL (
            SELECT s.assigned_at + (n * 47 + random() * 30) * interval '1 day' AS at
            FROM generate_series(1, 1 + floor(r.consult * 2 * random())::int) n
        ) c
        WHERE s.kind = 'tutor' AND s.supporter_id IN (SELECT unnest(ids) FROM demo_staff WHERE kind = 'tutor')
          AND c.at < now() + interval '20 days'""",
    ),
    (
        "mentorships",
        """INSERT INTO support_mentorship (mentor_id, mentee_id, region_id, organization_id, form, group_name, status,
            reason, decided_at, finished_at, feedback, created_at)
        SELECT (t.ids)[1 + (d.u2 * (array_length(t.ids, 1) - 1))::int], d.id, d.region_id, d.organization_id,
            'teacher_teacher', '', CASE WHEN d.mentor_at < now() - interval '240 days' THEN 'finished'
                 ELSE 'active' END,
            'Молодой специалист', d.mentor_at,
            CASE WHEN d.mentor_at < now() - interval '240 days' THEN d.mentor_at + interval '240 days' END, '',
            d.mentor_at - interval '7 days'
        FROM demo_edu d JOIN demo_staff t ON t.region_id = d.region_id AND t.kind = 'mentor'
        WHERE d.mentor_at IS NOT NULL""",
    ),
    (
        "reflective cycles",
        """INSERT INTO support_reflectioncycle (educator_id, region_id, organization_id, competency_id, stage,
            before_p_deficit, before_measured_at, after_p_deficit, after_measured_at, opened_at, closed_at)
        SELECT g.educator_id, g.region_id, g.organization_id, g.competency_id,
            CASE WHEN g.closes < now() THEN 'closed' ELSE 'observe' END, 0.85, g.route_at,
            CASE WHEN g.closes < now() THEN 0.3 END, CASE WHEN g.closes < now() THEN g.closes END,
            g.route_at + interval '10 days', CASE WHEN g.closes < now() THEN g.closes END
        FROM (
            SELECT d.id AS educator_id, d.region_id, d.organization_id, d.route_at, gl.competency_id,
                d.route_at + (100 + d.u8 * 120) * interval '1 day' AS closes
            FROM demo_edu d JOIN demo_rates r ON r.region_id = d.region_id
            JOIN routes_route rt ON rt.educator_id = d.id AND rt.attempt_id IS NOT NULL
            JOIN (SELECT DISTINCT ON (route_id) route_id, competency_id FROM routes_routegoal
                  ORDER BY route_id, id) gl ON gl.route_id = rt.id
            WHERE d.has_route AND d.u7 < r.cycle
        ) g""",
    ),
    (
        "staffing posts",
        """INSERT INTO workforce_post (region_id, organization_id, subject_id, position, fte, opened_on, closed_on)
        SELECT d.region_id, d.organization_id, NULL::bigint, e.position, CASE WHEN d.u2 < 0.2 THEN 1.5 ELSE 1.0 END,
            %(opened)s, NULL::date
        FROM demo_edu d JOIN people_educator e ON e.id = d.id
        WHERE d.category = 'teacher'
        UNION ALL
        SELECT d.region_id, d.organization_id, NULL, e.position, 1.0, %(opened)s + (d.u3 * 300)::int, NULL
        FROM demo_edu d JOIN people_educator e ON e.id = d.id JOIN demo_rates r ON r.region_id = d.region_id
        WHERE d.category = 'teacher' AND d.u4 < r.vacancy * d.org_f""",
    ),
    (
        "post holders",
        """INSERT INTO workforce_assignment (post_id, region_id, educator_id, fte, started_on, ended_on, end_reason,
            out_of_field)
        SELECT p.id, p.region_id, x.id, p.fte, p.opened_on,
            CASE WHEN x.u5 < x.aged_left THEN (now() - (x.u6 * 300) * interval '1 day')::date END,
            CASE WHEN x.u5 < x.aged_left THEN 'left' ELSE '' END, false
        FROM (
            SELECT p.id, p.region_id, p.fte, p.opened_on, p.organization_id,
                row_number() OVER (PARTITION BY p.organization_id ORDER BY p.id) AS k
            FROM workforce_post p WHERE p.opened_on = %(opened)s
        ) p
        JOIN (
            SELECT d.id, d.organization_id, d.u5, d.u6, r.aged_left,
                row_number() OVER (PARTITION BY d.organization_id ORDER BY d.id) AS k
            FROM demo_edu d JOIN demo_rates r ON r.region_id = d.region_id WHERE d.category = 'teacher'
        ) x ON x.organization_id = p.organization_id AND x.k = p.k""",
    ),
    (
        "practices",
        """INSERT INTO practices_practice (region_id, organization_id, municipality_id, title, problem, target_group,
            steps, resources, results, conditions, level, confirmed_level, hours, status, version, search_document,
            effect, replication_count, created_at, updated_at, published_at)
        SELECT o.region_id, o.id, o.municipality_id, left('Практика: ' || o.name, 300),
            'Дефицит, который решает практика', 'Учителя', '[]', 'Ресурсы', 'Результаты', 'Условия',
            'school', 'school', 8,
            CASE WHEN random() < 0.3 THEN 'recommended' ELSE 'included' END, 1, '', '{}', 0,
            o.pub - interval '60 days', o.pub, o.pub
        FROM (
            SELECT o.*, now() - (random() * 700) * interval '1 day' AS pub, r.practices
            FROM people_organization o JOIN demo_rates r ON r.region_id = o.region_id WHERE o.kind = 'school'
        ) o
        WHERE random() < o.practices * 8""",
    ),
    (
        "replication reports",
        """INSERT INTO practices_replication (practice_id, organization_id, region_id, municipality_id,
            implemented_on, adapted, results, created_at)
        SELECT DISTINCT ON (p.id, o.id) p.id, o.id, o.region_id, o.municipality_id, rep.on_date,
            'Адаптировали под свою школу', 'Результаты внедрения', rep.on_date::timestamptz + interval '3 days'
        FROM practices_practice p JOIN demo_rates r ON r.region_id = p.region_id
        CROSS JOIN LATERAL generate_series(1, floor(r.replicate * 2 * random())::int) n
        CROSS JOIN LATERAL (SELECT greatest(p.published_at::date + 20,
            (now() - (random() * 400) * interval '1 day')::date) AS on_date) rep
        JOIN LATERAL (SELECT o.id, o.region_id, o.municipality_id FROM demo_school o
            WHERE o.region_id = p.region_id AND o.k = 1 + ((p.id * 7 + n * 13) %% o.n)) o ON true
        WHERE p.search_document = '' AND o.id <> p.organization_id AND rep.on_date < now()::date""",
    ),
    (
        "replication counts",
        """UPDATE practices_practice p SET replication_count = s.n
        FROM (SELECT practice_id, count(*) AS n FROM practices_replication GROUP BY 1) s WHERE p.id = s.practice_id""",
    ),
    (
        "communities",
        """INSERT INTO practices_community (region_id, organization_id, title, description, membership, created_by_id,
            created_at, members_count, threads_count)
        SELECT o.region_id, o.id, left('Методическое объединение ' || n || ' (' || o.name || ')', 200), '', 'open',
            %(system)s, now() - interval '400 days', 0, 0
        FROM people_organization o CROSS JOIN generate_series(1, 4) n
        WHERE o.kind IN ('ipk', 'cnppm')""",
    ),
    (
        "events",
        """INSERT INTO practices_event (community_id, region_id, kind, title, description, starts_at, ends_at, place,
            online_link, capacity, registration_deadline, registered_count, created_by_id)
        SELECT c.id, c.region_id, (ARRAY['webinar', 'open_lesson', 'master_class'])[1 + floor(random() * 3)::int],
            'Встреча сообщества', '', e.at, e.at + interval '90 minutes', '', '', 300, e.at - interval '1 day', 0,
            %(system)s
        FROM practices_community c JOIN demo_rates r ON r.region_id = c.region_id
        CROSS JOIN LATERAL (
            SELECT date_trunc('month', now()) - m * interval '1 month' + (3 + random() * 24) * interval '1 day'
                + interval '7 hours' AS at
            FROM generate_series(0, 12) m, generate_series(1, 1 + (r.member * 20 * random())::int) k
        ) e
        WHERE c.created_by_id = %(system)s""",
    ),
    (
        "member logins",
        """INSERT INTO people_user (password, is_superuser, username, first_name, last_name, email, is_staff,
            is_active, date_joined)
        SELECT '!', false, 'cd-e' || d.id, '', '', '', false, true, now() - interval '300 days'
        FROM demo_edu d JOIN demo_rates r ON r.region_id = d.region_id
        JOIN people_educator e ON e.id = d.id AND e.user_id IS NULL
        WHERE d.u8 < r.member""",
    ),
    (
        "members' educators",
        """UPDATE people_educator e SET user_id = u.id FROM people_user u
        WHERE u.username LIKE 'cd-e%%' AND e.id = substr(u.username, 5)::bigint AND e.user_id IS NULL""",
    ),
    (
        "memberships",
        """INSERT INTO practices_membership (community_id, user_id, region_id, role, status, created_at)
        SELECT DISTINCT ON (e.user_id) c.ids[1 + (d.u1 * (array_length(c.ids, 1) - 1))::int], e.user_id,
            e.region_id, 'member', 'active', now() - (d.u2 * 330) * interval '1 day'
        FROM people_educator e JOIN demo_edu d ON d.id = e.id
        JOIN (SELECT region_id, array_agg(id ORDER BY id) AS ids FROM practices_community
              WHERE created_by_id = %(system)s GROUP BY region_id) c ON c.region_id = e.region_id
        JOIN people_user u ON u.id = e.user_id AND u.username LIKE 'cd-e%%'""",
    ),
    (
        "community counts",
        """UPDATE practices_community c SET members_count = s.n
        FROM (SELECT community_id, count(*) AS n FROM practices_membership GROUP BY 1) s
        WHERE c.id = s.community_id""",
    ),
]


def _prepare(seed: int, now: dt.datetime, regions: list[Region]) -> dict:
    _exec("SELECT setseed(%s)", [(seed % 10_000) / 10_000])
    rates = _rates(seed, [r.pk for r in regions])
    names = ", ".join(f"{name} float8" for name in RATES)
    _exec(f"CREATE TEMP TABLE demo_rates (region_id bigint PRIMARY KEY, {names}) ON COMMIT DROP")
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO demo_rates VALUES ({', '.join(['%s'] * (len(RATES) + 1))})", rates)
    _exec(
        "CREATE TEMP TABLE demo_org ON COMMIT DROP AS "
        "SELECT id, least(1.6, greatest(0.4, 1 + (random() - 0.5) * 0.8)) AS f FROM people_organization"
    )
    _exec("CREATE UNIQUE INDEX ON demo_org (id)")
    # One row per active educator: the draws every step reads.
    _exec(
        """CREATE TEMP TABLE demo_edu ON COMMIT DROP AS
        SELECT e.id, e.region_id, e.organization_id, e.category, e.experience_years, o.f AS org_f,
            random() AS u1, random() AS u2, random() AS u3, random() AS u4, random() AS u5, random() AS u6,
            random() AS u7, random() AS u8, random() AS u9, random() AS u10,
            false AS diagnosed, false AS has_route, NULL::timestamptz AS diag_at, NULL::timestamptz AS route_at,
            NULL::timestamptz AS remeasure_at, NULL::timestamptz AS mentor_at
        FROM people_educator e JOIN demo_org o ON o.id = e.organization_id
        WHERE e.is_active AND e.user_id IS NULL"""
    )
    _exec("CREATE UNIQUE INDEX ON demo_edu (id)")
    _exec("ANALYZE demo_edu")
    _exec(
        """UPDATE demo_edu d SET diagnosed = d.u9 < least(0.95, r.diagnosed * d.org_f)
            AND d.category IN ('teacher', 'manager', 'student'),
            diag_at = now() - (3 + d.u10 * 330) * interval '1 day'
        FROM demo_rates r WHERE r.region_id = d.region_id"""
    )
    _exec(
        """UPDATE demo_edu d SET has_route = d.diagnosed AND d.u3 < r.route AND d.diag_at < now() - interval '15 days',
            route_at = d.diag_at + interval '10 days',
            mentor_at = CASE WHEN d.category = 'teacher' AND d.experience_years <= 3 AND d.u1 < r.mentee
                THEN now() - (d.u4 * 360) * interval '1 day' END
        FROM demo_rates r WHERE r.region_id = d.region_id"""
    )
    _exec(
        """UPDATE demo_edu d SET remeasure_at = d.route_at + (100 + d.u10 * 60) * interval '1 day'
        FROM demo_rates r WHERE r.region_id = d.region_id AND d.has_route
          AND d.route_at + interval '165 days' < now() AND d.u2 < r.remeasured"""
    )
    assessments = _assessments()
    _exec(
        "CREATE TEMP TABLE demo_assessment (audience text, assessment_id bigint, competencies bigint[], "
        "levels text[], n int) ON COMMIT DROP"
    )
    for audience, (pk, leaves, levels) in assessments.items():
        _exec("INSERT INTO demo_assessment VALUES (%s, %s, %s, %s, %s)", [audience, pk, leaves, levels, len(leaves)])
    staff = {"tutor": _users("cd-tutor", TUTORS_PER_REGION, regions, now)}
    staff["mentor"] = _users("cd-mentor", MENTORS_PER_REGION, regions, now)
    _exec("CREATE TEMP TABLE demo_staff (region_id bigint, kind text, ids bigint[]) ON COMMIT DROP")
    for kind, by_region in staff.items():
        for region_id, ids in by_region.items():
            _exec("INSERT INTO demo_staff VALUES (%s, %s, %s)", [region_id, kind, ids])
    for sql in CATALOG:
        _exec(sql, {"programs": PROGRAMS_PER_PROVIDER, "year": now.year})
    _exec(
        """CREATE TEMP TABLE demo_cohort ON COMMIT DROP AS
        SELECT c.id, c.region_id, c.price, c.start_date, c.end_date, c.enrollment_deadline, c.program_id,
            extract(year FROM c.start_date)::int AS year, o.kind = 'cnppm' AS cnppm,
            row_number() OVER (PARTITION BY c.region_id, extract(year FROM c.start_date), o.kind = 'cnppm'
                ORDER BY c.id) AS k
        FROM catalog_cohort c JOIN catalog_program p ON p.id = c.program_id
        JOIN people_organization o ON o.id = p.provider_id WHERE p.code LIKE 'CD-%%'"""
    )
    _exec(
        """CREATE TEMP TABLE demo_school ON COMMIT DROP AS
        SELECT o.id, o.region_id, o.municipality_id,
            row_number() OVER (PARTITION BY o.region_id ORDER BY o.id) AS k,
            count(*) OVER (PARTITION BY o.region_id) AS n
        FROM people_organization o WHERE o.kind = 'school'"""
    )
    _exec("CREATE INDEX ON demo_school (region_id, k)")
    _exec("CREATE INDEX ON demo_cohort (region_id, year, cnppm, k)")
    for table in ("demo_edu", "demo_org", "demo_rates", "demo_cohort", "demo_school", "demo_staff", "demo_assessment"):
        _exec(f"ANALYZE {table}")
    system, _ = User.objects.get_or_create(username="cd-system", defaults={"password": make_password(None)})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM people_consentdocument WHERE kind = %s ORDER BY published_at DESC LIMIT 1",
            [ConsentKind.DIAGNOSTICS],
        )
        document = cursor.fetchone()
    if document is None:
        raise RuntimeError("no diagnostics consent document: run `efs demo` (or `efs up`) first")
    return {
        "doc": document[0],
        "system": system.pk,
        "year": now.year,
        "opened": (now - dt.timedelta(days=800)).date(),
    }


def _skip_key_checks() -> None:
    """Django's foreign keys are checked at COMMIT (deferred): for the ≈ 10 M rows written here
    that is tens of millions of look-ups at the end (over 10 minutes on a loaded 2-core machine).
    Every key here comes from a join over existing rows, so, as a bulk load does
    (`pg_restore --disable-triggers`), the transaction turns the checks off when the database
    role may (a superuser); otherwise they run as usual."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
        if row and row[0]:
            cursor.execute("SET LOCAL session_replication_role = replica")


def create_country_activity(*, seed: int, progress: Progress | None = None) -> dict[str, int]:
    """Write a year of activity over every region's directory; returns rows per step."""
    if connection.vendor != "postgresql":
        raise RuntimeError("the country's activity is simulated on PostgreSQL only")
    import time

    now = timezone.now()
    regions = list(Region.objects.order_by("code"))
    made: dict[str, int] = {}
    with transaction.atomic():
        started = time.perf_counter()
        _skip_key_checks()
        params = _prepare(seed, now, regions)
        if progress:
            progress("draws, programs, tutors", 0, time.perf_counter() - started)
        for name, sql in STEPS:
            started = time.perf_counter()
            made[name] = _exec(sql, params)
            if progress:
                progress(name, made[name], time.perf_counter() - started)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    if progress:
        progress("analyze", 0, time.perf_counter() - started)
    return made
