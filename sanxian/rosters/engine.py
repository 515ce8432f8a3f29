"""Checking a roster and applying it, in one streaming pass.

``run`` reads the stored workbook row by row (``reader.Workbook``), cuts the rows into
chunks of ``CHUNK``, and hands each chunk to the importer of its kind, which

1. turns every cell into a clean value or a problem (``cells``);
2. looks up, for the whole chunk at once, what the rows refer to: households by building
   (loaded once per building), residents by the keyed digest of their identity card number,
   party members by resident — a constant number of queries per chunk;
3. sorts each row into new / updated / unchanged / error, and catches duplicates inside the
   file (both rows are reported) with one small integer key per row;
4. with ``commit``, and as long as nothing is wrong so far, writes the chunk with
   ``bulk_create`` / ``bulk_update``; new residents, the bulk of a large roster, go in as
   plain rows through ``synthetic.bulk.Writer`` (executemany on SQLite, COPY on
   PostgreSQL), their numbers sealed and names spelt by ``sealing.Sealer`` while the next
   chunk is read.

The caller runs a commit inside one transaction and rolls it back when the outcome has any
problem, so a roster is applied completely or not at all. Memory holds one chunk, the
lookup tables of the area and a key per row, whatever the size of the file.

Bulk writes follow the services' rules for single records: a resident's ``path`` is their
household's, the pinyin of the name is ``places.services.name_pinyin``'s, numbers are sealed
with ``personal_data.seal``; new places get treebeard paths after their parent's last child
and the parents' ``numchild`` is raised; a party member's ``path`` is ``member_path``'s and a
resident who moves takes their party membership to the party group of the new grid (as
``places.services.move_resident`` does).
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any, NamedTuple

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import F, Max
from django.db.models.functions import Substr
from django.utils import timezone

from sanxian import personal_data
from sanxian.party.models import PartyMember, PartyOrg, PartyOrgKind
from sanxian.party.services import member_path
from sanxian.places.models import KIND_DEPTH, Place, PlaceKind, Resident
from sanxian.places.paths import STEP_LENGTH, any_subtree_q, subtree_q
from sanxian.rosters import cells
from sanxian.rosters.cells import CellProblem
from sanxian.rosters.kinds import (
    CATEGORIES,
    GENDER_LABELS,
    GENDERS,
    HOUSEHOLDS,
    KINDS,
    PARTY_MEMBERS,
    RELATION_ALIASES,
    RELATIONS,
    RESIDENTS,
    Kind,
)
from sanxian.rosters.reader import Workbook, WorkbookError
from sanxian.rosters.sealing import Sealed, Sealer
from sanxian.synthetic.bulk import Rows, Writer

CHUNK = 2000
# Problems kept for the page and the error workbook; beyond this only counted.
MAX_PROBLEMS = 20_000
CREATE, UPDATE, UNCHANGED, ERROR = range(4)
BUILDING_GROUP_LENGTH = KIND_DEPTH[PlaceKind.BUILDING_GROUP] * STEP_LENGTH


@dataclass
class Problem:
    row: int
    column: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    rows: int = 0
    counts: list[int] = field(default_factory=lambda: [0, 0, 0, 0])
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    file_error: str = ""
    file_error_params: dict[str, Any] = field(default_factory=dict)
    detail: dict[str, int] = field(default_factory=dict)

    @property
    def created(self) -> int:
        return self.counts[CREATE]

    @property
    def updated(self) -> int:
        return self.counts[UPDATE]

    @property
    def unchanged(self) -> int:
        return self.counts[UNCHANGED]

    @property
    def error_rows(self) -> int:
        return self.counts[ERROR]

    @property
    def ok(self) -> bool:
        return not self.file_error and not self.problem_count

    def problem(self, row: int, column: str, code: str, /, **params: Any) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(row, column, code, params))

    def sorted_problems(self) -> list[Problem]:
        return sorted(self.problems, key=lambda p: p.row)


class RowProblems:
    """The problems of one row while it is being read (header = column name)."""

    __slots__ = ("items",)

    def __init__(self) -> None:
        self.items: list[tuple[str, str, dict[str, Any]]] = []

    def add(self, column: str, code: str, /, **params: Any) -> None:
        self.items.append((column, code, params))

    def __bool__(self) -> bool:
        return bool(self.items)


# --- Headers ---------------------------------------------------------------------------


def header_positions(kind: Kind, header: dict[int, object]) -> list[int | None]:
    """The sheet column of each of the kind's columns (``None``: an optional column the
    file leaves out). Raises ``WorkbookError("headers")`` naming what is wrong."""
    found: dict[str, int] = {}
    unknown: list[str] = []
    repeated: list[str] = []
    expected = set(kind.headers)
    aliases = {alias: c.header for c in kind.columns for alias in c.aliases}
    for index in sorted(header):
        name = "".join(str(header[index]).split()).rstrip("*")
        name = aliases.get(name, name)
        if name in expected:
            if name in found:
                repeated.append(name)
            else:
                found[name] = index
        else:
            unknown.append(name)
    missing = [c.header for c in kind.columns if c.required and c.header not in found]
    if missing or unknown or repeated:
        problems: list[tuple[str, dict[str, str]]] = []
        if missing:
            problems.append(("missing_headers", {"names": "、".join(missing)}))
        if unknown:
            problems.append(("unknown_headers", {"names": "、".join(unknown[:10])}))
        if repeated:
            problems.append(("repeated_headers", {"names": "、".join(repeated)}))
        raise WorkbookError("headers", expected="、".join(kind.headers), problems=problems)
    return [found.get(c.header) for c in kind.columns]


# --- The pass over the file ----------------------------------------------------------------


def run(
    source: str,
    *,
    kind: str,
    area: Place,
    commit: bool,
    max_rows: int,
    today: date,
) -> Outcome:
    """Check (and with ``commit`` apply) the roster in ``source`` for ``area``."""
    outcome = Outcome()
    spec = KINDS[kind]
    try:
        with Workbook(source) as book, _collecting_only_new_objects():
            rows = book.rows()
            first = next(rows, None)
            if first is None:
                outcome.file_error = "no_rows"
                return outcome
            positions = header_positions(spec, first[1])
            importer = IMPORTERS[kind](area=area, outcome=outcome, commit=commit, today=today)
            try:
                _feed_importer(importer, rows, positions, outcome, max_rows)
            finally:
                importer.close()
    except WorkbookError as exc:
        outcome.file_error = exc.code
        outcome.file_error_params = exc.params
    return outcome


@contextmanager
def _collecting_only_new_objects() -> Iterator[None]:
    """Keep the garbage collector's full passes to the objects the import makes.

    A roster allocates a few containers per cell and row, so the collector runs often, and
    each of its full passes would walk every object the process already had (the
    framework's, the pinyin dictionaries) — a fifth of the import's time. Those objects are
    set aside for the length of the import (``gc.freeze``) and handed back after; a
    reference cycle among them is collected then, on a later pass."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _feed_importer(
    importer: Importer,
    rows: Iterable[tuple[int, dict[int, object]]],
    positions: list[int | None],
    outcome: Outcome,
    max_rows: int,
) -> None:
    chunk: list[tuple[int, list[object]]] = []
    for number, found in rows:
        values = [found.get(p) if p is not None else None for p in positions]
        if all(v is None for v in values):
            continue
        if outcome.rows >= max_rows:
            outcome.file_error = "too_many_rows"
            outcome.file_error_params = {"limit": max_rows}
            return
        outcome.rows += 1
        chunk.append((number, values))
        if len(chunk) >= CHUNK:
            importer.process(chunk)
            chunk = []
    if chunk:
        importer.process(chunk)
    if not outcome.rows:
        outcome.file_error = "no_rows"
        return
    importer.finish()


class Importer:
    spec: Kind
    # One function per column of the kind, from a filled cell to its clean value (``parse``).
    parsers: tuple[Callable[[object], Any], ...] = ()

    def __init__(self, *, area: Place, outcome: Outcome, commit: bool, today: date) -> None:
        self.area = area
        self.outcome = outcome
        self.commit = commit
        self.today = today
        # One key per row that must be unique in the file → row number * 4 + category.
        self.seen: dict[Any, int] = {}
        self.headers = [c.header for c in self.spec.columns]
        self.required = [c.required for c in self.spec.columns]

    @property
    def writing(self) -> bool:
        return self.commit and self.outcome.ok

    def value(
        self,
        values: list[object],
        index: int,
        problems: RowProblems,
        parse: Callable[[object], Any],
    ) -> Any:
        raw = values[index]
        if raw is None or raw == "":
            if self.required[index]:
                problems.add(self.headers[index], "required")
            return None
        try:
            result = parse(raw)
        except CellProblem as exc:
            problems.add(self.headers[index], exc.code, **exc.params)
            return None
        if result == "" and self.required[index]:
            problems.add(self.headers[index], "required")
            return None
        return result

    def parse(self, values: list[object], problems: RowProblems) -> list[Any]:
        """Every cell of a row through its column's parser (``self.parsers``), as ``value``
        does one cell at a time: the clean values, ``None`` where a cell is empty or wrong,
        and the problems in column order."""
        clean: list[Any] = []
        add = clean.append
        required = self.required
        for index, parse in enumerate(self.parsers):
            raw = values[index]
            if raw is None or raw == "":
                if required[index]:
                    problems.add(self.headers[index], "required")
                add(None)
                continue
            try:
                result = parse(raw)
            except CellProblem as exc:
                problems.add(self.headers[index], exc.code, **exc.params)
                add(None)
                continue
            if result == "" and required[index]:
                problems.add(self.headers[index], "required")
                result = None
            add(result)
        return clean

    def text(self, values: list[object], index: int, problems: RowProblems, limit: int) -> Any:
        return self.value(values, index, problems, lambda v: cells.text(v, max_length=limit))

    def settle(self, number: int, problems: RowProblems, category: int, key: Any = None) -> int:
        """Count the row in its category (error when it has problems), after checking that
        ``key`` (when given) has not been seen in an earlier row. Returns the category."""
        if problems:
            category = ERROR
        if key is not None:
            prior = self.seen.get(key)
            if prior is None:
                self.seen[key] = number * 4 + category
            else:
                prior_row, prior_category = divmod(prior, 4)
                column = self.headers[self.unique_column]
                problems.add(column, "duplicate", column=column, row=prior_row)
                category = ERROR
                self.outcome.problem(prior_row, column, "duplicate", column=column, row=number)
                if prior_category != ERROR:
                    self.outcome.counts[prior_category] -= 1
                    self.outcome.counts[ERROR] += 1
                    self.seen[key] = prior_row * 4 + ERROR
        for column, code, params in problems.items:
            self.outcome.problem(number, column, code, **params)
        self.outcome.counts[category] += 1
        return category

    unique_column = 0

    def process(self, chunk: list[tuple[int, list[object]]]) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """Work left for the end of the file (only when writing)."""

    def close(self) -> None:
        """Release what the importer holds (also after an error)."""


# --- Looking up the territory of the area -----------------------------------------------


def room_key(room: str) -> str:
    return room.removesuffix("室").strip()


class PlaceIndex:
    """Neighborhoods, blocks and buildings of the area (one query), and the building
    groups and households of each building the file names (loaded per chunk, once per
    building)."""

    def __init__(self, area: Place) -> None:
        self.area = area
        self.hoods: dict[str, str] = {}
        self.blocks: dict[tuple[str, str], str] = {}
        # (neighborhood path, building name) → building paths; (block path, name) → path
        self.buildings: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.buildings_by_block: dict[tuple[str, str], str] = {}
        self.names: dict[str, str] = {}
        places = Place.objects.filter(
            subtree_q(area.path),
            kind__in=[PlaceKind.NEIGHBORHOOD, PlaceKind.BLOCK, PlaceKind.BUILDING],
        ).values_list("path", "name", "kind")
        hood_length = KIND_DEPTH[PlaceKind.NEIGHBORHOOD] * STEP_LENGTH
        block_length = KIND_DEPTH[PlaceKind.BLOCK] * STEP_LENGTH
        for path, name, kind in places:
            self.names[path] = name
            if kind == PlaceKind.NEIGHBORHOOD:
                self.hoods.setdefault(name, path)
            elif kind == PlaceKind.BLOCK:
                self.blocks[(path[:hood_length], name)] = path
            else:
                self.buildings[(path[:hood_length], name)].append(path)
                self.buildings_by_block[(path[:block_length], name)] = path
        self.loaded: set[str] = set()
        # building path → group name → group path; building path → room → [(group path,
        # household id, household path)]
        self.groups: dict[str, dict[str, str]] = defaultdict(dict)
        self.rooms: dict[str, dict[str, list[tuple[str, int, str]]]] = defaultdict(
            lambda: defaultdict(list)
        )
        self._elsewhere: dict[str, bool] = {}

    def neighborhood(self, name: str, problems: RowProblems, column: str) -> str | None:
        path = self.hoods.get(name)
        if path is not None:
            return path
        exists = self._elsewhere.get(name)
        if exists is None:
            exists = Place.objects.filter(kind=PlaceKind.NEIGHBORHOOD, name=name).exists()
            self._elsewhere[name] = exists
        code = "outside_area" if exists else "unknown_neighborhood"
        problems.add(column, code, name=name, place=self.area.name)
        return None

    def load(self, building_paths: Iterable[str]) -> None:
        """Load the building groups and households of these buildings (one query)."""
        missing = {p for p in building_paths if p not in self.loaded}
        if not missing:
            return
        self.loaded |= missing
        rows = Place.objects.filter(
            any_subtree_q(missing),
            kind__in=[PlaceKind.BUILDING_GROUP, PlaceKind.HOUSEHOLD],
        ).values_list("id", "path", "name", "room", "kind")
        building_length = KIND_DEPTH[PlaceKind.BUILDING] * STEP_LENGTH
        for pk, path, name, room, kind in rows:
            building = path[:building_length]
            if kind == PlaceKind.BUILDING_GROUP:
                self.groups[building][name] = path
                self.names[path] = name
            else:
                key = room_key(room or name)
                self.rooms[building][key].append((path[:BUILDING_GROUP_LENGTH], pk, path))


class PartyIndex:
    """Which party group serves the grid of each building group of the area (属地化), and
    the party groups of the area by name."""

    def __init__(self, area: Place) -> None:
        self.grid_of: dict[str, int] = dict(
            Place.objects.filter(
                subtree_q(area.path), kind=PlaceKind.BUILDING_GROUP, grid__isnull=False
            ).values_list("path", "grid_id")
        )
        self.group_of_grid: dict[int, int] = {}
        self.by_name: dict[str, list[int]] = defaultdict(list)
        groups = PartyOrg.objects.filter(
            subtree_q(area.path, "scope_path"), kind=PartyOrgKind.GROUP
        ).values_list("id", "name", "grid_id")
        for pk, name, grid_id in groups:
            self.by_name[name].append(pk)
            if grid_id is not None:
                self.group_of_grid[grid_id] = pk

    def group_for(self, household_path: str) -> int | None:
        grid_id = self.grid_of.get(household_path[:BUILDING_GROUP_LENGTH])
        return self.group_of_grid.get(grid_id) if grid_id is not None else None


# --- Residents -----------------------------------------------------------------------------


class ResidentRow(NamedTuple):
    number: int
    problems: RowProblems
    hood: str | None
    building: str | None
    group: str | None
    room: str | None
    name: str | None
    gender: str | None
    id_number: str | None
    phone: str | None
    relation: str | None
    moved_in: date | None


RESIDENT_FIELDS = (
    "id",
    "id_number_digest",
    "household_id",
    "path",
    "name",
    "gender",
    "birth_year",
    "relation",
    "moved_in",
    "phone_digest",
    "moved_out",
)


class ResidentImporter(Importer):
    spec = RESIDENTS
    unique_column = 6  # 身份证号

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.index = PlaceIndex(self.area)
        self.party: PartyIndex | None = None
        today = self.today
        self.parsers = (
            partial(cells.text, max_length=100),  # 居民区
            partial(cells.text, max_length=100),  # 楼栋
            partial(cells.text, max_length=100),  # 楼组
            partial(cells.text, max_length=20),  # 室号
            partial(cells.text, max_length=50),  # 姓名
            partial(cells.choice, options=GENDERS),
            cells.id_number,
            cells.phone,
            partial(cells.choice, options=RELATIONS, aliases=RELATION_ALIASES),
            partial(cells.day, latest=today),
        )
        self.sealer = Sealer()
        self.writer = Writer(chunk=CHUNK)
        self.stamp = timezone.now()
        # New residents of the previous chunk, waiting for their seals and pinyin.
        self.pending: tuple[Future[list[Sealed]], list[tuple[Any, ...]]] | None = None

    def _household(
        self,
        hood: str,
        building: str,
        group: str | None,
        room: str,
        problems: RowProblems,
    ) -> tuple[int, str] | None:
        h = self.headers
        hood_path = self.index.neighborhood(hood, problems, h[0])
        if hood_path is None:
            return None
        buildings = self.index.buildings.get((hood_path, building), [])
        if not buildings:
            problems.add(h[1], "unknown_building", neighborhood=hood, name=building)
            return None
        if len(buildings) > 1:
            problems.add(h[1], "ambiguous_building", neighborhood=hood, name=building)
            return None
        building_path = buildings[0]
        candidates = self.index.rooms[building_path].get(room_key(room), [])
        if group:
            group_path = self.index.groups[building_path].get(group)
            if group_path is None:
                problems.add(h[2], "unknown_group", building=building, name=group)
                return None
            candidates = [c for c in candidates if c[0] == group_path]
        if not candidates:
            problems.add(h[3], "unknown_room", building=building, room=room)
            return None
        if len(candidates) > 1:
            groups = "、".join(self.index.names.get(c[0], "") for c in candidates)
            problems.add(h[3], "ambiguous_room", building=building, room=room, groups=groups)
            return None
        return candidates[0][1], candidates[0][2]

    def process(self, chunk: list[tuple[int, list[object]]]) -> None:
        h = self.headers
        parse = self.parse
        male_value = GENDERS["男"]
        hoods = self.index.hoods
        buildings = self.index.buildings
        parsed: list[ResidentRow] = []
        wanted: set[str] = set()
        for number, values in chunk:
            problems = RowProblems()
            clean = parse(values, problems)
            hood, building, _group, _room, _name, gender, number_id = clean[:7]
            if number_id and gender:
                male = cells.id_is_male(number_id)
                if male != (gender == male_value):
                    problems.add(h[5], "gender_mismatch", gender="男" if male else "女")
            if hood and building:
                hood_path = hoods.get(hood)
                if hood_path is not None:
                    wanted.update(buildings.get((hood_path, building), ()))
            parsed.append(ResidentRow(number, problems, *clean))
        self.index.load(wanted)
        digests = {
            row.id_number: personal_data.digest(row.id_number)
            for row in parsed
            if row.id_number is not None
        }
        existing = {
            r[1]: r
            # The explicit "not empty" lets SQLite and PostgreSQL use the partial unique
            # index on the digest (its condition must appear in the query).
            for r in Resident.objects.exclude(id_number_digest="")
            .filter(id_number_digest__in=digests.values())
            .order_by()
            .values_list(*RESIDENT_FIELDS)
        }
        creates: list[tuple[Any, ...]] = []
        to_seal: list[tuple[str, str, str | None]] = []
        updates: dict[tuple[str, ...], list[Resident]] = defaultdict(list)
        moved: dict[int, str] = {}
        area_path = self.area.path
        settle = self.settle
        # Once not writing, never writing again (problems only add up): what is collected
        # after a late problem is dropped below.
        collect = self.writing
        for row in parsed:
            number, problems, hood, building, group, room, name, gender, number_id = row[:9]
            phone, relation, moved_in = row[9:]
            household = None
            if hood and building and room:
                household = self._household(hood, building, group, room, problems)
            digest = digests.get(number_id) if number_id else None
            key = int(digest[:16], 16) if digest else None
            category = CREATE
            current = existing.get(digest) if digest else None
            if current is not None and not current[3].startswith(area_path):
                problems.add(h[6], "resident_outside_area")
            if problems.items or household is None:
                settle(number, problems, ERROR, key)
                continue
            assert number_id is not None and digest is not None
            assert name is not None and gender is not None and relation is not None
            birth_year = cells.id_birth_year(number_id)
            if current is None:
                category = settle(number, problems, CREATE, key)
                if category == CREATE and collect:
                    creates.append((household, name, gender, birth_year, relation, moved_in))
                    to_seal.append((name, number_id, phone))
                continue
            changed, resident = self._changes(
                current, household, name, gender, birth_year, relation, moved_in, phone
            )
            category = settle(number, problems, UPDATE if changed else UNCHANGED, key)
            if category == UPDATE and collect:
                updates[tuple(sorted(changed))].append(resident)
                if "household" in changed:
                    moved[resident.pk] = resident.path
        if not self.writing:
            return
        del parsed, existing, digests  # only one chunk's rows are held at a time
        # The new residents' numbers are sealed (and names spelt) while the next chunk is
        # read and checked; they are written once that is done, or at the end.
        self._create_pending()
        if creates:
            self.pending = (self.sealer.submit(to_seal), creates)
        self._write(updates, moved)

    def _create_pending(self) -> None:
        if self.pending is None:
            return
        future, creates = self.pending
        self.pending = None
        if not self.writing:
            return
        # Plain rows through the bulk inserter (executemany on SQLite, COPY on PostgreSQL):
        # no model instances and no per-field preparation, which cost more than the insert.
        rows = Rows(stamp=self.stamp)
        add = rows.add
        for (household, name, gender, birth_year, relation, moved_in), sealed in zip(
            creates, future.result(), strict=True
        ):
            add(
                Resident,
                {
                    "household_id": household[0],
                    "path": household[1],
                    "name": name,
                    "name_pinyin": sealed[0],
                    "name_initials": sealed[1],
                    "gender": gender,
                    "birth_year": birth_year,
                    "relation": relation,
                    "moved_in": moved_in,
                    "id_number_sealed": sealed[2],
                    "id_number_digest": sealed[3],
                    "id_number_last4": sealed[4],
                    "phone_sealed": sealed[5],
                    "phone_digest": sealed[6],
                    "phone_last4": sealed[7],
                },
            )
        connection = connections[DEFAULT_DB_ALIAS]
        # COPY runs on the driver's own cursor: its errors (a unique number written by
        # someone else meanwhile) become Django's IntegrityError here, as bulk_create's do.
        with connection.wrap_database_errors:
            self.writer.write(rows)

    def finish(self) -> None:
        self._create_pending()

    def close(self) -> None:
        self.pending = None
        self.sealer.close()

    def _changes(
        self,
        current: tuple[Any, ...],
        household: tuple[int, str],
        name: str,
        gender: str,
        birth_year: int,
        relation: str,
        moved_in: date | None,
        phone: str | None,
    ) -> tuple[set[str], Resident]:
        pk, _digest, household_id, path, old_name, old_gender, old_year = current[:7]
        old_relation, old_moved_in, old_phone_digest, old_moved_out = current[7:]
        changed: set[str] = set()
        resident = Resident(
            pk=pk,
            household_id=household_id,
            path=path,
            name=old_name,
            gender=old_gender,
            birth_year=old_year,
            relation=old_relation,
            moved_in=old_moved_in,
        )
        if household[0] != household_id:
            changed |= {"household", "path"}
            resident.household_id, resident.path = household
        if name != old_name:
            changed |= {"name", "name_pinyin", "name_initials"}
            resident.name = name
            resident.name_pinyin, resident.name_initials = cells.name_pinyin(name)
        if gender != old_gender:
            changed.add("gender")
            resident.gender = gender
        if birth_year != old_year:
            changed.add("birth_year")
            resident.birth_year = birth_year
        if relation != old_relation:
            changed.add("relation")
            resident.relation = relation
        if moved_in is not None and moved_in != old_moved_in:
            changed.add("moved_in")
            resident.moved_in = moved_in
        if old_moved_out is not None:
            # Recorded as moved away, now on the roster again: living here once more.
            changed.add("moved_out")
            resident.moved_out = None
        if phone and personal_data.digest(phone) != old_phone_digest:
            changed |= {"phone_sealed", "phone_digest", "phone_last4"}
            sealed = personal_data.seal(phone)
            resident.phone_sealed = sealed.sealed
            resident.phone_digest = sealed.digest
            resident.phone_last4 = sealed.last4
        return changed, resident

    def _write(self, updates: dict[tuple[str, ...], list[Resident]], moved: dict[int, str]) -> None:
        for fields, objects in updates.items():
            names = [f for f in fields if f != "household"] + (
                ["household"] if "household" in fields else []
            )
            Resident.objects.bulk_update(objects, names, batch_size=500)
        if moved:
            # 属地化: a member who moves belongs to the party group of the new grid.
            if self.party is None:
                self.party = PartyIndex(self.area)
            members = list(
                PartyMember.objects.filter(resident_id__in=list(moved)).only(
                    "id", "resident_id", "path", "group_id"
                )
            )
            for member in members:
                assert member.resident_id is not None
                member.path = moved[member.resident_id]
                member.group_id = self.party.group_for(member.path)
            if members:
                PartyMember.objects.bulk_update(members, ["path", "group"], batch_size=500)


# --- Buildings and households --------------------------------------------------------------


class HouseholdRow(NamedTuple):
    number: int
    problems: RowProblems
    block_path: str | None
    building: str | None
    group: str | None
    floor: int | None
    room: str | None
    address: str | None
    year_built: int | None
    floors: int | None


@dataclass
class NewNode:
    parent: str  # the parent's key: a path, or the key of a node created by this import
    name: str
    kind: str
    fields: dict[str, Any]
    path: str = ""
    floors: list[int] = field(default_factory=list)


class HouseholdImporter(Importer):
    spec = HOUSEHOLDS
    unique_column = 5  # 室号

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.index = PlaceIndex(self.area)
        # key → node created by this import ("b:" building, "g:" group)
        self.new: dict[str, NewNode] = {}
        self.pending: list[str] = []  # keys of nodes not yet written, in order
        self.next_step: dict[str, int] = {}
        self.new_groups: list[str] = []
        self.this_year = self.today.year

    def _path(self, key: str) -> str:
        node = self.new.get(key)
        if node is None:
            return key
        return node.path

    def process(self, chunk: list[tuple[int, list[object]]]) -> None:
        h = self.headers
        parsed = []
        wanted: set[str] = set()
        for number, values in chunk:
            problems = RowProblems()
            hood = self.text(values, 0, problems, 100)
            block = self.text(values, 1, problems, 100)
            building = self.text(values, 2, problems, 100)
            group = self.text(values, 3, problems, 100)
            floor = self.value(values, 4, problems, lambda v: cells.integer(v, low=-5, high=200))
            room = self.text(values, 5, problems, 20)
            address = self.text(values, 6, problems, 200)
            year = self.value(
                values, 7, problems, lambda v: cells.integer(v, low=1800, high=self.this_year)
            )
            floors = self.value(values, 8, problems, lambda v: cells.integer(v, low=1, high=200))
            block_path = None
            if hood:
                hood_path = self.index.neighborhood(hood, problems, h[0])
                if hood_path is not None and block:
                    block_path = self.index.blocks.get((hood_path, block))
                    if block_path is None:
                        problems.add(h[1], "unknown_block", neighborhood=hood, name=block)
                if block_path is not None and building:
                    existing = self.index.buildings_by_block.get((block_path, building))
                    if existing is not None:
                        wanted.add(existing)
                    elif any(
                        not p.startswith(block_path)
                        for p in self.index.buildings.get((hood_path or "", building), ())
                    ):
                        problems.add(
                            h[2], "building_in_other_block", neighborhood=hood, name=building
                        )
            parsed.append(
                HouseholdRow(
                    number,
                    problems,
                    block_path,
                    building,
                    group,
                    floor,
                    room,
                    address,
                    year,
                    floors,
                )
            )
        self.index.load(wanted)
        for row in parsed:
            number, problems, block_path, building, group, floor, room = row[:7]
            address, year, floors = row.address, row.year_built, row.floors
            if problems or not (block_path and building and group and room):
                self.settle(number, problems, ERROR)
                continue
            # Places this import creates have keys starting with "+" (never a path).
            building_key = self.index.buildings_by_block.get((block_path, building))
            if building_key is None:
                building_key = f"+b:{block_path}:{building}"
                group_key = None
            else:
                group_key = self.index.groups[building_key].get(group)
            if group_key is None:
                group_key = f"+g:{building_key}:{group}"
            rkey = room_key(room)
            exists = not group_key.startswith("+") and any(
                c[0] == group_key for c in self.index.rooms[building_key].get(rkey, ())
            )
            category = self.settle(
                number, problems, UNCHANGED if exists else CREATE, (group_key, rkey)
            )
            if category != CREATE:
                continue
            if building_key.startswith("+") and building_key not in self.new:
                self._plan(
                    building_key,
                    NewNode(
                        block_path,
                        building,
                        PlaceKind.BUILDING,
                        {"address": address or "", "year_built": year, "floors": floors},
                    ),
                )
            if group_key.startswith("+") and group_key not in self.new:
                self._plan(group_key, NewNode(building_key, group, PlaceKind.BUILDING_GROUP, {}))
            if group_key in self.new and floor is not None:
                self.new[group_key].floors.append(floor)
            self._plan(
                f"+h:{group_key}:{rkey}",
                NewNode(
                    group_key,
                    f"{rkey}室",
                    PlaceKind.HOUSEHOLD,
                    {"room": rkey, "floor": floor},
                ),
            )
        if self.writing:
            self._write()

    def _plan(self, key: str, node: NewNode) -> None:
        self.new[key] = node
        self.pending.append(key)
        kind = node.kind
        self.outcome.detail[kind] = self.outcome.detail.get(kind, 0) + 1

    def _write(self) -> None:
        if not self.pending:
            return
        by_kind: dict[str, list[str]] = defaultdict(list)
        for key in self.pending:
            by_kind[self.new[key].kind].append(key)
        self.pending = []
        for kind in (PlaceKind.BUILDING, PlaceKind.BUILDING_GROUP, PlaceKind.HOUSEHOLD):
            keys = by_kind.get(kind)
            if not keys:
                continue
            depth = KIND_DEPTH[kind]
            parents = [self._path(self.new[k].parent) for k in keys]
            self._load_steps(set(parents), depth)
            # Lock the parents (PostgreSQL) so a concurrent add_child cannot take a path.
            list(Place.objects.select_for_update().filter(path__in=set(parents)).values("id"))
            places = []
            added: dict[str, int] = defaultdict(int)
            for key, parent in zip(keys, parents, strict=True):
                node = self.new[key]
                step = self.next_step[parent]
                self.next_step[parent] = step + 1
                node.path = Place._get_path(parent, depth, step)
                added[parent] += 1
                places.append(
                    Place(
                        kind=kind,
                        name=node.name,
                        path=node.path,
                        depth=depth,
                        numchild=0,
                        **node.fields,
                    )
                )
                self.next_step[node.path] = 1
                if kind == PlaceKind.BUILDING_GROUP:
                    self.new_groups.append(key)
            Place.objects.bulk_create(places, batch_size=CHUNK)
            by_count: dict[int, list[str]] = defaultdict(list)
            for parent, n in added.items():
                by_count[n].append(parent)
            for n, paths in by_count.items():
                Place.objects.filter(path__in=paths).update(numchild=F("numchild") + n)

    def _load_steps(self, parents: set[str], depth: int) -> None:
        """The next free step under each parent (after its last child, as add_child)."""
        missing = [p for p in parents if p not in self.next_step]
        if not missing:
            return
        length = (depth - 1) * STEP_LENGTH
        last = dict(
            Place.objects.filter(any_subtree_q(missing), depth=depth)
            .order_by()
            .annotate(parent=Substr("path", 1, length))
            .values("parent")
            .annotate(last=Max("path"))
            .values_list("parent", "last")
        )
        for parent in missing:
            child = last.get(parent)
            self.next_step[parent] = Place._str2int(child[-STEP_LENGTH:]) + 1 if child else 1

    def finish(self) -> None:
        if not self.writing or not self.new_groups:
            return
        groups = []
        for key in self.new_groups:
            node = self.new[key]
            floors = [f for f in node.floors if f is not None]
            if floors:
                groups.append((node.path, min(floors), max(floors)))
        objects = {p.path: p for p in Place.objects.filter(path__in=[g[0] for g in groups])}
        for path, low, high in groups:
            objects[path].floor_from, objects[path].floor_to = low, high
        Place.objects.bulk_update(
            list(objects.values()), ["floor_from", "floor_to"], batch_size=500
        )


# --- Party members -------------------------------------------------------------------------


class PartyMemberImporter(Importer):
    spec = PARTY_MEMBERS
    unique_column = 0  # 身份证号

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.party = PartyIndex(self.area)

    def process(self, chunk: list[tuple[int, list[object]]]) -> None:
        h = self.headers
        today = self.today
        parsed = []
        for number, values in chunk:
            problems = RowProblems()
            number_id = self.value(values, 0, problems, cells.id_number)
            name = self.text(values, 1, problems, 50)
            category = self.value(values, 2, problems, lambda v: cells.choice(v, CATEGORIES))
            joined = self.value(values, 3, problems, lambda v: cells.day(v, latest=today))
            group_name = self.text(values, 4, problems, 100)
            group_id = None
            if group_name:
                found = self.party.by_name.get(group_name, [])
                if not found:
                    problems.add(h[4], "unknown_party_group", name=group_name, place=self.area.name)
                elif len(found) > 1:
                    problems.add(h[4], "ambiguous_party_group", name=group_name)
                else:
                    group_id = found[0]
            parsed.append((number, problems, number_id, name, category, joined, group_id))
        digests = {r[2]: personal_data.digest(r[2]) for r in parsed if r[2] is not None}
        residents = {
            r[1]: r
            for r in Resident.objects.exclude(id_number_digest="")
            .filter(subtree_q(self.area.path), id_number_digest__in=digests.values())
            .order_by()
            .values_list("id", "id_number_digest", "name", "path")
        }
        members = {
            m[1]: m
            for m in PartyMember.objects.filter(resident_id__in=[r[0] for r in residents.values()])
            .order_by()
            .values_list("id", "resident_id", "category", "joined_on", "group_id")
        }
        creates: list[PartyMember] = []
        updates: dict[tuple[str, ...], list[PartyMember]] = defaultdict(list)
        for number, problems, number_id, name, category, joined, group_id in parsed:
            digest = digests.get(number_id) if number_id else None
            key = int(digest[:16], 16) if digest else None
            resident = residents.get(digest) if digest else None
            if digest and resident is None:
                problems.add(h[0], "unknown_resident")
            elif resident is not None and name and name != resident[2]:
                problems.add(h[1], "name_mismatch")
            if problems or resident is None:
                self.settle(number, problems, ERROR, key)
                continue
            member = members.get(resident[0])
            if member is None:
                outcome = self.settle(number, problems, CREATE, key)
                if outcome == CREATE and self.writing:
                    creates.append(
                        PartyMember(
                            resident_id=resident[0],
                            name=resident[2],
                            category=category,
                            joined_on=joined,
                            group_id=group_id or self.party.group_for(resident[3]),
                            path=member_path(
                                resident=Resident(path=resident[3]), serving_grid=None
                            ),
                        )
                    )
                continue
            changed: set[str] = set()
            obj = PartyMember(pk=member[0], category=member[2], joined_on=member[3])
            obj.group_id = member[4]
            if category != member[2]:
                changed.add("category")
                obj.category = category
            if joined is not None and joined != member[3]:
                changed.add("joined_on")
                obj.joined_on = joined
            if group_id is not None and group_id != member[4]:
                changed.add("group")
                obj.group_id = group_id
            outcome = self.settle(number, problems, UPDATE if changed else UNCHANGED, key)
            if outcome == UPDATE and self.writing:
                updates[tuple(sorted(changed))].append(obj)
        if self.writing:
            if creates:
                PartyMember.objects.bulk_create(creates, batch_size=CHUNK)
            for fields, objects in updates.items():
                PartyMember.objects.bulk_update(objects, list(fields), batch_size=500)


IMPORTERS: dict[str, type[Importer]] = {
    RESIDENTS.kind: ResidentImporter,
    HOUSEHOLDS.kind: HouseholdImporter,
    PARTY_MEMBERS.kind: PartyMemberImporter,
}

__all__ = ["CHUNK", "GENDER_LABELS", "Outcome", "Problem", "run"]
