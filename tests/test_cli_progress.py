"""A long command's steps on the terminal (planwatch.cli.TerminalSteps, the one implementation of
the kernel's Steps for the command line): a progress bar on a terminal, plain lines elsewhere."""

from __future__ import annotations

import io
import os

import pytest
from django.core.management import call_command
from django.core.management.base import OutputWrapper

from planwatch.cli import TerminalSteps
from planwatch.demo.sample import load_sample
from tests.test_ledger_excel import GOOD, workbook

pytestmark = pytest.mark.django_db


def test_off_a_terminal_each_step_is_one_plain_line():
    out = io.StringIO()
    with TerminalSteps(out) as steps:
        steps.step("Reading the workbook")
        steps.step("Checking the rows", total=200)
        steps.advance(150)
    assert out.getvalue() == "… Reading the workbook\n… Checking the rows (200)\n"


def test_on_a_terminal_a_step_is_a_bar_with_its_counts():
    out = io.StringIO()
    with TerminalSteps(OutputWrapper(out), bar=True) as steps:
        steps.step("Reading the workbook")  # no counts: a line
        steps.step("Saving the rows", total=200)
        steps.advance(50)
        steps.advance(120)
    text = out.getvalue()
    assert text.startswith("… Reading the workbook\n")
    assert "Saving the rows" in text and "\r" in text and "200/200" in text and "100%" in text


def test_a_bar_stopped_by_an_error_stays_where_it_got():
    out = io.StringIO()
    with pytest.raises(RuntimeError), TerminalSteps(out, bar=True) as steps:
        steps.step("Saving the rows", total=200)
        steps.advance(50)
        raise RuntimeError("stop")
    assert "50/200" in out.getvalue() and "200/200" not in out.getvalue()


def test_a_terminal_is_told_from_a_pipe():
    main, other = os.openpty()
    try:
        with os.fdopen(other, "w", closefd=False) as tty:
            assert TerminalSteps(OutputWrapper(tty)).bar
        assert not TerminalSteps(OutputWrapper(io.StringIO())).bar
    finally:
        os.close(main)
        os.close(other)


def test_import_ledger_tells_its_steps_on_standard_error(plan, cast, tmp_path):
    ledger = plan.ledger_types.get(code="investment_projects")
    path = tmp_path / "zh.xlsx"
    path.write_bytes(workbook(ledger, GOOD))
    out, err = io.StringIO(), io.StringIO()
    call_command("import_ledger", str(path), "--ledger", ledger.code, "--user", "zoe", stdout=out, stderr=err)
    assert "… Reading the workbook" in err.getvalue() and "… Saving the rows" in err.getvalue()
    assert out.getvalue() == "zh.xlsx: 2 row(s) saved to ledger investment_projects\n"


def test_evaluate_tells_its_steps_on_standard_error(plan):
    load_sample(plan)
    err = io.StringIO()
    call_command("evaluate", "--year", "2018", "--no-sensitivity", stdout=io.StringIO(), stderr=err)
    assert err.getvalue().startswith("… Reading the values\n… Evaluating\n… Storing the run\n")
