"""smoke"""
from datetime import UTC, datetime
import pytest
from tracker.observations.models import LabResult

NOW = datetime(2027, 3, 12, 15, 0, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.now(NOW)]


def test_smoke(as_persona, personas, course):
    c = as_persona("nurse_on_team")
    url = f"/patients/{personas.patient.pk}/chart/labs/"
    r = c.post(url, {"taken_date": "2027-03-12", "taken_time": "09:00", "creatinine_value": "1.5", "creatinine_unit": "mg/dL", "potassium_value": "<3.0", "potassium_unit": "mmol/L", "haemoglobin_value": "12", "haemoglobin_unit": "g/L"})
    open("/tmp/labs/bad.html", "w").write(r.text)
    r = c.post(url, {"taken_date": "2027-03-12", "taken_time": "09:00", "creatinine_value": "1.5", "creatinine_unit": "mg/dL", "potassium_value": "<3.0", "potassium_unit": "mmol/L", "platelets_value": "140", "platelets_unit": "10*9/L"})
    assert r.status_code == 302, r.text
    r = c.get(url)
    open("/tmp/labs/page.html", "w").write(r.text)
    assert LabResult.objects.count() == 3
