"""Which site to inject next: the rotation on its own, with no database."""

import pytest

from tracker.ward.sites import ROTATION, InjectionSite, suggest_site


def test_with_no_site_used_yet_it_suggests_the_first_in_the_rotation():
    assert suggest_site([]) == InjectionSite.ABDOMEN_UPPER_LEFT


@pytest.mark.parametrize("last", ROTATION)
def test_it_never_suggests_the_last_site_used(last):
    assert suggest_site([last]) != last


def test_it_suggests_the_site_after_the_last_one_in_the_fixed_order():
    assert suggest_site(["abdomen_upper_left"]) == "abdomen_upper_right"
    assert suggest_site(["left_thigh", "abdomen_upper_left"]) == "right_thigh"


def test_after_the_last_site_of_the_rotation_it_starts_again():
    assert suggest_site(["right_upper_arm"]) == "abdomen_upper_left"


def test_following_its_suggestions_visits_all_eight_sites_before_repeating_one():
    used: list[str] = []
    for _ in range(8):
        used.insert(0, suggest_site(used))
    assert sorted(used) == sorted(ROTATION)
    assert suggest_site(used) == used[-1]


def test_a_site_no_longer_known_is_skipped():
    assert suggest_site(["elbow", "left_thigh"]) == "right_thigh"
    assert suggest_site(["elbow"]) == ROTATION[0]


def test_the_eight_sites_are_named_as_the_patient_sees_them():
    assert InjectionSite.labels == [
        "Abdomen, upper left",
        "Abdomen, upper right",
        "Abdomen, lower left",
        "Abdomen, lower right",
        "Left thigh",
        "Right thigh",
        "Left upper arm",
        "Right upper arm",
    ]
