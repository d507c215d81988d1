"""Laboratory results as numbers: units, exact conversions, plausibility and flags.

No database here.  The machinery (units, conversion, the "<0.01" qualifier, flags)
serves every lab test the app knows: the ward's chemistry and blood counts below, and
the thyroid tests (tracker.thyroid.lab), which keep their own catalogue.  Codes,
factors and ranges come from docs/clinical-sources.md §9; every result also stores
the lab's own range, which is what its flag is read against.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction


class Flag(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


class Qualifier(StrEnum):
    """Whether a value is the result or the limit of the assay the result lies beyond.

    A TSH below the assay's limit is reported "<0.01": the value stored is the
    limit and the qualifier says the result lies below it.
    """

    EXACT = ""
    BELOW = "<"
    ABOVE = ">"


class LabError(ValueError):
    """A unit or test the app does not know; the message is for the user."""


@dataclass(frozen=True)
class Unit:
    code: str  # UCUM, as FHIR wants it
    label: str
    # How many of this unit make one canonical unit.  A Fraction where the decimal
    # would not end: bilirubin's mg/dL per µmol/L is 1/17.1.
    per_canonical: Decimal | Fraction
    loinc: str
    default_range: tuple[Decimal, Decimal] | None
    places: int = 2  # as labs report it, for a value converted to this unit


@dataclass(frozen=True)
class TestSpec:
    name: str
    units: dict[str, Unit]  # the first is the canonical unit
    # Values no living patient's result reaches, in the canonical unit.
    plausible: tuple[Decimal, Decimal] | None = field(default=None)

    @property
    def canonical(self) -> str:
        return next(iter(self.units))

    def unit(self, unit: str) -> Unit:
        try:
            return self.units[unit]
        except (KeyError, TypeError):
            # Name the units that would do, so the message says how to put it right.
            raise LabError(
                f"{unit} is not a unit for {self.name}: use {' or '.join(self.units)}."
            ) from None

    def convert(self, value: Decimal, from_unit: str, to_unit: str) -> Decimal:
        """`value` in another unit, exactly: free T4 ng/dL × 12.87 = pmol/L.

        Worked in fractions, never float, and turned into a decimal once: exact
        whenever the answer has a finite decimal form, as a value first converted
        the other way always does, so a round trip gives back what went in.
        """
        source, target = self.unit(from_unit), self.unit(to_unit)
        if source == target:
            return value
        exact = Fraction(value) / Fraction(source.per_canonical) * Fraction(target.per_canonical)
        return Decimal(exact.numerator) / Decimal(exact.denominator)

    def shown_in(self, value: Decimal, from_unit: str, to_unit: str) -> Decimal:
        """`value` converted for display, to the places the lab reports `to_unit` in."""
        places = Decimal(1).scaleb(-self.unit(to_unit).places)
        return self.convert(value, from_unit, to_unit).quantize(places, ROUND_HALF_UP)

    def implausibility(self, value: Decimal, unit: str) -> str | None:
        """Why `value` cannot be a real result in `unit`, naming the unit it fits, or None."""
        if self.plausible is None:
            return None
        low, high = self.plausible
        if low <= self.convert(value, unit, self.canonical) <= high:
            return None
        fits = [
            other
            for other in self.units
            if other != unit and low <= self.convert(value, other, self.canonical) <= high
        ]
        hint = f" Did you mean {self.units[fits[0]].label}?" if fits else " Check the value."
        label = self.unit(unit).label
        return f"{format_number(value)} {label} is not a possible {self.name} result.{hint}"


def scaled(
    limits: tuple[Decimal, Decimal], factor: Decimal, places: int | None = None
) -> tuple[Decimal, Decimal]:
    """A default range in another unit: the canonical range converted, not figures from
    another table, so a value flags the same in either unit.  With `places`, rounded to
    the places the lab reports that unit in (creatinine in whole µmol/L)."""
    low, high = limits[0] * factor, limits[1] * factor
    if places is None:
        return low, high
    step = Decimal(1).scaleb(-places)
    return low.quantize(step, ROUND_HALF_UP), high.quantize(step, ROUND_HALF_UP)


def format_number(value: Decimal | None) -> str:
    """A value as the lab writes it, without trailing zeros: 1.200 → "1.2"; None → ""."""
    return "" if value is None else f"{value.normalize():f}"


def format_result(value: Decimal, qualifier: str = "") -> str:
    """A result as the lab writes it: "2.1", or "<0.01" for one below the assay's limit."""
    return f"{qualifier}{format_number(value)}"


def parse_result(text: str) -> tuple[str, str]:
    """ "<0.01" → ("<", "0.01"): the qualifier and the number as typed, still to be checked."""
    text = (text or "").strip()
    qualifier = text[:1] if text[:1] in (Qualifier.BELOW, Qualifier.ABOVE) else ""
    return qualifier, text[len(qualifier) :].strip()


def flag(value: Decimal, low: Decimal | None, high: Decimal | None) -> Flag:
    """Against the lab's range; a value on a limit is within it."""
    if low is not None and value < low:
        return Flag.LOW
    if high is not None and value > high:
        return Flag.HIGH
    return Flag.NORMAL


def qualified_flag(
    limit: Decimal, qualifier: str, low: Decimal | None, high: Decimal | None
) -> Flag | None:
    """The flag of a result known only to lie below (or above) `limit`, or None if the
    range cannot tell: "<0.01" against 0.4–4.5 is low; "<0.5" could be low or normal.

    Results are never negative, so a range starting at 0 (or none) has no low side.
    """
    if qualifier == Qualifier.EXACT:
        return flag(limit, low, high)
    if qualifier == Qualifier.BELOW:
        if low is not None and limit <= low:
            return Flag.LOW
        if (low is None or low <= 0) and (high is None or limit <= high):
            return Flag.NORMAL
        return None
    if high is not None and limit >= high:
        return Flag.HIGH
    if high is None and (low is None or limit >= low):
        return Flag.NORMAL
    return None


# The ward's tests: chemistry and blood counts (docs/clinical-sources.md §9).


class LabTest(StrEnum):
    CREATININE = "creatinine"
    UREA = "urea"
    POTASSIUM = "potassium"
    MAGNESIUM = "magnesium"
    CALCIUM = "calcium"
    PHOSPHATE = "phosphate"
    BICARBONATE = "bicarbonate"
    BILIRUBIN = "bilirubin"
    AST = "ast"
    ALT = "alt"
    CK = "ck"
    TROPONIN = "troponin"
    HAEMOGLOBIN = "haemoglobin"
    WHITE_CELLS = "wbc"
    NEUTROPHILS = "neutrophils"
    PLATELETS = "platelets"


D = Decimal


# How many of the other unit make one canonical unit (docs/clinical-sources.md §9).
CREATININE_UMOL_PER_MG_DL = D("88.42")
# Urea nitrogen: 1 mmol/L of urea carries 2 N, 28.0 mg/L, so BUN mg/dL × 0.357 = urea mmol/L.
BUN_MG_DL_PER_UREA_MMOL = D("2.8")
MAGNESIUM_MG_DL_PER_MMOL = D("2.431")
CALCIUM_MG_DL_PER_MMOL = D("4.008")
PHOSPHATE_MG_DL_PER_MMOL = D("3.097")  # reported as phosphorus, 30.97 g/mol
BILIRUBIN_UMOL_PER_MG_DL = D("17.1")
TROPONIN_NG_ML_PER_NG_L = D("0.001")
HAEMOGLOBIN_G_DL_PER_G_L = D("0.1")

CREATININE_RANGE = (D("0.6"), D("1.3"))
UREA_RANGE = (D("2.5"), D("7.8"))
MAGNESIUM_RANGE = (D("0.7"), D("1.0"))
CALCIUM_RANGE = (D("2.2"), D("2.6"))
PHOSPHATE_RANGE = (D("0.8"), D("1.5"))
BILIRUBIN_RANGE = (D("0"), D("21"))
TROPONIN_RANGE = (D("0"), D("26"))
HAEMOGLOBIN_RANGE = (D("120"), D("170"))

MMOL_L = "mmol/L"
MG_DL = "mg/dL"
# Urea in mg/dL is reported two ways, as urea nitrogen (BUN, US) or as urea itself
# (some European labs, 2.14 times the BUN figure): the unit names which it is, so a
# German "Harnstoff 40 mg/dL" is never read as a BUN of 40.
BUN_MG_DL = "mg/dL BUN"


def _one(
    code: str, loinc: str, low: str, high: str, places: int = 1, label: str = ""
) -> dict[str, Unit]:
    """The units of a test reported in one unit only."""
    return {code: Unit(code, label or code, Decimal(1), loinc, (D(low), D(high)), places)}


# "10*9/L" is UCUM's spelling, not a nurse's.
PER_NANOLITRE = "×10⁹/L"


LAB_TESTS: dict[LabTest, TestSpec] = {
    LabTest.CREATININE: TestSpec(
        "Creatinine",
        {
            MG_DL: Unit(MG_DL, "mg/dL", Decimal(1), "2160-0", CREATININE_RANGE, 2),
            "umol/L": Unit(
                "umol/L",
                "µmol/L",
                CREATININE_UMOL_PER_MG_DL,
                "14682-9",
                scaled(CREATININE_RANGE, CREATININE_UMOL_PER_MG_DL, 0),
                0,
            ),
        },
        (D("0.1"), D("30")),
    ),
    LabTest.UREA: TestSpec(
        "Urea",
        {
            MMOL_L: Unit(MMOL_L, "mmol/L", Decimal(1), "22664-7", UREA_RANGE, 1),
            BUN_MG_DL: Unit(
                MG_DL,
                "mg/dL as urea nitrogen (BUN)",
                BUN_MG_DL_PER_UREA_MMOL,
                "3094-0",
                scaled(UREA_RANGE, BUN_MG_DL_PER_UREA_MMOL, 0),
                0,
            ),
        },
        (D("0.3"), D("150")),
    ),
    LabTest.POTASSIUM: TestSpec(
        "Potassium", _one(MMOL_L, "2823-3", "3.5", "5.0"), (D("1.0"), D("12"))
    ),
    LabTest.MAGNESIUM: TestSpec(
        "Magnesium",
        {
            MMOL_L: Unit(MMOL_L, "mmol/L", Decimal(1), "2601-3", MAGNESIUM_RANGE, 2),
            MG_DL: Unit(
                MG_DL,
                "mg/dL",
                MAGNESIUM_MG_DL_PER_MMOL,
                "19123-9",
                scaled(MAGNESIUM_RANGE, MAGNESIUM_MG_DL_PER_MMOL, 1),
                1,
            ),
        },
        (D("0.1"), D("5")),
    ),
    LabTest.CALCIUM: TestSpec(
        "Calcium",
        {
            MMOL_L: Unit(MMOL_L, "mmol/L", Decimal(1), "2000-8", CALCIUM_RANGE, 2),
            MG_DL: Unit(
                MG_DL,
                "mg/dL",
                CALCIUM_MG_DL_PER_MMOL,
                "17861-6",
                scaled(CALCIUM_RANGE, CALCIUM_MG_DL_PER_MMOL, 1),
                1,
            ),
        },
        (D("0.5"), D("5")),
    ),
    LabTest.PHOSPHATE: TestSpec(
        "Phosphate",
        {
            MMOL_L: Unit(MMOL_L, "mmol/L", Decimal(1), "14879-1", PHOSPHATE_RANGE, 2),
            MG_DL: Unit(
                MG_DL,
                "mg/dL",
                PHOSPHATE_MG_DL_PER_MMOL,
                "2777-1",
                scaled(PHOSPHATE_RANGE, PHOSPHATE_MG_DL_PER_MMOL, 1),
                1,
            ),
        },
        (D("0.1"), D("6")),
    ),
    LabTest.BICARBONATE: TestSpec(
        "Bicarbonate", _one(MMOL_L, "1963-8", "22", "29", 0), (D("2"), D("60"))
    ),
    LabTest.BILIRUBIN: TestSpec(
        "Bilirubin",
        {
            "umol/L": Unit("umol/L", "µmol/L", Decimal(1), "14631-6", BILIRUBIN_RANGE, 0),
            MG_DL: Unit(
                MG_DL,
                "mg/dL",
                1 / Fraction(BILIRUBIN_UMOL_PER_MG_DL),
                "1975-2",
                # 0–21 µmol/L ÷ 17.1, to the place mg/dL is reported in.
                (D("0"), D("1.2")),
                1,
            ),
        },
        (D("0"), D("1000")),
    ),
    LabTest.AST: TestSpec("AST", _one("U/L", "1920-8", "0", "40", 0), (D("0"), D("50000"))),
    LabTest.ALT: TestSpec("ALT", _one("U/L", "1742-6", "0", "40", 0), (D("0"), D("50000"))),
    LabTest.CK: TestSpec(
        "Creatine kinase", _one("U/L", "2157-6", "0", "200", 0), (D("0"), D("1000000"))
    ),
    LabTest.TROPONIN: TestSpec(
        "Troponin I",
        {
            "ng/L": Unit("ng/L", "ng/L", Decimal(1), "89579-7", TROPONIN_RANGE, 0),
            "ng/mL": Unit(
                "ng/mL",
                "ng/mL",
                TROPONIN_NG_ML_PER_NG_L,
                "10839-9",
                scaled(TROPONIN_RANGE, TROPONIN_NG_ML_PER_NG_L),
                3,
            ),
        },
        (D("0"), D("1000000")),
    ),
    LabTest.HAEMOGLOBIN: TestSpec(
        "Haemoglobin",
        {
            "g/L": Unit("g/L", "g/L", Decimal(1), "718-7", HAEMOGLOBIN_RANGE, 0),
            "g/dL": Unit(
                "g/dL",
                "g/dL",
                HAEMOGLOBIN_G_DL_PER_G_L,
                "718-7",
                scaled(HAEMOGLOBIN_RANGE, HAEMOGLOBIN_G_DL_PER_G_L, 1),
                1,
            ),
        },
        (D("20"), D("250")),
    ),
    LabTest.WHITE_CELLS: TestSpec(
        "White cells",
        _one("10*9/L", "6690-2", "4.0", "11.0", 1, PER_NANOLITRE),
        (D("0"), D("500")),
    ),
    LabTest.NEUTROPHILS: TestSpec(
        "Neutrophils", _one("10*9/L", "751-8", "2.0", "7.5", 2, PER_NANOLITRE), (D("0"), D("400"))
    ),
    LabTest.PLATELETS: TestSpec(
        "Platelets", _one("10*9/L", "777-3", "150", "400", 0, PER_NANOLITRE), (D("0"), D("2000"))
    ),
}


def spec_of(test: str) -> TestSpec:
    try:
        return LAB_TESTS[LabTest(test)]
    except (KeyError, ValueError):
        raise LabError(f"{test} is not a laboratory test the chart knows.") from None


def unit_of(test: str, unit: str) -> Unit:
    return spec_of(test).unit(unit)


def convert(value: Decimal, test: str, from_unit: str, to_unit: str) -> Decimal:
    return spec_of(test).convert(value, from_unit, to_unit)


def implausibility(test: str, value: Decimal, unit: str) -> str | None:
    return spec_of(test).implausibility(value, unit)


def in_every_unit(value: Decimal, test: str, unit: str) -> list[tuple[Decimal, Unit]]:
    """`value` in each of the test's units, the one given first as it was entered and
    the others to the places labs report them in: creatinine 1.2 mg/dL →
    [(1.2, mg/dL), (106, µmol/L)]."""
    spec = spec_of(test)
    shown = [(value, spec.unit(unit))]
    shown.extend(
        (spec.shown_in(value, unit, other), each)
        for other, each in spec.units.items()
        if other != unit
    )
    return shown
