"""``manage.py check_structure [NODE]``: output and exit codes."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from sanxian.places.models import PlaceKind
from sanxian.places.services import create_place, create_subdistrict

from .conftest import Tree, add_members


def run(*args: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of the command."""
    out, err = StringIO(), StringIO()
    try:
        call_command("check_structure", *args, stdout=out, stderr=err, no_color=True)
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    else:
        code = 0
    return code, out.getvalue(), err.getvalue()


def test_complete_tree_exits_zero(tree: Tree) -> None:
    code, out, err = run()
    assert code == 0, out
    assert "Structure check: 斜土街道" in out
    assert out.strip().endswith("No gaps in 斜土街道.")
    assert err == ""


def test_gaps_are_printed_with_fixes_and_exit_one(tree: Tree) -> None:
    building = tree.hood.buildings["第一块区/5号楼"]
    bg = create_place(parent=building, kind=PlaceKind.BUILDING_GROUP, name="3单元")
    add_members(bg, ["马文华", "朱建军", "胡秀兰", "林志伟"])
    create_place(parent=tree.hood.place, kind=PlaceKind.BLOCK, name="第三块区")

    code, out, _err = run()
    assert code == 1
    lines = out.splitlines()
    subject = lines.index("[error] 景泰 / 第一块区 / 5号楼 / 3单元")
    assert "has 4 party members and lies in no grid" in lines[subject + 1]
    assert lines[subject + 2].startswith("    → Attach 景泰 / 第一块区 / 5号楼 / 3单元 to ")
    assert "景泰 / 第一块区 / 1号网格 next door" in lines[subject + 2]
    assert "[error] 景泰 / 第三块区" in lines
    assert lines[-1] == "2 gaps in 斜土街道 (2 errors, 0 warnings)."


def test_node_by_id_and_by_name(tree: Tree) -> None:
    create_place(parent=tree.hood.blocks["第二块区"], kind=PlaceKind.BUILDING, name="9号楼")
    create_place(parent=tree.hood.place, kind=PlaceKind.BLOCK, name="第三块区")

    code, out, _err = run(str(tree.hood.blocks["第一块区"].pk))
    assert code == 0
    assert "Structure check: 第一块区" in out

    code, out, _err = run("第三块区")
    assert code == 1
    assert "[error] 景泰 / 第三块区" in out
    assert out.splitlines()[-1] == "1 gap in 第三块区 (1 error, 0 warnings)."


def test_unknown_node_exits_two(tree: Tree) -> None:
    code, out, err = run("999999")
    assert code == 2
    assert "No place has the id 999999." in err
    assert out == ""

    code, _out, err = run("不存在的小区")
    assert code == 2
    assert "No place is named “不存在的小区”." in err


def test_ambiguous_name_lists_the_places(tree: Tree) -> None:
    code, out, err = run("1单元")  # 5号楼, 6号楼 and 8号楼 each have one
    assert code == 2
    assert out == ""
    assert "3 places are named “1单元”" in err
    for key in ("第一块区/5号楼/1单元", "第一块区/6号楼/1单元", "第二块区/8号楼/1单元"):
        bg = tree.bg(key)
        assert f"{bg.pk}\t" in err
    assert "斜土街道 / 景泰 / 第二块区 / 8号楼 / 1单元" in err


def test_every_root_subdistrict_is_checked_by_default(tree: Tree) -> None:
    create_subdistrict(name="枫林街道")
    code, out, _err = run()
    assert code == 1
    assert "No gaps in 斜土街道." in out
    assert "[error] 枫林街道" in out
    assert out.splitlines()[-1] == "1 gap in all checked places (1 error, 0 warnings)."


@pytest.mark.django_db
def test_no_subdistrict_at_all_exits_two() -> None:
    code, _out, err = run()
    assert code == 2
    assert "There is no sub-district to check." in err
