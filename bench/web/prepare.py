"""Logins for the web bench (bench/web/load.py) in a demo database (`efs demo`).

    EFS_DATA_DIR=… DATABASE_URL=… .venv/bin/python bench/web/prepare.py [--teachers 20]

Creates, with the real services, password «bench»:
- bench-t1…N  teachers of the demo region who have a finished diagnostics and an active route;
- bench-d1…N  teachers who have not taken the diagnostics yet (the answering scenario).
Tutors and operators use the demo logins (tutor, head, municipal, regional, federal; password
«demo»). Re-running is harmless: existing bench logins are kept.
"""

from __future__ import annotations

import argparse
import os
import sys

PASSWORD = "bench"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--teachers", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "efs.settings")
    import django

    django.setup()
    from efs.people.models import Educator, Role, Scope, User
    from efs.people.services import role_grant
    from efs.routes.models import ACTIVE

    def link(prefix: str, educators) -> int:
        made = 0
        for n, educator in enumerate(educators, start=1):
            username = f"{prefix}{n}"
            if User.objects.filter(username=username).exists():
                continue
            user = User.objects.create_user(
                username=username, password=PASSWORD, first_name=educator.first_name, last_name=educator.last_name
            )
            educator.user = user
            educator.save(update_fields=["user"])
            role_grant(user=user, role=Role.TEACHER, scope=Scope.SELF, region=educator.region)
            made += 1
        return made

    free = Educator.objects.filter(user__isnull=True, is_active=True, category="teacher").order_by("pk")
    with_route = free.filter(routes__status__in=ACTIVE, attempts__status="completed").distinct()[: args.teachers]
    fresh = free.filter(attempts__isnull=True)[: args.teachers]
    print(
        f"bench-t: {link('bench-t', list(with_route))} new; bench-d: {link('bench-d', list(fresh))} new (password "
        f"«{PASSWORD}»)"
    )


if __name__ == "__main__":
    sys.exit(main())
