"""Views parse, make one call, render (issue 13, #3): no view module reads
the database itself (selectors do) and none declares a form (``forms.py``
does). Before, eight ORM queries sat in views and statistics declared its
forms in its views."""
from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest
from django import forms

import workflows

# every module of views: views.py, and the pages an app keeps apart (import_views.py, reference_views.py …)
VIEW_MODULES = sorted(path for path in Path(workflows.__file__).parent.glob("*/*views.py"))
#: What reads or writes the database through the ORM.
ORM_CALLS = {"objects", "refresh_from_db", "save", "delete", "select_for_update", "select_related",
             "prefetch_related", "defer", "only", "raw", "extra", "aggregate", "annotate", "values_list",
             "bulk_create", "update_or_create", "get_or_create", "committee_members", "tasks"}


def _name(path: Path) -> str:
    return f"workflows.{path.parent.name}.{path.stem}"


@pytest.mark.parametrize("path", VIEW_MODULES, ids=_name)
def test_a_view_module_makes_no_orm_query(path):
    tree = ast.parse(path.read_text())

    used = sorted({(node.attr, node.lineno) for node in ast.walk(tree)
                   if isinstance(node, ast.Attribute) and node.attr in ORM_CALLS})

    assert used == []


@pytest.mark.parametrize("path", VIEW_MODULES, ids=_name)
def test_a_view_module_declares_no_form(path):
    module = importlib.import_module(_name(path))

    declared = [name for name, value in vars(module).items()
                if inspect.isclass(value) and value.__module__ == module.__name__
                and issubclass(value, forms.BaseForm)]

    assert declared == []
