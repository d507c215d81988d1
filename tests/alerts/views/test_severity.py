"""Severity is shown as text and colour wherever alerts are listed, most severe first."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.template.loader import render_to_string
from django.test import RequestFactory

from tests.alerts.views.test_views import raise_alert
from tracker.alerts.handling import acknowledge_alert
from tracker.alerts.models import Alert
from tracker.symptoms.models import ProSymptom
from tracker.symptoms.reporting import report_symptom

NOW = datetime(2027, 3, 10, 15, 0, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.now(NOW)]
CSS = Path(__file__).resolve().parents[3] / "static" / "css" / "app.css"


def routine_alert(personas, at):
    """A frequent but moderate headache-like answer: routine."""
    with time_machine.travel(at, tick=False):
        report = report_symptom(
            personas.patient,
            ProSymptom.objects.get(slug="nausea"),
            by=personas.the_patient,
            answers={"frequency": 3, "severity": 2},
        )
    return report.alerts.get()


@pytest.fixture
def three(personas):
    """An urgent alert, an older high one and a newer routine one."""
    nurse = personas.nurse_on_team
    high = raise_alert(personas.patient, nurse, grade=3, at=NOW - timedelta(hours=3))
    urgent = raise_alert(personas.patient, nurse, grade=4, at=NOW - timedelta(hours=2))
    routine = routine_alert(personas, NOW - timedelta(minutes=5))
    assert [a.severity for a in (urgent, high, routine)] == ["urgent", "high", "routine"]
    return urgent, high, routine


def severity_labels(html):
    return re.findall(r'class="badge severity severity-(\w+)">(\w+)<', html)


@pytest.mark.parametrize("path", ["/alerts/", "/clinic/"])
def test_lists_show_urgent_above_an_older_high_above_a_newer_routine(as_persona, three, path):
    response = as_persona("clinician_on_team").get(path)
    shown = "open_alerts" if path == "/alerts/" else "alerts"
    assert response.context[shown] == list(three)
    assert severity_labels(response.text) == [
        ("urgent", "Urgent"),
        ("high", "High"),
        ("routine", "Routine"),
    ]
    texts = [response.text.index(alert.text) for alert in three]
    assert texts == sorted(texts)


def test_the_shift_pages_alert_blocks_show_the_severity(personas, three):
    request = RequestFactory().get("/ward/")
    request.user = personas.nurse_on_team
    html = render_to_string(
        "alerts/includes/open_alerts.html", {"alerts": list(three)}, request=request
    )
    assert [label for _, label in severity_labels(html)] == ["Urgent", "High", "Routine"]


def test_an_acknowledged_alert_keeps_its_severity(as_persona, personas, three):
    urgent = three[0]
    acknowledge_alert(urgent, by=personas.nurse_on_team)
    response = as_persona("clinician_on_team").get("/alerts/?show=all")
    assert list(response.context["acknowledged"]) == [urgent]
    assert ("urgent", "Urgent") in severity_labels(response.text)


# Colour only repeats the word; each pair still needs 4.5:1 for text that small.


def luminance(hex_colour: str) -> float:
    def channel(c):
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_luminance_arithmetic_matches_the_known_extremes():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48


@pytest.mark.parametrize("severity", Alert.Severity.values)
def test_each_severity_badge_has_text_contrast_of_at_least_4_5(severity):
    css = CSS.read_text()
    rule = re.search(r"\.severity-" + severity + r"\s*\{([^}]*)\}", css)
    assert rule, f"no .severity-{severity} rule in app.css"
    colours = dict(re.findall(r"(background-color|color):\s*(#[0-9a-fA-F]{6})", rule.group(1)))
    assert contrast(colours["color"], colours["background-color"]) >= 4.5


def test_the_colours_differ_by_severity():
    css = CSS.read_text()
    backgrounds = {
        severity: re.search(
            r"\.severity-" + severity + r"\s*\{[^}]*background-color:\s*(#[0-9a-fA-F]{6})", css
        ).group(1)
        for severity in Alert.Severity.values
    }
    assert len(set(backgrounds.values())) == 3
