"""Hypothesis strategies for what an attacker, a confused user or a broken client posts."""

from hypothesis import strategies as st

from tests.security.forms_on_page import Field, Form

# Local times that do not exist (clocks spring forward) or happen twice (they fall back),
# in the zones the app's patients and wards live in, and the edges of the calendar.
ODD_DATETIMES = [
    "2027-03-14T02:30",  # New York springs forward
    "2027-03-28T01:30",  # London springs forward
    "2027-11-07T01:30",  # New York falls back: happens twice
    "2027-10-31T01:30",  # London falls back
    "2026-03-08T02:00",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "10000-01-01T00:00",
    "2027-02-29T12:00",
    "2027-13-01T00:00",
    "2027-03-10T24:00",
    "2027-03-10 14:00:00+14:00",
    "1970-01-01T00:00",
    "-2027-03-10T10:00",
]
ODD_DATES = [
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "2027-02-29",
    "2028-02-30",
    "1900-01-01",
    "2027-3-1",
    "00-00-0000",
    "2027-03-14",
    "2027-11-07",
]
ODD_TIMES = ["02:30", "01:30", "24:00", "23:59:60", "-01:00", "99:99", "00:00", "12:00 pm"]
ODD_NUMBERS = [
    "0",
    "-0",
    "-1",
    "1e308",
    "-1e308",
    "1e-308",
    "NaN",
    "nan",
    "Infinity",
    "-inf",
    "9" * 40,
    "-" + "9" * 40,
    "1" + "0" * 400,
    "0." + "0" * 60 + "1",
    "1,5",
    "1.5.5",
    "0x10",
    "١٢٣",  # Arabic-Indic digits
    "１２",  # full-width digits
    "1_000",
    " 37 ",
    "37.",
    ".5",
    "2147483648",
    "-2147483649",
    "9223372036854775808",
]
ODD_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\u202e\u0645\u0631\u062d\u0628\u0627",
    "Zoë 🧪 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "\r\n\t",
    "<script>alert(1)</script>",
    "'; DROP TABLE patients_patient; --",
    "%00",
    "\ufeff",
    "/\\evil.example.org",
    "//evil.example.org",
    "https://evil.example.org/",
    "javascript:alert(1)",
    "../../../etc/passwd",
]


def numbers() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(ODD_NUMBERS),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
    )


def texts() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(ODD_TEXT),
        st.text(max_size=40),
        st.text(min_size=200, max_size=400),
        st.integers(min_value=256, max_value=20_000).map(lambda n: "x" * n),
        st.characters(codec="utf-8").map(lambda c: c * 300),
    )


def datetimes() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(ODD_DATETIMES),
        st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M")),
    )


def dates() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(ODD_DATES), st.dates().map(lambda d: d.isoformat()))


def times() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(ODD_TIMES), st.times().map(lambda t: t.isoformat()))


def hostile_value(kind: str) -> st.SearchStrategy[str]:
    """What may be posted to a field of this kind: most often its own sort of trouble."""
    own = {
        "number": numbers(),
        "range": numbers(),
        "datetime-local": datetimes(),
        "date": dates(),
        "time": times(),
    }.get(kind, texts())
    anything = st.one_of(numbers(), texts(), datetimes(), dates(), times())
    return st.one_of(own, own, anything)


def values_for(each: Field) -> st.SearchStrategy[list[str]]:
    """Zero, one or several values: the field left out, sent, or sent twice."""
    choices = [option for option in each.options if option] + ([each.value] if each.value else [])
    plausible = st.sampled_from(choices) if choices else hostile_value(each.kind)
    one = st.one_of(plausible, plausible, hostile_value(each.kind))
    return st.one_of(
        st.lists(one, min_size=1, max_size=1),
        st.lists(one, min_size=1, max_size=1),
        st.lists(one, min_size=1, max_size=1),
        st.just([]),
        st.lists(one, min_size=2, max_size=3),
    )


def submission(form: Form) -> st.SearchStrategy[dict[str, list[str]]]:
    """A body for the form: its own fields, each fuzzed, and sometimes one it never had."""
    fields = {name: values_for(each) for name, each in form.fields.items()}
    stranger = st.dictionaries(
        st.sampled_from(["next", "from", "compact", "id", "pk", "patient", "user", "x" * 300]),
        st.lists(texts(), min_size=1, max_size=2),
        max_size=1,
    )
    return st.tuples(st.fixed_dictionaries(fields), stranger).map(
        lambda both: {name: values for name, values in {**both[1], **both[0]}.items() if values}
    )
