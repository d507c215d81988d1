from datetime import date, time

from django.test import override_settings

from tracker.lib.widgets import DateInput, TimeInput


@override_settings(LANGUAGE_CODE="en-gb")
def test_date_and_time_pickers_get_iso_values_whatever_the_locale():
    # A browser drops a value like "26/11/2026" from <input type="date">, silently.
    assert 'value="2026-11-26"' in DateInput().render("day", date(2026, 11, 26))
    assert 'value="07:05"' in TimeInput().render("at", time(7, 5))
