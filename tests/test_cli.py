"""The command line, run as a user runs it: a real subprocess over the shipped briefs."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=ROOT, capture_output=True, text=True, input=stdin, timeout=60
    )


def test_check_passes_on_the_shipped_briefs() -> None:
    out = run("check")
    assert out.returncode == 0, out.stderr
    assert "briefs" in out.stdout and "facts" in out.stdout


def test_ask_when_did_assad_fall() -> None:
    out = run("ask", "متى سقط نظام الأسد؟")
    assert out.returncode == 0
    assert "2024" in out.stdout
    assert "المصادر" in out.stdout


def test_ask_out_of_scope_says_not_found_and_exits_zero() -> None:
    out = run("ask", "ما هي أفضل وصفة للكبسة؟")
    assert out.returncode == 0
    assert out.stdout.startswith("لم أجد")


def test_chat_answers_until_exit() -> None:
    out = run("chat", stdin="سقوط الاسد\nخروج\nلن يُقرأ\n")
    assert out.returncode == 0
    assert "2024" in out.stdout


def test_check_reports_problems_and_exits_one(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "bad.yaml").write_text("- id: Bad Id\n  kind: topic\n", encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "bot", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"BRIEFS_DIR": str(tmp_path), "PATH": ""},
        timeout=60,
    )
    assert out.returncode == 1
    assert "bad.yaml:1" in out.stderr and "id" in out.stderr
