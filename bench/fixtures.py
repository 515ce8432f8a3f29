"""Sign-ins and targets of a benchmark run, prepared inside the benchmark database.

``python -m bench.fixtures --password PW --submitters 20`` (with DJANGO_SETTINGS_MODULE,
SQLITE_PATH or DATABASE_URL set by bench/run.py) creates, if missing:

- ``bench_admin``: sub-district administrator of every sub-district (a district-wide
  administrator when the data holds several);
- ``bench_secretary``: party secretary of the first neighborhood (the one every data tier
  shares, so that its pages compare across tiers);
- ``bench_resident_NN``: residents of that neighborhood with a sign-in, for the appeal
  submitters;

and prints one JSON object: the pages to request (with the user who requests each) and what
the appeal form needs. Deep pages of the keyset-paginated lists are the cursor of page
``DEEP_PAGE`` (or the last page when a list is shorter).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from typing import Any

DEEP_PAGE = 50
PAGE_SIZE = 20  # issues.selectors.PAGE_SIZE and appeals.selectors.PAGE_SIZE
ROLE_START = date(2000, 1, 1)


def _deep_cursor(ids_desc: Any, count: int) -> int | None:
    """The cursor (last id of the previous page) that opens page DEEP_PAGE, or the last
    page of a shorter list; None when the list has one page only."""
    if count <= PAGE_SIZE:
        return None
    pages = -(-count // PAGE_SIZE)
    page = min(DEEP_PAGE, pages)
    position = (page - 1) * PAGE_SIZE - 1  # index of the previous page's last row
    return int(ids_desc[position])


def _user(username: str, password_hash: str, **fields: Any) -> Any:
    from sanxian.accounts.models import User
    from sanxian.accounts.services import create_user

    user = User.objects.filter(username=username).first()
    if user is None:
        user = create_user(username=username, password_hash=password_hash, **fields)
    else:
        user.password = password_hash
        user.is_active = True
        user.save(update_fields=["password", "is_active"])
    return user


def _role(user: Any, role: str, place: Any) -> None:
    from sanxian.accounts.models import RoleAssignment
    from sanxian.accounts.services import assign_role

    if not RoleAssignment.objects.filter(
        user=user, role=role, place=place, ends_on__isnull=True
    ).exists():
        assign_role(user=user, role=role, place=place, starts_on=ROLE_START)


def prepare(password: str, submitters: int) -> dict[str, Any]:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from sanxian.accounts.models import Role
    from sanxian.appeals.models import Appeal
    from sanxian.appeals.selectors import active_categories, resident_places
    from sanxian.grids.models import Grid
    from sanxian.issues.models import Issue, IssueState
    from sanxian.places.models import Place, PlaceKind, Resident

    password_hash = make_password(password)
    roots = list(Place.objects.filter(kind=PlaceKind.SUBDISTRICT).order_by("path"))
    if not roots:
        raise SystemExit("The benchmark database holds no sub-district: load data first.")
    neighborhood = (
        Place.objects.filter(kind=PlaceKind.NEIGHBORHOOD, path__startswith=roots[0].path)
        .order_by("path")
        .first()
    )
    if neighborhood is None:
        raise SystemExit("The first sub-district has no neighborhood.")
    prefix = neighborhood.path

    with transaction.atomic():
        admin = _user("bench_admin", password_hash, display_name="Bench administrator")
        for root in roots:
            _role(admin, Role.SUBDISTRICT_ADMIN, root)
        secretary = _user("bench_secretary", password_hash, display_name="Bench secretary")
        _role(secretary, Role.NEIGHBORHOOD_SECRETARY, neighborhood)

        filers = []
        existing = {
            r.pk: r
            for r in Resident.objects.filter(
                path__startswith=prefix, user__username__startswith="bench_resident_"
            )
        }
        free = Resident.objects.filter(path__startswith=prefix, user__isnull=True).order_by("id")
        candidates = [*existing.values(), *free[: max(0, submitters - len(existing))]]
        for n, resident in enumerate(sorted(candidates, key=lambda r: r.pk)[:submitters]):
            username = f"bench_resident_{n:02d}"
            user = _user(username, password_hash, resident=resident)
            if user.resident_id != resident.pk:
                user.resident = resident
                user.save(update_fields=["resident"])
            _role(user, Role.RESIDENT, resident.household)
            filers.append({"username": username, "place": resident_places(resident)[0].pk})

    grid = Grid.objects.filter(path__startswith=prefix).order_by("path", "number").first()
    in_neighborhood = Issue.objects.filter(path__startswith=prefix)
    issue = (
        in_neighborhood.filter(state=IssueState.ACT).order_by("-id").first()
        or in_neighborhood.order_by("-id").first()
    )
    appeal = Appeal.objects.filter(path__startswith=prefix).order_by("-id").first()
    category = active_categories().first()
    if category is None:
        raise SystemExit("No active appeal category: the appeal submitters need one.")

    issue_ids = Issue.objects.order_by("-id").values_list("id", flat=True)
    issue_deep = _deep_cursor(issue_ids, issue_ids.count())
    appeal_ids = Appeal.objects.order_by("-id").values_list("id", flat=True)
    appeal_deep = _deep_cursor(appeal_ids, appeal_ids.count())

    pages: list[dict[str, str]] = [
        {"name": "floor", "kind": "floor", "user": "admin", "url": "/bench/floor/"},
        {
            "name": "tree: sub-district",
            "kind": "list",
            "user": "admin",
            "url": f"/places/{roots[0].pk}/",
        },
        {
            "name": "tree: neighborhood",
            "kind": "list",
            "user": "secretary",
            "url": f"/places/{neighborhood.pk}/",
        },
    ]
    if grid is not None:
        pages.append(
            {
                "name": "grid page",
                "kind": "detail",
                "user": "secretary",
                "url": f"/grids/{grid.pk}/",
            }
        )
    pages += [
        {"name": "issues: first page", "kind": "list", "user": "admin", "url": "/issues/"},
        {
            "name": "issues: first page (secretary)",
            "kind": "list",
            "user": "secretary",
            "url": "/issues/",
        },
    ]
    if issue_deep is not None:
        pages.append(
            {
                "name": "issues: deep page",
                "note": f"page {min(DEEP_PAGE, -(-issue_ids.count() // PAGE_SIZE))}",
                "kind": "list",
                "user": "admin",
                "url": f"/issues/?after={issue_deep}",
            }
        )
    pages.append(
        {"name": "appeals: first page", "kind": "list", "user": "admin", "url": "/appeals/"}
    )
    if appeal_deep is not None:
        pages.append(
            {
                "name": "appeals: deep page",
                "note": f"page {min(DEEP_PAGE, -(-appeal_ids.count() // PAGE_SIZE))}",
                "kind": "list",
                "user": "admin",
                "url": f"/appeals/?before={appeal_deep}",
            }
        )
    if issue is not None:
        pages.append(
            {
                "name": "issue detail",
                "kind": "detail",
                "user": "secretary",
                "url": f"/issues/{issue.pk}/",
            }
        )
    if appeal is not None:
        pages.append(
            {
                "name": "appeal detail",
                "kind": "detail",
                "user": "secretary",
                "url": f"/appeals/{appeal.pk}/",
            }
        )
    pages += [
        {
            "name": "dashboard: neighborhood",
            "kind": "dashboard",
            "user": "secretary",
            "url": f"/dashboards/{neighborhood.pk}/",
        },
        {
            "name": "dashboard: sub-district",
            "kind": "dashboard",
            "user": "admin",
            "url": f"/dashboards/{roots[0].pk}/",
        },
        {"name": "meetings list", "kind": "list", "user": "secretary", "url": "/meetings/"},
    ]
    return {
        "users": {"admin": "bench_admin", "secretary": "bench_secretary"},
        "pages": pages,
        "submitters": filers,
        "category": category.pk,
        "neighborhood": neighborhood.pk,
        "counts": {
            "places": Place.objects.count(),
            "residents": Resident.objects.count(),
            "issues": issue_ids.count(),
            "appeals": appeal_ids.count(),
        },
    }


def count_appeals(usernames: list[str]) -> int:
    from sanxian.appeals.models import Appeal

    return Appeal.objects.filter(filed_by__username__in=usernames).count()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--password", required=True)
    parser.add_argument("--submitters", type=int, default=20)
    parser.add_argument(
        "--count-appeals-of",
        metavar="USERNAMES",
        help="comma-separated usernames: print how many appeals they filed, and nothing else",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    if args.count_appeals_of is not None:
        result: Any = {"appeals": count_appeals(args.count_appeals_of.split(","))}
    else:
        result = prepare(args.password, args.submitters)
    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
