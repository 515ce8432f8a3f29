"""The roster import against a raw ``bulk_create`` of the same residents.

``python -m bench.roster --rows N --place NEIGHBORHOOD_ID --user USERNAME`` (database and
settings set by bench/run.py):

1. writes an N-row residents workbook the way a filled-in template looks (the first sheet
   and headers of ``rosters.workbooks.template_workbook``), each row a new resident in an
   existing household of the neighborhood, with a valid identity card number (checksum,
   birth date and gender digit agreeing), a mobile number for most, a relation and a
   moved-in date;
2. inserts the same residents with ``Resident.objects.bulk_create`` (batches of 2,000) in a
   transaction that is rolled back, timing the insert alone and, apart, the computing of
   the derived columns (sealed numbers, pinyin) that the rows carry;
3. runs ``manage.py import_roster residents FILE --place ID --user NAME --commit`` in this
   process and reads its own timing (parse, validate, upsert, one transaction).

Prints one JSON object: rows, import_seconds, bulk_seconds, prepare_seconds, and the
import's counts; or {"error": ...} when the import did not create every row.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文辉志斌佳宇晨欣怡浩然子涵"
REGION = "110105"  # a region the demo and the generator do not use, so the numbers are new
MOBILE_PREFIXES = ("135", "136", "138", "139", "150", "158", "186", "189")
BATCH = 2000


def _id_number(rng: random.Random, birth_year: int, male: bool, taken: set[str]) -> str:
    from stdnum.cn import ric

    while True:
        born = date(birth_year, 1, 1) + timedelta(days=rng.randrange(365))
        seq = rng.randrange(500) * 2 + (1 if male else 0)
        body = f"{REGION}{born:%Y%m%d}{seq:03d}"
        number = body + ric.calc_check_digit(body + "0")
        if number not in taken:
            taken.add(number)
            return number


def make_rows(place_pk: int, count: int, seed: int = 7) -> tuple[list[dict[str, Any]], Any]:
    """``count`` new residents spread over the households of the neighborhood."""
    from sanxian import personal_data
    from sanxian.places.models import Place, PlaceKind, Resident

    neighborhood = Place.objects.get(pk=place_pk)
    places = {
        p.path: p
        for p in Place.objects.filter(
            path__startswith=neighborhood.path,
            kind__in=[PlaceKind.BUILDING, PlaceKind.BUILDING_GROUP, PlaceKind.HOUSEHOLD],
        ).only("id", "path", "kind", "name", "depth")
    }
    households = sorted(
        (p for p in places.values() if p.kind == PlaceKind.HOUSEHOLD), key=lambda p: p.path
    )
    if not households:
        raise SystemExit(f"place {place_pk} has no households")
    step = Place.steplen
    rng = random.Random(seed)  # noqa: S311 - made-up residents, not secrets
    taken: set[str] = set()
    rows: list[dict[str, Any]] = []
    while len(rows) < count:
        want = count - len(rows)
        batch: list[dict[str, Any]] = []
        for _ in range(want):
            home = households[(len(rows) + len(batch)) % len(households)]
            male = rng.random() < 0.5
            birth_year = rng.randrange(1940, 2012)
            batch.append(
                {
                    "household": home,
                    "neighborhood": neighborhood.name,
                    "building": places[home.path[: -2 * step]].name,
                    "group": places[home.path[:-step]].name,
                    "room": home.name,
                    "name": rng.choice(SURNAMES)
                    + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
                    "gender": "男" if male else "女",
                    "gender_value": "male" if male else "female",
                    "birth_year": birth_year,
                    "id_number": _id_number(rng, birth_year, male, taken),
                    "phone": (
                        rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
                        if rng.random() < 0.7
                        else ""
                    ),
                    "relation": "家庭成员" if rng.random() < 0.85 else "租户",
                    "moved_in": date(2000, 1, 1) + timedelta(days=rng.randrange(9000)),
                }
            )
        digests = {personal_data.digest(r["id_number"]): r for r in batch}
        known = set(
            Resident.objects.filter(id_number_digest__in=list(digests)).values_list(
                "id_number_digest", flat=True
            )
        )
        rows += [r for d, r in digests.items() if d not in known]
    return rows[:count], neighborhood


def workbook(rows: list[dict[str, Any]], neighborhood_name: str) -> bytes:
    """The rows in the template's first sheet under its headers (streamed writing)."""
    from openpyxl import Workbook, load_workbook

    from sanxian.rosters.kinds import RESIDENTS
    from sanxian.rosters.workbooks import template_workbook

    template = load_workbook(
        io.BytesIO(template_workbook(RESIDENTS, [neighborhood_name])), read_only=True
    )
    sheet = template.worksheets[0]
    headers = [c for c in next(sheet.iter_rows(min_row=1, max_row=1, values_only=True)) if c]
    by_header = {c.header: c.key for c in RESIDENTS.columns}
    unknown = [h for h in headers if h not in by_header]
    if unknown:
        raise SystemExit(
            f"the residents template has columns this benchmark does not fill: {unknown}"
        )
    keys = [by_header[h] for h in headers]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet.title)
    ws.append(headers)
    for r in rows:
        ws.append([r.get(k, "") for k in keys])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def raw_bulk_create(rows: list[dict[str, Any]]) -> tuple[float, float]:
    """Seconds to compute the rows' derived columns, and to bulk_create them (rolled back)."""
    from django.db import transaction

    from sanxian import personal_data
    from sanxian.places.models import Relation, Resident
    from sanxian.places.services import name_pinyin

    relations = {"户主": Relation.OWNER, "家庭成员": Relation.FAMILY, "租户": Relation.TENANT}
    started = time.perf_counter()
    residents = []
    for r in rows:
        pinyin, initials = name_pinyin(r["name"])
        sealed_id = personal_data.seal(r["id_number"])
        sealed_phone = personal_data.seal(r["phone"]) if r["phone"] else personal_data.EMPTY
        residents.append(
            Resident(
                household=r["household"],
                path=r["household"].path,
                name=r["name"],
                name_pinyin=pinyin,
                name_initials=initials,
                gender=r["gender_value"],
                birth_year=r["birth_year"],
                relation=relations[r["relation"]],
                moved_in=r["moved_in"],
                id_number_sealed=sealed_id.sealed,
                id_number_digest=sealed_id.digest,
                id_number_last4=sealed_id.last4,
                phone_sealed=sealed_phone.sealed,
                phone_digest=sealed_phone.digest,
                phone_last4=sealed_phone.last4,
            )
        )
    prepared = time.perf_counter()
    with transaction.atomic():
        Resident.objects.bulk_create(residents, batch_size=BATCH)
        inserted = time.perf_counter()
        transaction.set_rollback(True)
    return prepared - started, inserted - prepared


def run(rows_wanted: int, place_pk: int, username: str) -> dict[str, Any]:
    from django.core.management import call_command

    from sanxian import personal_data
    from sanxian.places.models import Resident
    from sanxian.places.services import name_pinyin

    name_pinyin("张晓明")  # load pypinyin's dictionaries before anything is timed
    personal_data.seal("13812345678")
    rows, neighborhood = make_rows(place_pk, rows_wanted)
    data = workbook(rows, neighborhood.name)
    prepare_seconds, bulk_seconds = raw_bulk_create(rows)
    before = Resident.objects.count()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "residents.xlsx"
        path.write_bytes(data)
        out = io.StringIO()
        call_command(
            "import_roster",
            "residents",
            str(path),
            "--place",
            str(place_pk),
            "--user",
            username,
            "--commit",
            stdout=out,
        )
    lines = out.getvalue().strip().splitlines()
    result = json.loads(lines[-1])
    created = Resident.objects.count() - before
    if result.get("created") != len(rows) or created != len(rows):
        problems = " | ".join(lines[:4])
        return {"error": f"the import created {created} of {len(rows)} residents: {problems}"}
    return {
        "rows": len(rows),
        "bytes": len(data),
        "import_seconds": result["seconds"],
        "bulk_seconds": bulk_seconds,
        "prepare_seconds": prepare_seconds,
        "import": result,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--place", type=int, required=True, help="the neighborhood's id")
    parser.add_argument("--user", required=True, help="a user who may import there")
    args = parser.parse_args(argv)
    if args.rows <= 0:
        parser.error("--rows must be positive")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    sys.stdout.write(json.dumps(run(args.rows, args.place, args.user), default=str) + "\n")


if __name__ == "__main__":
    main()
