"""The CTCAE terms staff grade and the PRO-CTCAE items patients answer, as tables to review.

CTCAE: Common Terminology Criteria for Adverse Events v5.0 (NCI, 2017).  Grade
texts are short forms of the v5.0 definitions, some of them summaries to check
against the NCI CTCAE v5.0 file before clinical use.  PRO-CTCAE: the NCI's
patient-reported outcome items, in their English wording; each names the CTCAE
term staff grade the same side effect with.  A later CTCAE version is added
beside this one, as new rows with version "6.0".

These are the rows a new database holds after `migrate` (migration 0002 keeps
its own frozen copy) and what `python manage.py load_reference_data` adds where
missing (`--reset` also sets edited rows back); `tests/test_reference_data.py`
fails if the two drift apart.  Sources: docs/clinical-sources.md §2.  Both stay
editable in the admin, with a reason.
"""

from django.apps import apps as global_apps

from tracker.lib.reference import load_rows

VERSION = "5.0"
LIFE = "Life-threatening consequences; urgent intervention indicated"
DEATH = "Death"
MILD_PAIN = (
    "Mild pain",
    "Moderate pain; limiting instrumental ADL",
    "Severe pain; limiting self care ADL",
)

# term, category, grade texts 1..5 ("" where the term has no such grade)
TERMS = [
    (
        "Fever",
        "General disorders",
        (
            "38.0–39.0 °C",
            ">39.0–40.0 °C",
            ">40.0 °C for ≤24 hours",
            ">40.0 °C for >24 hours",
            DEATH,
        ),
    ),
    (
        "Chills",
        "General disorders",
        (
            "Mild sensation of cold; shivering; chattering of teeth",
            "Moderate tremor of the entire body; narcotics indicated",
            "Severe or prolonged, not responsive to narcotics",
            "",
            "",
        ),
    ),
    (
        "Flu like symptoms",
        "General disorders",
        (
            "Mild flu-like symptoms not requiring intervention",
            "Moderate symptoms; limiting instrumental ADL",
            "Severe symptoms; limiting self care ADL",
            "",
            "",
        ),
    ),
    (
        "Fatigue",
        "General disorders",
        (
            "Fatigue relieved by rest",
            "Fatigue not relieved by rest; limiting instrumental ADL",
            "Fatigue not relieved by rest, limiting self care ADL",
            "",
            "",
        ),
    ),
    (
        "Confusion",
        "Psychiatric disorders",
        (
            "Mild disorientation",
            "Moderate disorientation; limiting instrumental ADL",
            "Severe disorientation; limiting self care ADL",
            LIFE,
            DEATH,
        ),
    ),
    (
        "Nausea",
        "Gastrointestinal disorders",
        (
            "Loss of appetite without alteration in eating habits",
            "Oral intake decreased without significant weight loss, dehydration or malnutrition",
            "Inadequate oral caloric or fluid intake; tube feeding, TPN, or hospitalization indicated",
            "",
            "",
        ),
    ),
    (
        "Vomiting",
        "Gastrointestinal disorders",
        (
            "Intervention not indicated",
            "Outpatient IV hydration; medical intervention indicated",
            "Tube feeding, TPN, or hospitalization indicated",
            LIFE,
            DEATH,
        ),
    ),
    (
        "Diarrhea",
        "Gastrointestinal disorders",
        (
            "Increase of <4 stools per day over baseline",
            "Increase of 4–6 stools per day over baseline",
            "Increase of ≥7 stools per day over baseline; hospitalization indicated; limiting self care ADL",
            LIFE,
            DEATH,
        ),
    ),
    ("Abdominal pain", "Gastrointestinal disorders", (*MILD_PAIN, "", "")),
    (
        "Mucositis oral",
        "Gastrointestinal disorders",
        (
            "Asymptomatic or mild symptoms; intervention not indicated",
            "Moderate pain or ulcer that does not interfere with oral intake; modified diet indicated",
            "Severe pain; interfering with oral intake",
            LIFE,
            DEATH,
        ),
    ),
    (
        "Anorexia",
        "Metabolism and nutrition disorders",
        (
            "Loss of appetite without alteration in eating habits",
            "Oral intake altered without significant weight loss or malnutrition; oral nutritional supplements indicated",
            "Associated with significant weight loss or malnutrition; tube feeding or TPN indicated",
            LIFE,
            DEATH,
        ),
    ),
    (
        "Hypotension",
        "Vascular disorders",
        (
            "Asymptomatic, intervention not indicated",
            "Non-urgent medical intervention indicated",
            "Medical intervention indicated; hospitalization indicated",
            LIFE,
            DEATH,
        ),
    ),
    (
        "Capillary leak syndrome",
        "Vascular disorders",
        (
            "Asymptomatic",
            "Symptomatic; medical intervention indicated",
            "Severe symptoms; intervention indicated",
            LIFE,
            DEATH,
        ),
    ),
    (
        "Flushing",
        "Vascular disorders",
        (
            "Asymptomatic; clinical or diagnostic observations only; intervention not indicated",
            "Moderate symptoms; medical intervention indicated; limiting instrumental ADL",
            "Symptomatic, associated with hypotension and/or tachycardia; limiting self care ADL",
            "",
            "",
        ),
    ),
    (
        "Rash maculo-papular",
        "Skin disorders",
        (
            "Macules/papules covering <10% BSA",
            "Macules/papules covering 10–30% BSA, or >30% with mild symptoms; limiting instrumental ADL",
            "Macules/papules covering >30% BSA with moderate or severe symptoms; limiting self care ADL",
            "",
            "",
        ),
    ),
    (
        "Pruritus",
        "Skin disorders",
        (
            "Mild or localized; topical intervention indicated",
            "Widespread and intermittent; skin changes from scratching; oral intervention indicated; limiting instrumental ADL",
            "Widespread and constant; limiting self care ADL or sleep; systemic corticosteroid or immunosuppressive therapy indicated",
            "",
            "",
        ),
    ),
    (
        "Edema limbs",
        "General disorders",
        (
            "5–10% inter-limb discrepancy in volume or circumference",
            ">10–30% inter-limb discrepancy; limiting instrumental ADL",
            ">30% inter-limb discrepancy; limiting self care ADL",
            "",
            "",
        ),
    ),
    (
        "Injection site reaction",
        "General disorders",
        (
            "Tenderness with or without symptoms (e.g., warmth, erythema, itching)",
            "Pain; lipodystrophy; edema; phlebitis",
            "Ulceration or necrosis; severe tissue damage; operative intervention indicated",
            LIFE,
            DEATH,
        ),
    ),
    (
        "Weight gain",
        "Investigations",
        ("5–<10% from baseline", "10–<20% from baseline", "≥20% from baseline", "", ""),
    ),
    (
        "Creatinine increased",
        "Investigations",
        (
            ">ULN–1.5 × ULN",
            ">1.5–3.0 × baseline; >1.5–3.0 × ULN",
            ">3.0 × baseline; >3.0–6.0 × ULN",
            ">6.0 × ULN",
            "",
        ),
    ),
    (
        "Acute kidney injury",
        "Renal and urinary disorders",
        (
            "",
            "",
            "Hospitalization indicated",
            "Life-threatening consequences; dialysis indicated",
            DEATH,
        ),
    ),
    (
        "Blood bilirubin increased",
        "Investigations",
        (">ULN–1.5 × ULN", ">1.5–3.0 × ULN", ">3.0–10.0 × ULN", ">10.0 × ULN", ""),
    ),
    (
        "Platelet count decreased",
        "Investigations",
        ("<LLN–75,000/mm³", "<75,000–50,000/mm³", "<50,000–25,000/mm³", "<25,000/mm³", ""),
    ),
    (
        "Aspartate aminotransferase increased",
        "Investigations",
        (">ULN–3.0 × ULN", ">3.0–5.0 × ULN", ">5.0–20.0 × ULN", ">20.0 × ULN", ""),
    ),
    (
        "Dyspnea",
        "Respiratory disorders",
        (
            "Shortness of breath with moderate exertion",
            "Shortness of breath with minimal exertion; limiting instrumental ADL",
            "Shortness of breath at rest; limiting self care ADL",
            LIFE,
            DEATH,
        ),
    ),
    (
        "Dizziness",
        "Nervous system disorders",
        (
            "Mild unsteadiness or sensation of movement",
            "Moderate unsteadiness or sensation of movement; limiting instrumental ADL",
            "Severe unsteadiness or sensation of movement; limiting self care ADL",
            "",
            "",
        ),
    ),
    ("Headache", "Nervous system disorders", (*MILD_PAIN, "", "")),
    ("Myalgia", "Musculoskeletal disorders", (*MILD_PAIN, "", "")),
    (
        "Anxiety",
        "Psychiatric disorders",
        (
            "Mild symptoms; intervention not indicated",
            "Moderate symptoms; limiting instrumental ADL",
            "Severe symptoms; limiting self care ADL; hospitalization not indicated",
            "Life-threatening; hospitalization indicated",
            DEATH,
        ),
    ),
    (
        "Insomnia",
        "Psychiatric disorders",
        (
            "Mild difficulty falling asleep, staying asleep or waking up early",
            "Moderate difficulty falling asleep, staying asleep or waking up early",
            "Severe difficulty in falling asleep, staying asleep or waking up early",
            "",
            "",
        ),
    ),
    (
        "Hypothyroidism",
        "Endocrine disorders",
        (
            "Asymptomatic; clinical or diagnostic observations only; intervention not indicated",
            "Symptomatic; thyroid replacement indicated; limiting instrumental ADL",
            "Severe symptoms; limiting self care ADL; hospitalization indicated",
            LIFE,
            DEATH,
        ),
    ),
    (
        "Hyperthyroidism",
        "Endocrine disorders",
        (
            "Asymptomatic; clinical or diagnostic observations only; intervention not indicated",
            "Symptomatic; thyroid suppression therapy indicated; limiting instrumental ADL",
            "Severe symptoms; limiting self care ADL; hospitalization indicated",
            LIFE,
            DEATH,
        ),
    ),
]

FREQ, SEV, INTF, PRES = "frequency", "severity", "interference", "presence"

# slug, name shown to the patient, PRO-CTCAE item wording, attributes, CTCAE term
SYMPTOMS = [
    ("chills", "Chills", "shivering or shaking chills", (FREQ, SEV), "Chills"),
    ("fatigue", "Tiredness", "fatigue, tiredness, or lack of energy", (SEV, INTF), "Fatigue"),
    (
        "concentration",
        "Confusion or poor concentration",
        "problems with concentration",
        (SEV, INTF),
        "Confusion",
    ),
    ("nausea", "Nausea", "nausea", (FREQ, SEV), "Nausea"),
    ("vomiting", "Vomiting", "vomiting", (FREQ, SEV), "Vomiting"),
    ("diarrhoea", "Diarrhoea", "loose or watery stools (diarrhea)", (FREQ,), "Diarrhea"),
    ("dizziness", "Dizziness", "dizziness", (SEV, INTF), "Dizziness"),
    ("hot-flashes", "Flushing or hot flashes", "hot flashes", (FREQ, SEV), "Flushing"),
    ("rash", "Rash", "rash", (PRES,), "Rash maculo-papular"),
    ("itching", "Itching", "itchy skin", (SEV,), "Pruritus"),
    (
        "swelling",
        "Swelling of arms or legs",
        "swelling in your arms or legs",
        (FREQ, SEV, INTF),
        "Edema limbs",
    ),
    ("short-of-breath", "Shortness of breath", "shortness of breath", (SEV, INTF), "Dyspnea"),
    (
        "injection-site",
        "Injection-site reaction",
        "reaction at the injection site (redness, pain, swelling or itching)",
        (PRES,),
        "Injection site reaction",
    ),
    ("aching-muscles", "Aching muscles", "aching muscles", (FREQ, SEV, INTF), "Myalgia"),
    ("headache", "Headache", "headache", (FREQ, SEV, INTF), "Headache"),
    ("appetite", "Poor appetite", "decreased appetite", (SEV, INTF), "Anorexia"),
    ("anxiety", "Anxiety", "anxiety", (FREQ, SEV, INTF), "Anxiety"),
    (
        "sleep",
        "Trouble sleeping",
        "insomnia (difficulty falling asleep, staying asleep or waking up early)",
        (SEV, INTF),
        "Insomnia",
    ),
    (
        "mouth-sores",
        "Mouth or throat sores",
        "mouth or throat sores",
        (SEV, INTF),
        "Mucositis oral",
    ),
    (
        "belly-pain",
        "Stomach pain",
        "pain in the abdomen (belly area)",
        (FREQ, SEV, INTF),
        "Abdominal pain",
    ),
]


def term_rows():
    """Each CTCAE term as (natural key, values)."""
    for term, category, texts in TERMS:
        grades = {f"grade_{n}": text for n, text in enumerate(texts, 1)}
        yield {"version": VERSION, "term": term}, {"category": category, **grades}


def symptom_rows():
    """Each PRO-CTCAE item as (natural key, values), in the order patients see them."""
    for order, (slug, name, item, attributes, ctcae_term) in enumerate(SYMPTOMS):
        asks = {f"asks_{a}": a in attributes for a in (FREQ, SEV, INTF, PRES)}
        values = {"name": name, "item": item, "ctcae_term": ctcae_term, "order": order, **asks}
        yield {"slug": slug}, values


def load(apps=global_apps, *, reset: bool = False):
    """Create or update the shipped terms and items; rows added in the admin stay."""
    return [
        load_rows(apps.get_model("symptoms", "CtcaeTerm"), term_rows(), reset=reset),
        load_rows(apps.get_model("symptoms", "ProSymptom"), symptom_rows(), reset=reset),
    ]
