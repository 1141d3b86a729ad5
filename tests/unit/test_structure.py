"""The library's shape: small modules, no reaching into another module's privates."""

import ast
from pathlib import Path

import pytest

LIBRARY = Path(__file__).resolve().parents[2] / "AsyncApiLibrary"
TESTS = Path(__file__).resolve().parents[1]
CODE_LIMIT = 300  # lines of code in any module (docstrings, comments, blank lines apart)
KEYWORD_MODULE_LIMIT = 400  # all lines of a keyword module, its docstrings included


def code_lines(source: str) -> int:
    """Lines that hold code: not blank, not a comment, not part of a docstring."""
    tree = ast.parse(source)
    doc_lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                doc_lines.update(range(body[0].lineno, body[0].end_lineno + 1))
    return sum(1 for number, line in enumerate(source.splitlines(), start=1)
               if line.strip() and not line.strip().startswith("#") and number not in doc_lines)


def private_imports(path: Path) -> list[str]:
    """``from x import _name`` in a file: a private name of another module."""
    tree = ast.parse(path.read_text())
    return [f"{path.name}:{node.lineno} imports {alias.name} from {node.module}"
            for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
            for alias in node.names
            if alias.name.startswith("_") and not alias.name.startswith("__")]


MODULES = sorted(LIBRARY.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(LIBRARY)))
def test_every_module_is_small(path):
    source = path.read_text()
    assert code_lines(source) <= CODE_LIMIT
    if path.parent.name == "keywords":
        assert len(source.splitlines()) <= KEYWORD_MODULE_LIMIT


def test_the_line_count_leaves_out_docstrings_and_comments():
    source = '"""Module."""\n\n# a comment\ndef f():\n    """Doc\n    more."""\n    return 1\n'
    assert code_lines(source) == 2


def test_no_library_module_imports_another_modules_private_names():
    found = [line for path in MODULES for line in private_imports(path)]
    assert found == []


def test_no_test_imports_a_private_name_of_the_library():
    found = [line for path in sorted(TESTS.rglob("*.py")) for line in private_imports(path)]
    assert found == []


def test_a_private_import_is_noticed(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from AsyncApiLibrary.keywords.requests import _exchange\n")
    assert private_imports(sample) == ["sample.py:1 imports _exchange from AsyncApiLibrary.keywords.requests"]
