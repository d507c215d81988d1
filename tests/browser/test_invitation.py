"""Giving a patient a login, in real Chromium: the clinician invites, the patient sets a password.

Each page on the way must fit a 375 px phone, label its controls and log no error.
"""

import re

import pytest
from django.core import mail

from tests.browser.conftest import sign_in
from tests.browser.test_every_page import problems_on
from tests.factories import PASSWORD, PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "plum-harbour-lantern-42"


def test_a_clinician_invites_and_the_patient_sets_a_password_on_a_phone(
    browser, live_server, personas
):
    newcomer = PatientFactory(care_team=[personas.clinician_on_team], time_zone="Europe/London")
    staff = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 740})
    page = staff.new_page()
    sign_in(page, "clinician-on-team", PASSWORD)
    page.wait_for_url(lambda address: "/login/" not in address, wait_until="commit")
    page.goto(f"/patients/{newcomer.pk}/")
    page.get_by_role("link", name="Invite to the app").click()
    assert problems_on(page, page.url, 375, []) == []
    page.get_by_label("E-mail address").fill("jo@example.org")
    page.get_by_role("button", name="Send invitation").click()
    page.wait_for_url(f"**/patients/{newcomer.pk}/")
    assert page.get_by_text(re.compile(r"Invitation sent to j…@example\.org on")).count() >= 1
    staff.close()

    [message] = mail.outbox
    link = re.search(r"https://\S+/(invitation/\S+/)", message.body).group(1)
    phone = browser.new_context(
        base_url=live_server.url, viewport={"width": 375, "height": 740}, is_mobile=True
    )
    page = phone.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    assert problems_on(page, f"/{link}", 375, errors) == []
    button = page.get_by_role("button", name="Set my password")
    assert button.bounding_box()["height"] >= 44
    # Crispy marks a required field with "*" inside its label.
    page.get_by_label(re.compile(r"^\s*New password\*?\s*$")).fill(NEW_PASSWORD)
    page.get_by_label(re.compile(r"^\s*New password confirmation\*?\s*$")).fill(NEW_PASSWORD)
    button.click()
    page.wait_for_url("**/me/")
    assert page.get_by_text("Your password is set").count() == 1
    # The link works once.
    assert page.goto(f"/{link}").status == 410
    assert page.get_by_text("This link has expired or was already used.").count() == 1
    phone.close()


def test_the_sign_in_page_leads_to_the_password_reset(browser, live_server, db):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.goto("/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    assert problems_on(page, page.url, 375, []) == []
    page.get_by_label("Email").fill("nobody@example.org")
    page.get_by_role("button", name="Send me a link").click()
    page.wait_for_url("**/password/reset/done/")
    assert page.get_by_text("If an account exists for that address").count() == 1
    context.close()
