"""The structure check (把架构建起来): every gap between the territory tree and the party tree
under one territory node, each with a concrete suggested fix.

The two trees are kept isomorphic: working committee ↔ sub-district, general branch ↔
neighborhood, branch ↔ block, party group ↔ grid, and a grid is a set of building groups of
one block with a three-person team living in it. ``check_structure(node)`` loads everything
it needs with a fixed number of queries (plain ``values_list`` rows, no model instances) and
computes the gaps in Python, so its cost in queries does not grow with the subtree:

1. places of the subtree down to building groups, plus the node's ancestors (labels);
2. the grids of the subtree, of the node's block and of the subtree's building groups;
3. building groups of those grids lying outside the subtree;
4. party organisations serving the subtree, its ancestors or those grids;
5. current grid-team terms of those grids, with their holders' homes and membership;
6. party members living in the subtree, serving in those grids or living in their groups;
7. (only when some building group outside the subtree needs a label) its ancestors;
8. (only when a resident group leader or owner representative is missing) up to three
   candidates per building group and relation, by a window query.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber, Substr
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from sanxian.grids.models import Grid, GridRole, GridTeamTerm
from sanxian.party.models import PartyMember, PartyOrg, PartyOrgKind
from sanxian.places.models import KIND_DEPTH, Place, PlaceKind, Relation, Resident
from sanxian.places.paths import STEP_LENGTH, ancestor_paths, any_subtree_q, subtree_q

ERROR = "error"
WARNING = "warning"

# Length of the path of a node of each kind (the tree has fixed depths).
NEIGHBORHOOD_LEN = KIND_DEPTH[PlaceKind.NEIGHBORHOOD] * STEP_LENGTH
BLOCK_LEN = KIND_DEPTH[PlaceKind.BLOCK] * STEP_LENGTH
BUILDING_LEN = KIND_DEPTH[PlaceKind.BUILDING] * STEP_LENGTH
BUILDING_GROUP_LEN = KIND_DEPTH[PlaceKind.BUILDING_GROUP] * STEP_LENGTH

# Kinds loaded for the check: everything above households.
STRUCTURE_KINDS = (
    PlaceKind.SUBDISTRICT,
    PlaceKind.NEIGHBORHOOD,
    PlaceKind.BLOCK,
    PlaceKind.BUILDING,
    PlaceKind.BUILDING_GROUP,
)
CANDIDATES = 3


@dataclass(frozen=True)
class GapKind:
    code: str
    severity: str
    title: Promise


# Every gap code, in the order the check reports them.
GAP_KINDS: tuple[GapKind, ...] = (
    GapKind(
        "subdistrict_without_working_committee",
        ERROR,
        gettext_lazy("Sub-district without a working committee"),
    ),
    GapKind(
        "neighborhood_without_general_branch",
        ERROR,
        gettext_lazy("Neighborhood without a general branch"),
    ),
    GapKind(
        "neighborhood_with_several_general_branches",
        ERROR,
        gettext_lazy("Neighborhood with several general branches"),
    ),
    GapKind(
        "general_branch_under_wrong_committee",
        WARNING,
        gettext_lazy("General branch under another working committee"),
    ),
    GapKind("block_without_branch", ERROR, gettext_lazy("Block without a branch")),
    GapKind("block_with_several_branches", ERROR, gettext_lazy("Block with several branches")),
    GapKind(
        "branch_under_wrong_general_branch",
        WARNING,
        gettext_lazy("Branch under another general branch"),
    ),
    GapKind("building_group_without_grid", ERROR, gettext_lazy("Building group in no grid")),
    GapKind("grid_crosses_block", ERROR, gettext_lazy("Grid crossing a block")),
    GapKind("empty_grid", WARNING, gettext_lazy("Grid without building groups")),
    GapKind("grid_without_party_group", ERROR, gettext_lazy("Grid without a party group")),
    GapKind(
        "party_group_under_wrong_branch",
        WARNING,
        gettext_lazy("Party group under another branch"),
    ),
    GapKind("grid_role_vacant", ERROR, gettext_lazy("Grid-team role vacant")),
    GapKind(
        "grid_team_member_lives_outside",
        WARNING,
        gettext_lazy("Grid-team member living outside the grid"),
    ),
    GapKind(
        "party_group_leader_not_member",
        ERROR,
        gettext_lazy("Party group leader who is not a party member"),
    ),
    GapKind("member_without_group", ERROR, gettext_lazy("Party member in no party group")),
    GapKind(
        "member_in_wrong_group",
        WARNING,
        gettext_lazy("Party member in another grid's party group"),
    ),
    GapKind(
        "registered_member_without_grid",
        ERROR,
        gettext_lazy("Registered party member serving in no grid"),
    ),
)
GAP_KIND = {k.code: k for k in GAP_KINDS}
_ORDER = {k.code: i for i, k in enumerate(GAP_KINDS)}

# The grid-team roles as they read inside a sentence.
ROLE_PHRASES: dict[str, Promise] = {
    GridRole.PARTY_GROUP_LEADER: gettext_lazy("party group leader"),
    GridRole.RESIDENT_GROUP_LEADER: gettext_lazy("resident group leader"),
    GridRole.OWNER_REPRESENTATIVE: gettext_lazy("owner representative"),
}


class FixKind:
    """Fixes the product can apply in one step (the others need a person's judgement)."""

    ATTACH_BUILDING_GROUP = "attach_building_group"  # subject: building group; target: grid
    JOIN_PARTY_GROUP = "join_party_group"  # subject: party member; target: party group
    CREATE_PARTY_GROUP = "create_party_group"  # subject: grid; target: party branch
    MOVE_PARTY_GROUP = "move_party_group"  # subject: party group; target: party branch


@dataclass(frozen=True)
class FixAction:
    kind: str
    subject_id: int
    target_id: int


@dataclass(frozen=True)
class Gap:
    code: str  # stable English id, e.g. "building_group_without_grid"
    severity: str  # "error" | "warning"
    subject: str  # what it is about, e.g. "景泰 / 第一块区 / 5号楼 / 2单元"
    message: str  # translated sentence
    fix: str  # translated suggested fix
    place_id: int | None = None
    grid_id: int | None = None
    member_id: int | None = None
    action: FixAction | None = None  # set when the fix can be applied in one step

    @property
    def title(self) -> str:
        """The translated heading of this gap's code."""
        kind = GAP_KIND.get(self.code)
        return str(kind.title) if kind is not None else self.code


@dataclass(frozen=True)
class GapGroup:
    code: str
    severity: str
    title: str
    gaps: tuple[Gap, ...]


def group_gaps(gaps: Iterable[Gap]) -> list[GapGroup]:
    """Gaps grouped by code, in the check's order."""
    by_code: dict[str, list[Gap]] = defaultdict(list)
    for gap in gaps:
        by_code[gap.code].append(gap)
    codes = sorted(by_code, key=lambda c: _ORDER.get(c, len(_ORDER)))
    return [
        GapGroup(
            code=c,
            severity=by_code[c][0].severity,
            title=by_code[c][0].title,
            gaps=tuple(by_code[c]),
        )
        for c in codes
    ]


def summary_counts(gaps: Sequence[Gap]) -> tuple[int, int]:
    """(errors, warnings)."""
    errors = sum(1 for g in gaps if g.severity == ERROR)
    return errors, len(gaps) - errors


# --- Loaded rows ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Place:
    id: int
    path: str
    kind: str
    name: str
    grid_id: int | None


@dataclass(frozen=True, slots=True)
class _Grid:
    id: int
    path: str
    number: int
    name: str
    block_id: int


@dataclass(frozen=True, slots=True)
class _Org:
    id: int
    path: str
    kind: str
    name: str
    place_id: int | None
    grid_id: int | None


@dataclass(frozen=True, slots=True)
class _Term:
    grid_id: int
    role: str
    resident_id: int
    name: str
    path: str
    is_member: bool


@dataclass(frozen=True, slots=True)
class _Member:
    id: int
    name: str
    resident_id: int | None
    group_id: int | None
    group_name: str | None
    serving_grid_id: int | None
    path: str


@dataclass(frozen=True, slots=True)
class _Candidate:
    id: int
    name: str
    path: str
    relation: str


def _names(items: Iterable[str]) -> str:
    return ", ".join(items)


def _parent_path(path: str) -> str:
    return path[:-STEP_LENGTH]


@dataclass
class _Check:
    node: Place
    places: dict[str, _Place] = field(default_factory=dict)  # by path
    grids: dict[int, _Grid] = field(default_factory=dict)
    orgs: list[_Org] = field(default_factory=list)
    terms: dict[int, dict[str, _Term]] = field(default_factory=dict)  # grid → role → term
    members: list[_Member] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    # Indexes built by _index().
    building_groups: list[_Place] = field(default_factory=list)
    bgs_by_grid: dict[int, list[_Place]] = field(default_factory=dict)
    grids_by_block: dict[str, list[_Grid]] = field(default_factory=dict)
    orgs_by_place: dict[tuple[str, int], list[_Org]] = field(default_factory=dict)
    group_by_grid: dict[int, _Org] = field(default_factory=dict)
    members_by_bg: dict[str, list[_Member]] = field(default_factory=dict)
    checked_grids: list[_Grid] = field(default_factory=list)
    checked_grid_ids: set[int] = field(default_factory=set)
    # Resident candidates for vacant grid-team roles, by grid (load_candidates()).
    candidates: dict[int, list[_Candidate]] = field(default_factory=dict)

    # --- loading (a fixed number of queries) ------------------------------------------

    def load(self) -> None:
        node = self.node
        under = subtree_q(node.path)
        above = ancestor_paths(node.path)[:-1]
        for row in Place.objects.filter(
            (under & Q(kind__in=STRUCTURE_KINDS)) | Q(path__in=above) | Q(pk=node.pk)
        ).values_list("id", "path", "kind", "name", "grid_id"):
            self.places[row[1]] = _Place(*row)

        grid_q = (
            under
            | Q(path__in=above)
            | Q(
                pk__in=Place.objects.filter(
                    under, kind=PlaceKind.BUILDING_GROUP, grid__isnull=False
                ).values("grid_id")
            )
        )
        grid_ids = Grid.objects.filter(grid_q).values("pk")
        for row in Grid.objects.filter(grid_q).values_list(
            "id", "path", "number", "name", "block_id"
        ):
            self.grids[row[0]] = _Grid(*row)

        # Building groups of those grids that lie outside the subtree (crossing a block,
        # or the rest of the node's grid when the node is a building or below).
        outside = [
            _Place(*row)
            for row in Place.objects.filter(kind=PlaceKind.BUILDING_GROUP, grid__in=grid_ids)
            .exclude(under)
            .values_list("id", "path", "kind", "name", "grid_id")
        ]
        for p in outside:
            self.places[p.path] = p

        self.orgs = [
            _Org(*row)
            for row in PartyOrg.objects.filter(
                subtree_q(node.path, "scope_path") | Q(scope_path__in=above) | Q(grid__in=grid_ids)
            )
            .order_by("path")
            .values_list("id", "path", "kind", "name", "place_id", "grid_id")
        ]

        for grid_id, role, resident_id, name, path, member_id in GridTeamTerm.objects.filter(
            grid__in=grid_ids, ends_on__isnull=True
        ).values_list(
            "grid_id",
            "role",
            "resident_id",
            "resident__name",
            "resident__path",
            "resident__party_member__id",
        ):
            self.terms.setdefault(grid_id, {})[role] = _Term(
                grid_id, role, resident_id, name, path, member_id is not None
            )

        self.members = [
            _Member(*row)
            for row in PartyMember.objects.filter(
                under | Q(serving_grid__in=grid_ids) | any_subtree_q([p.path for p in outside])
            )
            .order_by("path", "id")
            .values_list(
                "id",
                "name",
                "resident_id",
                "group_id",
                "group__name",
                "serving_grid_id",
                "path",
            )
        ]

        # Labels of building groups outside the subtree need their ancestors.
        missing = {a for p in outside for a in ancestor_paths(p.path)[1:-1] if a not in self.places}
        if missing:
            for row in Place.objects.filter(path__in=sorted(missing)).values_list(
                "id", "path", "kind", "name", "grid_id"
            ):
                self.places[row[1]] = _Place(*row)

        self._index()

    def _index(self) -> None:
        node_path = self.node.path
        self.building_groups = sorted(
            (p for p in self.places.values() if p.kind == PlaceKind.BUILDING_GROUP),
            key=lambda p: p.path,
        )
        self.bgs_by_grid = defaultdict(list)
        for bg in self.building_groups:
            if bg.grid_id is not None:
                self.bgs_by_grid[bg.grid_id].append(bg)
        self.grids_by_block = defaultdict(list)
        for g in sorted(self.grids.values(), key=lambda g: (g.path, g.number)):
            self.grids_by_block[g.path].append(g)
        self.orgs_by_place = defaultdict(list)
        for o in self.orgs:
            if o.kind == PartyOrgKind.GROUP and o.grid_id is not None:
                self.group_by_grid[o.grid_id] = o
            elif o.place_id is not None:
                self.orgs_by_place[(o.kind, o.place_id)].append(o)
        self.members_by_bg = defaultdict(list)
        for m in self.members:
            if m.resident_id is not None and len(m.path) >= BUILDING_GROUP_LEN:
                self.members_by_bg[m.path[:BUILDING_GROUP_LEN]].append(m)

        # The grids whose own health is checked: those of the subtree or, for a node
        # below a block, the grids holding its building groups.
        if len(node_path) <= BLOCK_LEN:
            checked = [g for g in self.grids.values() if g.path.startswith(node_path)]
        else:
            block_path = node_path[:BLOCK_LEN]
            holding = {
                bg.grid_id
                for bg in self.building_groups
                if bg.path.startswith(node_path) or node_path.startswith(bg.path)
            }
            checked = [g for g in self.grids.values() if g.path == block_path and g.id in holding]
        self.checked_grids = sorted(checked, key=lambda g: (g.path, g.number))
        self.checked_grid_ids = {g.id for g in checked}

    # --- labels ----------------------------------------------------------------------

    def label(self, path: str) -> str:
        """Readable label from the ancestors' names, below the sub-district."""
        steps = ancestor_paths(path)
        parts = [self.places[p].name for p in steps[1:] if p in self.places]
        if not parts:
            parts = [self.places[p].name for p in steps[:1] if p in self.places]
        return " / ".join(parts)

    def grid_label(self, grid: _Grid) -> str:
        return f"{self.label(grid.path)} / {grid.name}"

    def member_label(self, member: _Member) -> str:
        if member.resident_id is not None:
            where = self.label(member.path[:BUILDING_GROUP_LEN])
        elif member.serving_grid_id in self.grids:
            where = self.grid_label(self.grids[member.serving_grid_id])
        else:
            where = ""
        return f"{member.name} · {where}" if where else member.name

    def add(
        self,
        code: str,
        subject: str,
        message: str,
        fix: str,
        *,
        place_id: int | None = None,
        grid_id: int | None = None,
        member_id: int | None = None,
        action: FixAction | None = None,
    ) -> None:
        self.gaps.append(
            Gap(
                code=code,
                severity=GAP_KIND[code].severity,
                subject=subject,
                message=message,
                fix=fix,
                place_id=place_id,
                grid_id=grid_id,
                member_id=member_id,
                action=action,
            )
        )

    def in_subtree(self, path: str) -> bool:
        return path.startswith(self.node.path)

    def places_of_kind(self, kind: str) -> list[_Place]:
        return sorted(
            (p for p in self.places.values() if p.kind == kind and self.in_subtree(p.path)),
            key=lambda p: p.path,
        )

    def only_org(self, kind: str, place: _Place | None) -> _Org | None:
        if place is None:
            return None
        found = self.orgs_by_place.get((kind, place.id), [])
        return found[0] if len(found) == 1 else None

    # --- checks ----------------------------------------------------------------------

    def run(self) -> list[Gap]:
        self.check_committee()
        self.check_general_branches()
        self.check_branches()
        self.check_building_groups()
        self.check_grids()
        self.check_members()
        return sorted(self.gaps, key=lambda g: _ORDER[g.code])

    def check_committee(self) -> None:
        node = self.node
        if node.kind != PlaceKind.SUBDISTRICT:
            return
        if not self.orgs_by_place.get((PartyOrgKind.WORKING_COMMITTEE, node.pk)):
            self.add(
                "subdistrict_without_working_committee",
                node.name,
                _("%(name)s has no party working committee.") % {"name": node.name},
                _("Create the party working committee of %(name)s.") % {"name": node.name},
                place_id=node.pk,
            )

    def check_general_branches(self) -> None:
        self.check_one_org_per_place(
            PlaceKind.NEIGHBORHOOD,
            PartyOrgKind.GENERAL_BRANCH,
            PartyOrgKind.WORKING_COMMITTEE,
            _OrgTexts(
                missing="neighborhood_without_general_branch",
                several="neighborhood_with_several_general_branches",
                misplaced="general_branch_under_wrong_committee",
                create_under=_("Create a general party branch for %(name)s under %(parent)s."),
                create=_("Create a general party branch for %(name)s."),
                none=_("%(name)s has no general party branch."),
                count=_("%(name)s has %(count)d general party branches: %(names)s."),
                merge=_("Merge %(names)s into one general party branch."),
                not_under=_("%(org)s is not under %(parent)s."),
                move=_("Move %(org)s under %(parent)s."),
            ),
        )

    def check_branches(self) -> None:
        self.check_one_org_per_place(
            PlaceKind.BLOCK,
            PartyOrgKind.BRANCH,
            PartyOrgKind.GENERAL_BRANCH,
            _OrgTexts(
                missing="block_without_branch",
                several="block_with_several_branches",
                misplaced="branch_under_wrong_general_branch",
                create_under=_("Create a party branch for %(name)s under %(parent)s."),
                create=_("Create a party branch for %(name)s."),
                none=_("%(name)s has no party branch."),
                count=_("%(name)s has %(count)d party branches: %(names)s."),
                merge=_("Merge %(names)s into one party branch."),
                not_under=_("%(org)s is not under %(parent)s."),
                move=_("Move %(org)s under %(parent)s."),
            ),
        )

    def check_one_org_per_place(
        self, place_kind: str, org_kind: str, parent_kind: str, texts: _OrgTexts
    ) -> None:
        """Each place of ``place_kind`` has exactly one organisation of ``org_kind``, placed
        under the organisation (``parent_kind``) of the parent place."""
        for place in self.places_of_kind(place_kind):
            label = self.label(place.path)
            found = self.orgs_by_place.get((org_kind, place.id), [])
            parent = self.only_org(parent_kind, self.places.get(_parent_path(place.path)))
            if not found:
                fix = (
                    texts.create_under % {"name": label, "parent": parent.name}
                    if parent is not None
                    else texts.create % {"name": label}
                )
                self.add(texts.missing, label, texts.none % {"name": label}, fix, place_id=place.id)
            elif len(found) > 1:
                names = _names(o.name for o in found)
                self.add(
                    texts.several,
                    label,
                    texts.count % {"name": label, "count": len(found), "names": names},
                    texts.merge % {"names": names},
                    place_id=place.id,
                )
            elif parent is not None and _parent_path(found[0].path) != parent.path:
                names_of = {"org": found[0].name, "parent": parent.name}
                self.add(
                    texts.misplaced,
                    label,
                    texts.not_under % names_of,
                    texts.move % names_of,
                    place_id=place.id,
                )

    def next_door(self, bg: _Place, exclude: int | None = None) -> tuple[_Grid | None, str]:
        """The grid a building group should join, and why (a translated clause)."""
        grids = [g for g in self.grids_by_block.get(bg.path[:BLOCK_LEN], []) if g.id != exclude]
        if not grids:
            return None, ""
        building = bg.path[:BUILDING_LEN]
        best: tuple[int, int, _Grid, _Place] | None = None
        for g in grids:
            same = [
                other
                for other in self.bgs_by_grid.get(g.id, [])
                if other.id != bg.id and other.path.startswith(building)
            ]
            if same and (best is None or (-len(same), g.number) < best[:2]):
                best = (-len(same), g.number, g, same[0])
        if best is not None:
            return best[2], _("it already holds %(sibling)s of the same building") % {
                "sibling": self.label(best[3].path)
            }
        smallest = min(grids, key=lambda g: (len(self.bgs_by_grid.get(g.id, [])), g.number))
        count = len(self.bgs_by_grid.get(smallest.id, []))
        return smallest, _("the grid of the block with the fewest building groups (%(count)d)") % {
            "count": count
        }

    def attach_fix(self, bg: _Place, exclude: int | None = None) -> str:
        grid, reason = self.next_door(bg, exclude)
        label = self.label(bg.path)
        if grid is not None:
            return _("Attach %(bg)s to %(grid)s next door: %(reason)s.") % {
                "bg": label,
                "grid": self.grid_label(grid),
                "reason": reason,
            }
        block = self.label(bg.path[:BLOCK_LEN])
        return _("%(block)s has no grid yet: create one and attach %(bg)s to it.") % {
            "block": block,
            "bg": label,
        }

    def check_building_groups(self) -> None:
        reported_crossing: set[int] = set()
        for bg in self.building_groups:
            mine = self.in_subtree(bg.path)
            label = self.label(bg.path)
            if bg.grid_id is None:
                if not mine:
                    continue
                members = len(self.members_by_bg.get(bg.path, []))
                if members:
                    message = ngettext(
                        "%(bg)s has %(count)d party member and lies in no grid, "
                        "so it has no party group.",
                        "%(bg)s has %(count)d party members and lies in no grid, "
                        "so they have no party group.",
                        members,
                    ) % {"bg": label, "count": members}
                else:
                    message = _("%(bg)s lies in no grid.") % {"bg": label}
                target, _reason = self.next_door(bg)
                self.add(
                    "building_group_without_grid",
                    label,
                    message,
                    self.attach_fix(bg),
                    place_id=bg.id,
                    action=_attach(bg, target),
                )
                continue
            grid = self.grids.get(bg.grid_id)
            if grid is None or bg.path.startswith(grid.path):
                continue
            if not (mine or grid.id in self.checked_grid_ids) or bg.id in reported_crossing:
                continue
            reported_crossing.add(bg.id)
            block_label = self.label(bg.path[:BLOCK_LEN])
            target, _reason = self.next_door(bg, exclude=grid.id)
            if target is not None:
                fix = _("Move %(bg)s out of %(grid)s into %(target)s of %(block)s.") % {
                    "bg": label,
                    "grid": self.grid_label(grid),
                    "target": self.grid_label(target),
                    "block": block_label,
                }
            else:
                fix = _("Move %(bg)s out of %(grid)s into a grid of %(block)s.") % {
                    "bg": label,
                    "grid": self.grid_label(grid),
                    "block": block_label,
                }
            self.add(
                "grid_crosses_block",
                self.grid_label(grid),
                _("%(grid)s includes %(bg)s of another block (%(block)s).")
                % {"grid": self.grid_label(grid), "bg": label, "block": block_label},
                fix,
                place_id=bg.id,
                grid_id=grid.id,
                action=_attach(bg, target),
            )

    def check_grids(self) -> None:
        for grid in self.checked_grids:
            bgs = self.bgs_by_grid.get(grid.id, [])
            label = self.grid_label(grid)
            if not bgs:
                self.check_empty_grid(grid, label)
                continue
            self.check_party_group(grid, label)
            self.check_team(grid, label, bgs)

    def check_empty_grid(self, grid: _Grid, label: str) -> None:
        def misplaced(bg: _Place) -> bool:
            if bg.grid_id is None:
                return True
            held_by = self.grids.get(bg.grid_id)
            return held_by is not None and not bg.path.startswith(held_by.path)

        loose = [
            bg for bg in self.building_groups if bg.path.startswith(grid.path) and misplaced(bg)
        ]
        if loose:
            fix = _("Attach building groups of the block to it, e.g. %(names)s.") % {
                "names": _names(self.label(bg.path) for bg in loose[:CANDIDATES])
            }
        else:
            fix = _("Attach building groups of the block to it, or delete %(grid)s.") % {
                "grid": label
            }
        self.add(
            "empty_grid",
            label,
            _("%(grid)s holds no building group.") % {"grid": label},
            fix,
            grid_id=grid.id,
        )

    def check_party_group(self, grid: _Grid, label: str) -> None:
        group = self.group_by_grid.get(grid.id)
        branch = self.only_org(PartyOrgKind.BRANCH, self.places.get(grid.path))
        if group is None:
            if branch is not None:
                fix = _("Create the party group of %(grid)s under %(branch)s.") % {
                    "grid": label,
                    "branch": branch.name,
                }
            else:
                fix = _(
                    "Create the party branch of %(block)s, then the party group of %(grid)s."
                ) % {"block": self.label(grid.path), "grid": label}
            self.add(
                "grid_without_party_group",
                label,
                _("%(grid)s has no party group.") % {"grid": label},
                fix,
                grid_id=grid.id,
                action=FixAction(FixKind.CREATE_PARTY_GROUP, grid.id, branch.id)
                if branch is not None
                else None,
            )
        elif branch is not None and _parent_path(group.path) != branch.path:
            self.add(
                "party_group_under_wrong_branch",
                label,
                _("%(group)s is not under %(branch)s, the party branch of %(block)s.")
                % {"group": group.name, "branch": branch.name, "block": self.label(grid.path)},
                _("Move %(group)s under %(branch)s.")
                % {"group": group.name, "branch": branch.name},
                grid_id=grid.id,
                action=FixAction(FixKind.MOVE_PARTY_GROUP, group.id, branch.id),
            )

    def lives_in(self, path: str, bgs: list[_Place]) -> bool:
        return any(path.startswith(bg.path) for bg in bgs)

    def check_team(self, grid: _Grid, label: str, bgs: list[_Place]) -> None:
        terms = self.terms.get(grid.id, {})
        on_team = {t.resident_id for t in terms.values()}
        for role in GridRole.values:
            phrase = ROLE_PHRASES[role]
            term = terms.get(role)
            if term is None:
                self.add(
                    "grid_role_vacant",
                    label,
                    _("%(grid)s has no %(role)s.") % {"grid": label, "role": phrase},
                    self.appoint_fix(grid, role, bgs, on_team),
                    grid_id=grid.id,
                )
                continue
            if not self.lives_in(term.path, bgs):
                where = self.label(term.path[:BUILDING_GROUP_LEN])
                self.add(
                    "grid_team_member_lives_outside",
                    f"{label} · {term.name}",
                    _("%(person)s, the %(role)s of %(grid)s, lives outside the grid (%(where)s).")
                    % {"person": term.name, "role": phrase, "grid": label, "where": where},
                    self.appoint_fix(grid, role, bgs, on_team),
                    grid_id=grid.id,
                )
            if role == GridRole.PARTY_GROUP_LEADER and not term.is_member:
                self.add(
                    "party_group_leader_not_member",
                    f"{label} · {term.name}",
                    _("%(person)s, the party group leader of %(grid)s, is not a party member.")
                    % {"person": term.name, "grid": label},
                    self.appoint_fix(grid, role, bgs, on_team),
                    grid_id=grid.id,
                )

    def grid_party_members(self, bgs: list[_Place], exclude: set[int]) -> list[_Member]:
        return [
            m
            for bg in bgs
            for m in self.members_by_bg.get(bg.path, [])
            if m.resident_id not in exclude
        ]

    def appoint_fix(self, grid: _Grid, role: str, bgs: list[_Place], on_team: set[int]) -> str:
        label = self.grid_label(grid)
        phrase = ROLE_PHRASES[role]
        members = self.grid_party_members(bgs, on_team)
        if role == GridRole.PARTY_GROUP_LEADER:
            if members:
                return _(
                    "Appoint a party member living in %(grid)s as party group leader; "
                    "party members living in this grid: %(names)s."
                ) % {"grid": label, "names": _names(m.name for m in members[:CANDIDATES])}
            return _(
                "No party member lives in %(grid)s: register or move in a party member "
                "to lead its party group."
            ) % {"grid": label}
        names: list[str] = []
        seen: set[int] = set(on_team)
        pool: list[tuple[int | None, str]] = []
        if role == GridRole.RESIDENT_GROUP_LEADER:
            pool.extend((m.resident_id, m.name) for m in members)
        for c in self.candidates.get(grid.id, []):
            if role != GridRole.OWNER_REPRESENTATIVE or c.relation == Relation.OWNER:
                pool.append((c.id, c.name))
        for resident_id, name in pool:
            if resident_id in seen:
                continue
            if resident_id is not None:
                seen.add(resident_id)
            names.append(name)
            if len(names) == CANDIDATES:
                break
        if names:
            return _(
                "Appoint someone who lives in %(grid)s as %(role)s; candidates: %(names)s."
            ) % {
                "role": phrase,
                "grid": label,
                "names": _names(names),
            }
        return _("Appoint someone who lives in %(grid)s as %(role)s.") % {
            "role": phrase,
            "grid": label,
        }

    def load_candidates(self) -> None:
        """Up to three residents per building group and relation, for the grids missing a
        resident group leader or an owner representative (one query, none if no such gap)."""
        self.candidates = defaultdict(list)
        needing: list[_Place] = []
        for grid in self.checked_grids:
            bgs = self.bgs_by_grid.get(grid.id, [])
            if not bgs:
                continue
            terms = self.terms.get(grid.id, {})
            if any(
                role not in terms or not self.lives_in(terms[role].path, bgs)
                for role in (GridRole.RESIDENT_GROUP_LEADER, GridRole.OWNER_REPRESENTATIVE)
            ):
                needing.extend(bgs)
        if not needing:
            return
        bg_of = Substr("path", 1, BUILDING_GROUP_LEN)
        rows = (
            Resident.objects.current()
            .filter(any_subtree_q(bg.path for bg in needing))
            .annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=[bg_of, F("relation")],
                    order_by=[F("id").asc()],
                )
            )
            .filter(rank__lte=CANDIDATES)
            .order_by("path", "id")
            .values_list("id", "name", "path", "relation")
        )
        grid_of_bg = {bg.path: bg.grid_id for bg in needing}
        for row in rows:
            candidate = _Candidate(*row)
            grid_id = grid_of_bg.get(candidate.path[:BUILDING_GROUP_LEN])
            if grid_id is not None:
                self.candidates[grid_id].append(candidate)

    def check_members(self) -> None:
        for member in self.members:
            lives_here = member.resident_id is not None
            if lives_here:
                if not self.in_subtree(member.path):
                    continue
            elif not (
                self.in_subtree(member.path) or member.serving_grid_id in self.checked_grid_ids
            ):
                continue
            subject = self.member_label(member)
            if lives_here:
                self.check_resident_member(member, subject)
            elif member.serving_grid_id is None:
                self.check_registered_without_grid(member, subject)
            elif member.serving_grid_id in self.grids:
                grid = self.grids[member.serving_grid_id]
                where = _("%(member)s is registered to serve in %(grid)s") % {
                    "member": member.name,
                    "grid": self.grid_label(grid),
                }
                self.check_member_group(member, subject, grid, where, None)

    def check_resident_member(self, member: _Member, subject: str) -> None:
        bg = self.places.get(member.path[:BUILDING_GROUP_LEN])
        if bg is None:
            return
        if bg.grid_id is None:
            if self.in_subtree(bg.path) or member.group_id is not None:
                # Reported once for the building group, with the grid it should join.
                return
            self.add(
                "member_without_group",
                subject,
                _("%(member)s lives in %(bg)s, which lies in no grid, and is in no party group.")
                % {"member": member.name, "bg": self.label(bg.path)},
                self.attach_fix(bg)
                + " "
                + _("Then add %(member)s to that grid's party group.") % {"member": member.name},
                place_id=bg.id,
                member_id=member.id,
            )
            return
        grid = self.grids.get(bg.grid_id)
        if grid is None or not bg.path.startswith(grid.path):
            return  # unknown grid, or a grid crossing a block: reported for the grid
        where = _("%(member)s lives in %(grid)s") % {
            "member": member.name,
            "grid": self.grid_label(grid),
        }
        self.check_member_group(member, subject, grid, where, bg)

    def check_member_group(
        self, member: _Member, subject: str, grid: _Grid, where: str, bg: _Place | None
    ) -> None:
        group = self.group_by_grid.get(grid.id)
        if group is not None and member.group_id == group.id:
            return
        grid_label = self.grid_label(grid)
        if group is not None:
            fix = _("Add %(member)s to %(group)s, the party group of %(grid)s.") % {
                "member": member.name,
                "group": group.name,
                "grid": grid_label,
            }
        else:
            fix = _("Create the party group of %(grid)s and add %(member)s to it.") % {
                "grid": grid_label,
                "member": member.name,
            }
        if member.group_id is None:
            code = "member_without_group"
            message = _("%(where)s but belongs to no party group.") % {"where": where}
        else:
            code = "member_in_wrong_group"
            message = _("%(where)s but belongs to %(group)s.") % {
                "where": where,
                "group": member.group_name,
            }
        self.add(
            code,
            subject,
            message,
            fix,
            place_id=bg.id if bg is not None else None,
            grid_id=grid.id,
            member_id=member.id,
            action=FixAction(FixKind.JOIN_PARTY_GROUP, member.id, group.id)
            if group is not None
            else None,
        )

    def check_registered_without_grid(self, member: _Member, subject: str) -> None:
        group_grid = next(
            (
                self.grids[gid]
                for gid, o in self.group_by_grid.items()
                if o.id == member.group_id and gid in self.grids
            ),
            None,
        )
        if group_grid is not None:
            fix = _(
                "Record %(grid)s, the grid of their party group %(group)s, as the grid "
                "%(member)s serves in."
            ) % {
                "grid": self.grid_label(group_grid),
                "group": member.group_name,
                "member": member.name,
            }
        else:
            fix = _(
                "Choose the grid where %(member)s serves, record it, and add them to its "
                "party group."
            ) % {"member": member.name}
        self.add(
            "registered_member_without_grid",
            subject,
            _("%(member)s is registered from elsewhere but serves in no grid.")
            % {"member": member.name},
            fix,
            member_id=member.id,
        )


def _attach(bg: _Place, grid: _Grid | None) -> FixAction | None:
    if grid is None:
        return None
    return FixAction(FixKind.ATTACH_BUILDING_GROUP, bg.id, grid.id)


@dataclass(frozen=True)
class _OrgTexts:
    """Gap codes and translated sentences for one level of the party tree."""

    missing: str
    several: str
    misplaced: str
    create_under: str
    create: str
    none: str
    count: str
    merge: str
    not_under: str
    move: str


def check_structure(node: Place) -> list[Gap]:
    """Every gap in the two trees under ``node`` (inclusive), with a suggested fix."""
    check = _Check(node=node)
    check.load()
    check.load_candidates()
    return check.run()
