"""CTCAE v5.0 terms for the toxicities of high-dose IL-2, corrected grade texts, and the
patient symptom list: what the leaflet and Cancer Research UK tell patients to watch for.

A frozen copy of the change to `tracker/symptoms/shipped.py` (tests/test_reference_data.py
checks the two agree).  Rows a centre edited in the admin are left as edited: a corrected
grade text replaces only the text this migration expects to find, and a term is marked
checked only where its texts are the ones read in the source (docs/clinical-sources.md §2).
"""

from django.db import migrations

VERSION = "5.0"

# term, category, grade texts 1..5 ("" where the term has no such grade)
NEW_TERMS = [
    (
        "Sinus tachycardia",
        "Cardiac disorders",
        (
            "Asymptomatic, intervention not indicated",
            "Symptomatic; non-urgent medical intervention indicated",
            "Urgent medical intervention indicated",
            "",
            "",
        ),
    ),
    (
        "Atrial fibrillation",
        "Cardiac disorders",
        (
            "Asymptomatic, intervention not indicated",
            "Non-urgent medical intervention indicated",
            "Symptomatic, urgent intervention indicated; device (e.g., pacemaker); ablation; new onset",
            "Life-threatening consequences; embolism requiring urgent intervention",
            "Death",
        ),
    ),
    (
        "Supraventricular tachycardia",
        "Cardiac disorders",
        (
            "Asymptomatic, intervention not indicated",
            "Non-urgent medical intervention indicated",
            "Symptomatic, urgent intervention indicated",
            "Life-threatening consequences; urgent intervention indicated",
            "Death",
        ),
    ),
    (
        "Ventricular tachycardia",
        "Cardiac disorders",
        (
            "",
            "Non-urgent medical intervention indicated",
            "Symptomatic, urgent intervention indicated",
            "Life-threatening consequences; hemodynamic compromise",
            "Death",
        ),
    ),
    (
        "Palpitations",
        "Cardiac disorders",
        ("Mild symptoms; intervention not indicated", "Intervention indicated", "", "", ""),
    ),
    (
        "Cardiac troponin I increased",
        "Investigations",
        (
            "Levels above the upper limit of normal and below the level of myocardial infarction as "
            "defined by the manufacturer",
            "",
            "Levels consistent with myocardial infarction as defined by the manufacturer",
            "",
            "",
        ),
    ),
    (
        "CPK increased",
        "Investigations",
        (">ULN–2.5 × ULN", ">2.5–5.0 × ULN", ">5.0–10.0 × ULN", ">10.0 × ULN", ""),
    ),
    (
        "Alanine aminotransferase increased",
        "Investigations",
        (
            ">ULN–3.0 × ULN if baseline was normal; 1.5–3.0 × baseline if baseline was abnormal",
            ">3.0–5.0 × ULN if baseline was normal; >3.0–5.0 × baseline if baseline was abnormal",
            ">5.0–20.0 × ULN if baseline was normal; >5.0–20.0 × baseline if baseline was abnormal",
            ">20.0 × ULN if baseline was normal; >20.0 × baseline if baseline was abnormal",
            "",
        ),
    ),
    (
        "White blood cell decreased",
        "Investigations",
        (
            "<LLN–3000/mm³; <LLN–3.0 × 10e9/L",
            "<3000–2000/mm³; <3.0–2.0 × 10e9/L",
            "<2000–1000/mm³; <2.0–1.0 × 10e9/L",
            "<1000/mm³; <1.0 × 10e9/L",
            "",
        ),
    ),
    (
        "Neutrophil count decreased",
        "Investigations",
        (
            "<LLN–1500/mm³; <LLN–1.5 × 10e9/L",
            "<1500–1000/mm³; <1.5–1.0 × 10e9/L",
            "<1000–500/mm³; <1.0–0.5 × 10e9/L",
            "<500/mm³; <0.5 × 10e9/L",
            "",
        ),
    ),
    (
        "Anemia",
        "Blood and lymphatic system disorders",
        (
            "Hemoglobin (Hgb) <LLN–10.0 g/dL; <LLN–6.2 mmol/L; <LLN–100 g/L",
            "Hgb <10.0–8.0 g/dL; <6.2–4.9 mmol/L; <100–80 g/L",
            "Hgb <8.0 g/dL; <4.9 mmol/L; <80 g/L; transfusion indicated",
            "Life-threatening consequences; urgent intervention indicated",
            "Death",
        ),
    ),
    (
        "Febrile neutropenia",
        "Blood and lymphatic system disorders",
        (
            "",
            "",
            "ANC <1000/mm³ with a single temperature of >38.3 °C (101 °F) or a sustained temperature "
            "of ≥38 °C (100.4 °F) for more than one hour",
            "Life-threatening consequences; urgent intervention indicated",
            "Death",
        ),
    ),
    (
        "Sepsis",
        "Infections and infestations",
        ("", "", "", "Life-threatening consequences; urgent intervention indicated", "Death"),
    ),
    (
        "Catheter related infection",
        "Infections and infestations",
        (
            "",
            "Localized; local intervention indicated; oral intervention indicated (e.g., antibiotic, "
            "antifungal, antiviral)",
            "IV antibiotic, antifungal, or antiviral intervention indicated; invasive intervention "
            "indicated",
            "Life-threatening consequences; urgent intervention indicated",
            "Death",
        ),
    ),
    (
        "Hypoxia",
        "Respiratory disorders",
        (
            "",
            "Decreased oxygen saturation with exercise (e.g., pulse oximeter <88%); intermittent "
            "supplemental oxygen",
            "Decreased oxygen saturation at rest (e.g., pulse oximeter <88% or PaO2 ≤55 mm Hg)",
            "Life-threatening airway compromise; urgent intervention indicated (e.g., tracheotomy or "
            "intubation)",
            "Death",
        ),
    ),
    (
        "Pulmonary edema",
        "Respiratory disorders",
        (
            "Radiologic findings only; minimal dyspnea on exertion",
            "Moderate dyspnea on exertion; medical intervention indicated; limiting instrumental ADL",
            "Severe dyspnea or dyspnea at rest; oxygen indicated; limiting self care ADL",
            "Life-threatening respiratory compromise; urgent intervention or intubation with "
            "ventilatory support indicated",
            "Death",
        ),
    ),
    (
        "Pleural effusion",
        "Respiratory disorders",
        (
            "Asymptomatic; clinical or diagnostic observations only; intervention not indicated",
            "Symptomatic; intervention indicated (e.g., diuretics or limited therapeutic "
            "thoracentesis)",
            "Symptomatic with respiratory distress and hypoxia; surgical intervention including chest "
            "tube or pleurodesis indicated",
            "Life-threatening respiratory or hemodynamic compromise; intubation or urgent intervention "
            "indicated",
            "Death",
        ),
    ),
    (
        "Hoarseness",
        "Respiratory disorders",
        (
            "Mild or intermittent voice change; fully understandable; self-resolves",
            "Moderate or persistent voice changes; may require occasional repetition but "
            "understandable on telephone; medical evaluation indicated",
            "Severe voice changes including predominantly whispered speech",
            "",
            "",
        ),
    ),
    (
        "Agitation",
        "Psychiatric disorders",
        (
            "Mild mood alteration",
            "Moderate mood alteration",
            "Severe agitation; hospitalization not indicated",
            "Life-threatening consequences; urgent intervention indicated",
            "Death",
        ),
    ),
    (
        "Psychosis",
        "Psychiatric disorders",
        (
            "Mild psychotic symptoms",
            "Moderate psychotic symptoms (e.g., disorganized speech; impaired reality testing)",
            "Severe psychotic symptoms (e.g., paranoid; extreme disorganization); hospitalization not "
            "indicated",
            "Life-threatening consequences, threats of harm to self or others; hospitalization "
            "indicated",
            "Death",
        ),
    ),
    (
        "Depression",
        "Psychiatric disorders",
        (
            "Mild depressive symptoms",
            "Moderate depressive symptoms; limiting instrumental ADL",
            "Severe depressive symptoms; limiting self care ADL; hospitalization not indicated",
            "Life-threatening consequences, threats of harm to self or others; hospitalization "
            "indicated",
            "Death",
        ),
    ),
    (
        "Somnolence",
        "Nervous system disorders",
        (
            "Mild but more than usual drowsiness or sleepiness",
            "Moderate sedation; limiting instrumental ADL",
            "Obtundation or stupor",
            "Life-threatening consequences; urgent intervention indicated",
            "Death",
        ),
    ),
    (
        "Seizure",
        "Nervous system disorders",
        (
            "Brief partial seizure and no loss of consciousness",
            "Brief generalized seizure",
            "New onset seizures (partial or generalized); multiple seizures despite medical "
            "intervention",
            "Life-threatening consequences; prolonged repetitive seizures",
            "Death",
        ),
    ),
    (
        "Concentration impairment",
        "Nervous system disorders",
        (
            "Mild inattention or decreased level of concentration",
            "Moderate impairment in attention or decreased level of concentration; limiting "
            "instrumental ADL",
            "Severe impairment in attention or decreased level of concentration; limiting self care "
            "ADL",
            "",
            "",
        ),
    ),
    (
        "Acidosis",
        "Metabolism and nutrition disorders",
        ("pH <normal, but ≥7.3", "", "pH <7.3", "Life-threatening consequences", "Death"),
    ),
    (
        "Hypomagnesemia",
        "Metabolism and nutrition disorders",
        (
            "<LLN–1.2 mg/dL; <LLN–0.5 mmol/L",
            "<1.2–0.9 mg/dL; <0.5–0.4 mmol/L",
            "<0.9–0.7 mg/dL; <0.4–0.3 mmol/L",
            "<0.7 mg/dL; <0.3 mmol/L; life-threatening consequences",
            "Death",
        ),
    ),
    (
        "Hypocalcemia",
        "Metabolism and nutrition disorders",
        (
            "Corrected serum calcium of <LLN–8.0 mg/dL; <LLN–2.0 mmol/L; ionized calcium <LLN–1.0 "
            "mmol/L",
            "Corrected serum calcium of <8.0–7.0 mg/dL; <2.0–1.75 mmol/L; ionized calcium <1.0–0.9 "
            "mmol/L; symptomatic",
            "Corrected serum calcium of <7.0–6.0 mg/dL; <1.75–1.5 mmol/L; ionized calcium <0.9–0.8 "
            "mmol/L; hospitalization indicated",
            "Corrected serum calcium of <6.0 mg/dL; <1.5 mmol/L; ionized calcium <0.8 mmol/L; "
            "life-threatening consequences",
            "Death",
        ),
    ),
    (
        "Hypophosphatemia",
        "Metabolism and nutrition disorders",
        (
            "Laboratory finding only and intervention not indicated",
            "Oral replacement therapy indicated",
            "Severe or medically significant but not immediately life-threatening; hospitalization or "
            "prolongation of existing hospitalization indicated",
            "Life-threatening consequences",
            "Death",
        ),
    ),
    (
        "Hypokalemia",
        "Metabolism and nutrition disorders",
        (
            "<LLN–3.0 mmol/L",
            "Symptomatic with <LLN–3.0 mmol/L; intervention indicated",
            "<3.0–2.5 mmol/L; hospitalization indicated",
            "<2.5 mmol/L; life-threatening consequences",
            "Death",
        ),
    ),
    (
        "Upper gastrointestinal hemorrhage",
        "Gastrointestinal disorders",
        (
            "Mild; intervention not indicated",
            "Moderate symptoms; intervention indicated",
            "Transfusion indicated; invasive intervention indicated; hospitalization",
            "Life-threatening consequences; urgent intervention indicated",
            "Death",
        ),
    ),
    (
        "Lower gastrointestinal hemorrhage",
        "Gastrointestinal disorders",
        (
            "Mild; intervention not indicated",
            "Moderate symptoms; intervention indicated",
            "Transfusion indicated; invasive intervention indicated; hospitalization",
            "Life-threatening consequences; urgent intervention indicated",
            "Death",
        ),
    ),
    (
        "Ascites",
        "Gastrointestinal disorders",
        (
            "Asymptomatic; clinical or diagnostic observations only; intervention not indicated",
            "Symptomatic; medical intervention indicated",
            "Severe symptoms; invasive intervention indicated",
            "Life-threatening consequences; urgent operative intervention indicated",
            "Death",
        ),
    ),
    (
        "Bullous dermatitis",
        "Skin disorders",
        (
            "Asymptomatic; blisters covering <10% BSA",
            "Blisters covering 10–30% BSA; painful blisters; limiting instrumental ADL",
            "Blisters covering >30% BSA; limiting self care ADL",
            "Blisters covering >30% BSA; associated with fluid or electrolyte abnormalities; ICU care "
            "or burn unit indicated",
            "Death",
        ),
    ),
    (
        "Erythroderma",
        "Skin disorders",
        (
            "",
            "Erythema covering >90% BSA without associated symptoms; limiting instrumental ADL",
            "Erythema covering >90% BSA with associated symptoms (e.g., pruritus or tenderness); "
            "limiting self care ADL",
            "Erythema covering >90% BSA with associated fluid or electrolyte abnormalities; ICU care "
            "or burn unit indicated",
            "Death",
        ),
    ),
    (
        "Skin hypopigmentation",
        "Skin disorders",
        (
            "Hypopigmentation or depigmentation covering <10% BSA; no psychosocial impact",
            "Hypopigmentation or depigmentation covering >10% BSA; associated psychosocial impact",
            "",
            "",
            "",
        ),
    ),
    (
        "Malaise",
        "General disorders",
        (
            "Uneasiness or lack of well being",
            "Uneasiness or lack of well being; limiting instrumental ADL",
            "",
            "",
            "",
        ),
    ),
    (
        "Hot flashes",
        "Vascular disorders",
        (
            "Mild symptoms; intervention not indicated",
            "Moderate symptoms; limiting instrumental ADL",
            "Severe symptoms; limiting self care ADL",
            "",
            "",
        ),
    ),
]

# term: {field: (text before, corrected text)}: the corrections that change meaning.
CORRECTED_TERMS = {
    "Diarrhea": {
        "grade_1": (
            "Increase of <4 stools per day over baseline",
            "Increase of <4 stools per day over baseline; mild increase in "
            "ostomy output compared to baseline",
        ),
        "grade_2": (
            "Increase of 4–6 stools per day over baseline",
            "Increase of 4–6 stools per day over baseline; moderate increase in "
            "ostomy output compared to baseline; limiting instrumental ADL",
        ),
        "grade_3": (
            "Increase of ≥7 stools per day over baseline; hospitalization "
            "indicated; limiting self care ADL",
            "Increase of ≥7 stools per day over baseline; hospitalization "
            "indicated; severe increase in ostomy output compared to baseline; "
            "limiting self care ADL",
        ),
    },
    "Edema limbs": {
        "grade_1": (
            "5–10% inter-limb discrepancy in volume or circumference",
            "5–10% inter-limb discrepancy in volume or circumference at "
            "point of greatest visible difference; swelling or obscuration "
            "of anatomic architecture on close inspection",
        ),
        "grade_2": (
            ">10–30% inter-limb discrepancy; limiting instrumental ADL",
            ">10–30% inter-limb discrepancy in volume or circumference at "
            "point of greatest visible difference; readily apparent "
            "obscuration of anatomic architecture; obliteration of skin "
            "folds; readily apparent deviation from normal anatomic contour; "
            "limiting instrumental ADL",
        ),
        "grade_3": (
            ">30% inter-limb discrepancy; limiting self care ADL",
            ">30% inter-limb discrepancy in volume; gross deviation from "
            "normal anatomic contour; limiting self care ADL",
        ),
    },
    "Blood bilirubin increased": {
        "grade_1": (
            ">ULN–1.5 × ULN",
            ">ULN–1.5 × ULN if baseline was normal; >1.0–1.5 × baseline if baseline was abnormal",
        ),
        "grade_2": (
            ">1.5–3.0 × ULN",
            ">1.5–3.0 × ULN if baseline was normal; >1.5–3.0 × baseline if baseline was abnormal",
        ),
        "grade_3": (
            ">3.0–10.0 × ULN",
            ">3.0–10.0 × ULN if baseline was normal; >3.0–10.0 "
            "× baseline if baseline was abnormal",
        ),
        "grade_4": (
            ">10.0 × ULN",
            ">10.0 × ULN if baseline was normal; >10.0 × baseline if baseline was abnormal",
        ),
    },
    "Aspartate aminotransferase increased": {
        "grade_1": (
            ">ULN–3.0 × ULN",
            ">ULN–3.0 × ULN if baseline was normal; 1.5–3.0 × baseline if baseline was abnormal",
        ),
        "grade_2": (
            ">3.0–5.0 × ULN",
            ">3.0–5.0 × ULN if baseline was normal; >3.0–5.0 × baseline if baseline was abnormal",
        ),
        "grade_3": (
            ">5.0–20.0 × ULN",
            ">5.0–20.0 × ULN if baseline was "
            "normal; >5.0–20.0 × baseline if "
            "baseline was abnormal",
        ),
        "grade_4": (
            ">20.0 × ULN",
            ">20.0 × ULN if baseline was normal; >20.0 × baseline if baseline was abnormal",
        ),
    },
}

# The terms read against their v5.0 row, and where.
CHECKED = {
    "Edema limbs": "Target Oncol 2022;17:597, Table 3 (CTCAE v5.0 definition)",
    "Diarrhea": "World J Gastrointest Pathophysiol 2019;10:17, Table 2 (CTCAE v5.0); eviQ",
    "Aspartate aminotransferase increased": "World J Hepatol 2026;18:113465, Table 1 (CTCAE v5)",
    "Blood bilirubin increased": "World J Hepatol 2026;18:113465, Table 1 (CTCAE v5)",
}

# slug, name shown to the patient, item wording, attributes, CTCAE term
NEW_SYMPTOMS = [
    ("fever", "Fever", "fever", ("presence",), "Fever"),
    ("feeling-cold", "Feeling cold", "feeling of being cold", ("presence",), "Chills"),
    (
        "dizziness-standing",
        "Dizziness when standing up",
        "dizziness when you stand up",
        ("severity", "interference"),
        "Hypotension",
    ),
    (
        "palpitations",
        "Heart pounding or racing",
        "pounding or racing heartbeat (palpitations)",
        ("frequency", "severity"),
        "Palpitations",
    ),
    ("weight-gain", "Weight gain", "weight gain", ("presence",), "Weight gain"),
    ("hoarse-voice", "Hoarse voice", "hoarse voice", ("severity",), "Hoarseness"),
    (
        "sad",
        "Sad or unhappy feelings",
        "sad or unhappy feelings",
        ("frequency", "severity", "interference"),
        "Depression",
    ),
]

# slug: {field: (before, after)}
CHANGED_SYMPTOMS = {
    "concentration": {
        "name": ("Confusion or poor concentration", "Problems with concentration"),
        "ctcae_term": ("Confusion", "Concentration impairment"),
    },
    "hot-flashes": {
        "name": ("Flushing or hot flashes", "Hot flashes"),
        "ctcae_term": ("Flushing", "Hot flashes"),
    },
    "injection-site": {
        "item": (
            "reaction at the injection site (redness, pain, swelling or itching)",
            "pain, swelling, or redness at the site of drug injection or IV",
        )
    },
}

APP_ITEMS = ["dizziness-standing", "feeling-cold", "fever", "weight-gain"]
TAKES_TEMPERATURE = ["fever"]

# Every item's place in the list, old and new.
ORDER = [
    "fever",
    "chills",
    "feeling-cold",
    "fatigue",
    "concentration",
    "nausea",
    "vomiting",
    "diarrhoea",
    "dizziness",
    "dizziness-standing",
    "palpitations",
    "hot-flashes",
    "rash",
    "itching",
    "swelling",
    "weight-gain",
    "short-of-breath",
    "hoarse-voice",
    "injection-site",
    "aching-muscles",
    "headache",
    "appetite",
    "anxiety",
    "sad",
    "sleep",
    "mouth-sores",
    "belly-pain",
]

ATTRIBUTES = ("frequency", "severity", "interference", "presence")


def grade_fields(texts):
    return {f"grade_{n}": text for n, text in enumerate(texts, 1)}


def add_terms(CtcaeTerm):
    for term, category, texts in NEW_TERMS:
        CtcaeTerm.objects.get_or_create(
            version=VERSION, term=term, defaults={"category": category, **grade_fields(texts)}
        )
    for term, fields in CORRECTED_TERMS.items():
        row = CtcaeTerm.objects.filter(version=VERSION, term=term).first()
        if row is None:
            continue
        for field, (before, after) in fields.items():
            if getattr(row, field) == before:
                setattr(row, field, after)
        row.save()
    for term, where in CHECKED.items():
        row = CtcaeTerm.objects.filter(version=VERSION, term=term).first()
        corrected = CORRECTED_TERMS.get(term, {})
        if row and all(getattr(row, f) == after for f, (_, after) in corrected.items()):
            row.checked_against_source, row.checked_in = True, where
            row.save()


def change_symptoms(ProSymptom):
    for slug, name, item, attributes, ctcae_term in NEW_SYMPTOMS:
        ProSymptom.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "item": item,
                "ctcae_term": ctcae_term,
                "is_pro_ctcae": slug not in APP_ITEMS,
                "asks_temperature": slug in TAKES_TEMPERATURE,
                **{f"asks_{a}": a in attributes for a in ATTRIBUTES},
            },
        )
    for slug, fields in CHANGED_SYMPTOMS.items():
        row = ProSymptom.objects.filter(slug=slug).first()
        if row is None:
            continue
        for field, (before, after) in fields.items():
            if getattr(row, field) == before:
                setattr(row, field, after)
        row.save()
    for order, slug in enumerate(ORDER):
        ProSymptom.objects.filter(slug=slug).update(order=order)


def load(apps, schema_editor):
    add_terms(apps.get_model("symptoms", "CtcaeTerm"))
    change_symptoms(apps.get_model("symptoms", "ProSymptom"))


class Migration(migrations.Migration):
    dependencies = [("symptoms", "0004_ctcae_checked_and_temperature")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
