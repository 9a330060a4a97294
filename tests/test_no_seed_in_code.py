"""Nothing of the seed plan in the code: every plan-specific word a user reads comes from the plan
file. The seed's place names, its region and its phrases may stand in comments and docstrings (as
examples), never in a string the code shows or writes, nor in a template.

Allowed: the sample-data modules (示例数据, labelled so) — none needs a seed name today; the list is
here so that one that must is named, not hidden."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "planwatch"

SEED_WORDS = (
    "珠海",
    "佛山",
    "中山",
    "江门",
    "阳江",
    "肇庆",
    "顺德",
    "珠江西岸",
    "六市一区",
    "中国制造2025",
    "定期评估",
    "及时通报",
    "说明3",  # its clauses: 一 说明3 lets the 2018 and 2019 targets follow the 2017 results
    "四（一）",
    "2017年实际",
    "Zhuhai",
    "Foshan",
    "Zhongshan",
    "Jiangmen",
    "Yangjiang",
    "Zhaoqing",
    "Shunde",
    "prw-mic2025",
)
ALLOWED: frozenset[str] = frozenset()  # e.g. "demo/sample.py", were one to need a seed name


def _docstrings(tree: ast.AST) -> set[int]:
    """The ids of the string constants that are docstrings (module, class, function)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                out.add(id(body[0].value))
    return out


def _strings(path: Path) -> list[tuple[int, str]]:
    """Every string the code holds that is not a docstring, with its line (f-strings' parts too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = _docstrings(tree)
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
    ]


def _argparse_help(path: Path) -> bool:
    return "management/commands" in path.as_posix()


def test_no_seed_word_in_a_string_of_the_code() -> None:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        if "/migrations/" in f"/{name}" or name in ALLOWED:
            continue
        for line, text in _strings(path):
            found += [f"{name}:{line}: {word}" for word in SEED_WORDS if word in text]
    assert found == []


def test_no_seed_word_in_a_template() -> None:
    found = []
    for path in sorted(ROOT.rglob("templates/**/*.html")):
        text = re.sub(
            r"{#.*?#}|{% comment %}.*?{% endcomment %}", "", path.read_text(encoding="utf-8"), flags=re.S
        )
        found += [f"{path.relative_to(ROOT)}: {word}" for word in SEED_WORDS if word in text]
    assert found == []
