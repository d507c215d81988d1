import argparse

import pytest
from django.db import connection
from django.test.signals import template_rendered
from django.test.utils import override_settings

from tracker import benchmark_pages
from tracker.benchmarks import HEADER, merge
from tracker.management.commands.benchmark import sizes


def test_each_database_keeps_its_own_section():
    sqlite = "## sqlite\n\n| a | 1 |\n"
    postgres = "## postgresql\n\n| a | 2 |\n"
    document = merge(merge("", sqlite), postgres)
    assert document.startswith(HEADER)
    assert "| a | 1 |" in document and "| a | 2 |" in document
    newer = merge(document, "## sqlite\n\n| a | 3 |\n")
    assert "| a | 1 |" not in newer
    assert "| a | 3 |" in newer and "| a | 2 |" in newer
    assert newer.count("## sqlite") == 1


@pytest.mark.django_db
def test_it_times_a_tiny_teams_pages_and_the_changelists_against_the_floor(monkeypatch):
    # The ward's changelists stand for all: at 2 patients every table is a big one.
    monkeypatch.setattr(benchmark_pages, "PROJECT_APPS", ("tracker.ward",))
    rows = benchmark_pages.run(teams=[2], changelists=[2], rounds=1)

    table = benchmark_pages.section(rows, rounds=1)
    lines = table.splitlines()
    assert lines[0].startswith(f"## pages against the floor on {connection.vendor}, ")
    assert "| page | size | as | median ms | floor ms | ratio | queries |" in lines
    floors = [r for r in rows if r.name.startswith("Floor")]
    assert {r.who for r in floors} == {"nurse", "clinician", "patient", "no login", "admin"}
    assert all(r.ratio == 1 for r in floors)
    pages = {r.name for r in rows}
    assert {"Shift page", "Clinician dashboard", "Calendar feed (.ics)"} <= pages
    assert any(name.startswith("Admin: dose records (") for name in pages)
    for r in rows:
        assert r.ratio > 0
        assert r.queries > 0 or r.who == "no login"
        assert f"| {r.name} | {r.size} | {r.who} |" in table
    assert "| Shift page | team of 2 (2 in all) | nurse |" in table


@pytest.mark.django_db
def test_pages_are_timed_as_served_not_as_the_test_client_records_them(client):
    recorded = []

    def record(sender, **kwargs):
        recorded.append(kwargs["template"].name)

    template_rendered.connect(record)
    try:
        page = benchmark_pages.Page("Sign in", "/login/", client, "no login")
        with override_settings(ROOT_URLCONF=benchmark_pages.URLCONF):
            [floor, timed] = benchmark_pages.time_pages([page], "none", rounds=1)
            assert recorded == []
            # Outside the timing, the test environment records them again.
            client.get("/login/")
    finally:
        template_rendered.disconnect(record)
    assert timed.name == "Sign in" and floor.name.startswith("Floor")
    assert "registration/login.html" in recorded


def test_it_reads_sizes_separated_by_commas_and_none_from_nothing():
    assert sizes("50,200, 1000") == [50, 200, 1000]
    assert sizes("") == []
    with pytest.raises(argparse.ArgumentTypeError):
        sizes("50,lots")
