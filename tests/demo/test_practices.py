"""The demo region's bank of practices (efs demo)."""

from __future__ import annotations

import pytest

from efs.practices.models import Contest, Practice, PracticeEvidence, PracticeReview, Replication

pytestmark = pytest.mark.xdist_group("demo")


def test_the_demo_fills_the_bank_at_every_level_and_stage(demo):
    assert "Practices in" in demo
    assert Practice.objects.count() >= 140
    assert set(Practice.objects.values_list("level", flat=True)) == {"school", "municipal", "regional", "federal"}
    statuses = set(Practice.objects.values_list("status", flat=True))
    assert {"draft", "submitted", "in_review", "returned", "rejected", "included", "recommended"} <= statuses
    assert Practice.objects.filter(status__in=["included", "recommended"]).count() >= 90
    assert Replication.objects.count() > 50 and PracticeEvidence.objects.count() > 90
    assert Contest.objects.get().practices.count() > 5
    # the review rules held: never an expert of the authors' organization
    for review in PracticeReview.objects.select_related("practice"):
        assert review.practice.organization_id not in {g.organization_id for g in review.expert.role_assignments.all()}
    # the demo teacher sees their recommended practice, and the regional operator the experts' leniency
    from django.test import Client

    from efs.people.models import User

    client = Client()
    client.force_login(User.objects.get(username="teacher"))
    assert "рекомендовано к тиражированию" in client.get("/practices/?recommended=1").content.decode()
    client.force_login(User.objects.get(username="regional"))
    assert "п. п." in client.get("/practices/leniency/").content.decode()
    ranking = client.get("/practices/ranking/").content.decode()
    assert "В банке пока нет практик региона" not in ranking
    # the joint projects' practices are in the bank, and one is replicated in a partner region
    from efs.people.models import Macroregion
    from efs.practices.public import macroregion_links

    linked = Practice.objects.filter(project__isnull=False)
    assert linked.exists() and not linked.exclude(status__in=["included", "recommended"]).exists()
    siberia = Macroregion.objects.filter(name__icontains="Сибирск").first()
    if siberia is not None:
        links = macroregion_links(siberia.pk)
        assert links.practices and links.projects and links.communities
