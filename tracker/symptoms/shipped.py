"""The CTCAE terms staff grade and the PRO-CTCAE items patients answer, as tables to review.

CTCAE: Common Terminology Criteria for Adverse Events v5.0 (NCI, 2017).  Terms
and grade texts follow the NCI's wording (ranges written with "–", "×" and
"≥"); a grade the term does not define is "".  `CHECKED` names the terms whose
every grade was read against their v5.0 row in a cited source, and where; the
others are still to check (docs/clinical-sources.md §5).  PRO-CTCAE: the NCI's
patient-reported outcome items, in their English wording; each names the CTCAE
term staff grade the same side effect with.  The few items PRO-CTCAE lacks
(fever with a temperature, feeling cold, weight gain, dizziness on standing)
are the app's own, marked as such.  A later CTCAE version is added beside this
one, as a new table in `TERMS_BY_VERSION` ("6.0").

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
# AST and ALT share their grades; the clause after ";" grades a patient whose
# baseline was already abnormal against that baseline, not the ULN.
AMINOTRANSFERASE = (
    ">ULN–3.0 × ULN if baseline was normal; 1.5–3.0 × baseline if baseline was abnormal",
    ">3.0–5.0 × ULN if baseline was normal; >3.0–5.0 × baseline if baseline was abnormal",
    ">5.0–20.0 × ULN if baseline was normal; >5.0–20.0 × baseline if baseline was abnormal",
    ">20.0 × ULN if baseline was normal; >20.0 × baseline if baseline was abnormal",
)
GI_HEMORRHAGE = (
    "Mild; intervention not indicated",
    "Moderate symptoms; intervention indicated",
    "Transfusion indicated; invasive intervention indicated; hospitalization",
    LIFE,
    DEATH,
)
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
            "Increase of <4 stools per day over baseline; mild increase in ostomy output compared to baseline",
            "Increase of 4–6 stools per day over baseline; moderate increase in ostomy output compared to baseline; limiting instrumental ADL",
            "Increase of ≥7 stools per day over baseline; hospitalization indicated; severe increase in ostomy output compared to baseline; limiting self care ADL",
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
            "5–10% inter-limb discrepancy in volume or circumference at point of greatest visible difference; swelling or obscuration of anatomic architecture on close inspection",
            ">10–30% inter-limb discrepancy in volume or circumference at point of greatest visible difference; readily apparent obscuration of anatomic architecture; obliteration of skin folds; readily apparent deviation from normal anatomic contour; limiting instrumental ADL",
            ">30% inter-limb discrepancy in volume; gross deviation from normal anatomic contour; limiting self care ADL",
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
        (
            ">ULN–1.5 × ULN if baseline was normal; >1.0–1.5 × baseline if baseline was abnormal",
            ">1.5–3.0 × ULN if baseline was normal; >1.5–3.0 × baseline if baseline was abnormal",
            ">3.0–10.0 × ULN if baseline was normal; >3.0–10.0 × baseline if baseline was abnormal",
            ">10.0 × ULN if baseline was normal; >10.0 × baseline if baseline was abnormal",
            "",
        ),
    ),
    (
        "Platelet count decreased",
        "Investigations",
        ("<LLN–75,000/mm³", "<75,000–50,000/mm³", "<50,000–25,000/mm³", "<25,000/mm³", ""),
    ),
    ("Aspartate aminotransferase increased", "Investigations", (*AMINOTRANSFERASE, "")),
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
    # Added for the toxicities of high-dose IL-2 (docs/clinical-sources.md §2).
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
            DEATH,
        ),
    ),
    (
        "Supraventricular tachycardia",
        "Cardiac disorders",
        (
            "Asymptomatic, intervention not indicated",
            "Non-urgent medical intervention indicated",
            "Symptomatic, urgent intervention indicated",
            LIFE,
            DEATH,
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
            DEATH,
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
            "Levels above the upper limit of normal and below the level of myocardial infarction as defined by the manufacturer",
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
    ("Alanine aminotransferase increased", "Investigations", (*AMINOTRANSFERASE, "")),
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
            LIFE,
            DEATH,
        ),
    ),
    (
        "Febrile neutropenia",
        "Blood and lymphatic system disorders",
        (
            "",
            "",
            "ANC <1000/mm³ with a single temperature of >38.3 °C (101 °F) or a sustained temperature of ≥38 °C (100.4 °F) for more than one hour",
            LIFE,
            DEATH,
        ),
    ),
    ("Sepsis", "Infections and infestations", ("", "", "", LIFE, DEATH)),
    (
        "Catheter related infection",
        "Infections and infestations",
        (
            "",
            "Localized; local intervention indicated; oral intervention indicated (e.g., antibiotic, antifungal, antiviral)",
            "IV antibiotic, antifungal, or antiviral intervention indicated; invasive intervention indicated",
            LIFE,
            DEATH,
        ),
    ),
    (
        "Hypoxia",
        "Respiratory disorders",
        (
            "",
            "Decreased oxygen saturation with exercise (e.g., pulse oximeter <88%); intermittent supplemental oxygen",
            "Decreased oxygen saturation at rest (e.g., pulse oximeter <88% or PaO2 ≤55 mm Hg)",
            "Life-threatening airway compromise; urgent intervention indicated (e.g., tracheotomy or intubation)",
            DEATH,
        ),
    ),
    (
        "Pulmonary edema",
        "Respiratory disorders",
        (
            "Radiologic findings only; minimal dyspnea on exertion",
            "Moderate dyspnea on exertion; medical intervention indicated; limiting instrumental ADL",
            "Severe dyspnea or dyspnea at rest; oxygen indicated; limiting self care ADL",
            "Life-threatening respiratory compromise; urgent intervention or intubation with ventilatory support indicated",
            DEATH,
        ),
    ),
    (
        "Pleural effusion",
        "Respiratory disorders",
        (
            "Asymptomatic; clinical or diagnostic observations only; intervention not indicated",
            "Symptomatic; intervention indicated (e.g., diuretics or limited therapeutic thoracentesis)",
            "Symptomatic with respiratory distress and hypoxia; surgical intervention including chest tube or pleurodesis indicated",
            "Life-threatening respiratory or hemodynamic compromise; intubation or urgent intervention indicated",
            DEATH,
        ),
    ),
    (
        "Hoarseness",
        "Respiratory disorders",
        (
            "Mild or intermittent voice change; fully understandable; self-resolves",
            "Moderate or persistent voice changes; may require occasional repetition but understandable on telephone; medical evaluation indicated",
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
            LIFE,
            DEATH,
        ),
    ),
    (
        "Psychosis",
        "Psychiatric disorders",
        (
            "Mild psychotic symptoms",
            "Moderate psychotic symptoms (e.g., disorganized speech; impaired reality testing)",
            "Severe psychotic symptoms (e.g., paranoid; extreme disorganization); hospitalization not indicated",
            "Life-threatening consequences, threats of harm to self or others; hospitalization indicated",
            DEATH,
        ),
    ),
    (
        "Depression",
        "Psychiatric disorders",
        (
            "Mild depressive symptoms",
            "Moderate depressive symptoms; limiting instrumental ADL",
            "Severe depressive symptoms; limiting self care ADL; hospitalization not indicated",
            "Life-threatening consequences, threats of harm to self or others; hospitalization indicated",
            DEATH,
        ),
    ),
    (
        "Somnolence",
        "Nervous system disorders",
        (
            "Mild but more than usual drowsiness or sleepiness",
            "Moderate sedation; limiting instrumental ADL",
            "Obtundation or stupor",
            LIFE,
            DEATH,
        ),
    ),
    (
        "Seizure",
        "Nervous system disorders",
        (
            "Brief partial seizure and no loss of consciousness",
            "Brief generalized seizure",
            "New onset seizures (partial or generalized); multiple seizures despite medical intervention",
            "Life-threatening consequences; prolonged repetitive seizures",
            DEATH,
        ),
    ),
    (
        "Concentration impairment",
        "Nervous system disorders",
        (
            "Mild inattention or decreased level of concentration",
            "Moderate impairment in attention or decreased level of concentration; limiting instrumental ADL",
            "Severe impairment in attention or decreased level of concentration; limiting self care ADL",
            "",
            "",
        ),
    ),
    (
        "Acidosis",
        "Metabolism and nutrition disorders",
        ("pH <normal, but ≥7.3", "", "pH <7.3", "Life-threatening consequences", DEATH),
    ),
    (
        "Hypomagnesemia",
        "Metabolism and nutrition disorders",
        (
            "<LLN–1.2 mg/dL; <LLN–0.5 mmol/L",
            "<1.2–0.9 mg/dL; <0.5–0.4 mmol/L",
            "<0.9–0.7 mg/dL; <0.4–0.3 mmol/L",
            "<0.7 mg/dL; <0.3 mmol/L; life-threatening consequences",
            DEATH,
        ),
    ),
    (
        "Hypocalcemia",
        "Metabolism and nutrition disorders",
        (
            "Corrected serum calcium of <LLN–8.0 mg/dL; <LLN–2.0 mmol/L; ionized calcium <LLN–1.0 mmol/L",
            "Corrected serum calcium of <8.0–7.0 mg/dL; <2.0–1.75 mmol/L; ionized calcium <1.0–0.9 mmol/L; symptomatic",
            "Corrected serum calcium of <7.0–6.0 mg/dL; <1.75–1.5 mmol/L; ionized calcium <0.9–0.8 mmol/L; hospitalization indicated",
            "Corrected serum calcium of <6.0 mg/dL; <1.5 mmol/L; ionized calcium <0.8 mmol/L; life-threatening consequences",
            DEATH,
        ),
    ),
    (
        "Hypophosphatemia",
        "Metabolism and nutrition disorders",
        (
            "Laboratory finding only and intervention not indicated",
            "Oral replacement therapy indicated",
            "Severe or medically significant but not immediately life-threatening; hospitalization or prolongation of existing hospitalization indicated",
            "Life-threatening consequences",
            DEATH,
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
            DEATH,
        ),
    ),
    # CTCAE v5.0 has no single "GI hemorrhage": bleeding is graded by site.
    ("Upper gastrointestinal hemorrhage", "Gastrointestinal disorders", GI_HEMORRHAGE),
    ("Lower gastrointestinal hemorrhage", "Gastrointestinal disorders", GI_HEMORRHAGE),
    (
        "Ascites",
        "Gastrointestinal disorders",
        (
            "Asymptomatic; clinical or diagnostic observations only; intervention not indicated",
            "Symptomatic; medical intervention indicated",
            "Severe symptoms; invasive intervention indicated",
            "Life-threatening consequences; urgent operative intervention indicated",
            DEATH,
        ),
    ),
    (
        "Bullous dermatitis",
        "Skin disorders",
        (
            "Asymptomatic; blisters covering <10% BSA",
            "Blisters covering 10–30% BSA; painful blisters; limiting instrumental ADL",
            "Blisters covering >30% BSA; limiting self care ADL",
            "Blisters covering >30% BSA; associated with fluid or electrolyte abnormalities; ICU care or burn unit indicated",
            DEATH,
        ),
    ),
    (
        "Erythroderma",
        "Skin disorders",
        (
            "",
            "Erythema covering >90% BSA without associated symptoms; limiting instrumental ADL",
            "Erythema covering >90% BSA with associated symptoms (e.g., pruritus or tenderness); limiting self care ADL",
            "Erythema covering >90% BSA with associated fluid or electrolyte abnormalities; ICU care or burn unit indicated",
            DEATH,
        ),
    ),
    # Vitiligo is graded as this term in v5.0.
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
    # A hot flash is a term of its own, apart from Flushing.
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

# The terms whose every grade text was read against their CTCAE v5.0 row, and
# where (docs/clinical-sources.md §2); the rest are listed in §5 to check.
CHECKED = {
    "Edema limbs": "Target Oncol 2022;17:597, Table 3 (CTCAE v5.0 definition)",
    "Diarrhea": "World J Gastrointest Pathophysiol 2019;10:17, Table 2 (CTCAE v5.0); eviQ",
    "Aspartate aminotransferase increased": "World J Hepatol 2026;18:113465, Table 1 (CTCAE v5)",
    "Blood bilirubin increased": "World J Hepatol 2026;18:113465, Table 1 (CTCAE v5)",
}

TERMS_BY_VERSION = {VERSION: TERMS}
CHECKED_BY_VERSION = {VERSION: CHECKED}

FREQ, SEV, INTF, PRES = "frequency", "severity", "interference", "presence"

# slug, name shown to the patient, item wording, attributes, CTCAE term
SYMPTOMS = [
    ("fever", "Fever", "fever", (PRES,), "Fever"),
    ("chills", "Chills", "shivering or shaking chills", (FREQ, SEV), "Chills"),
    ("feeling-cold", "Feeling cold", "feeling of being cold", (PRES,), "Chills"),
    ("fatigue", "Tiredness", "fatigue, tiredness, or lack of energy", (SEV, INTF), "Fatigue"),
    (
        "concentration",
        "Problems with concentration",
        "problems with concentration",
        (SEV, INTF),
        "Concentration impairment",
    ),
    ("nausea", "Nausea", "nausea", (FREQ, SEV), "Nausea"),
    ("vomiting", "Vomiting", "vomiting", (FREQ, SEV), "Vomiting"),
    ("diarrhoea", "Diarrhoea", "loose or watery stools (diarrhea)", (FREQ,), "Diarrhea"),
    ("dizziness", "Dizziness", "dizziness", (SEV, INTF), "Dizziness"),
    (
        "dizziness-standing",
        "Dizziness when standing up",
        "dizziness when you stand up",
        (SEV, INTF),
        "Hypotension",
    ),
    (
        "palpitations",
        "Heart pounding or racing",
        "pounding or racing heartbeat (palpitations)",
        (FREQ, SEV),
        "Palpitations",
    ),
    ("hot-flashes", "Hot flashes", "hot flashes", (FREQ, SEV), "Hot flashes"),
    ("rash", "Rash", "rash", (PRES,), "Rash maculo-papular"),
    ("itching", "Itching", "itchy skin", (SEV,), "Pruritus"),
    (
        "swelling",
        "Swelling of arms or legs",
        "swelling in your arms or legs",
        (FREQ, SEV, INTF),
        "Edema limbs",
    ),
    ("weight-gain", "Weight gain", "weight gain", (PRES,), "Weight gain"),
    ("short-of-breath", "Shortness of breath", "shortness of breath", (SEV, INTF), "Dyspnea"),
    ("hoarse-voice", "Hoarse voice", "hoarse voice", (SEV,), "Hoarseness"),
    (
        "injection-site",
        "Injection-site reaction",
        "pain, swelling, or redness at the site of drug injection or IV",
        (PRES,),
        "Injection site reaction",
    ),
    ("aching-muscles", "Aching muscles", "aching muscles", (FREQ, SEV, INTF), "Myalgia"),
    ("headache", "Headache", "headache", (FREQ, SEV, INTF), "Headache"),
    ("appetite", "Poor appetite", "decreased appetite", (SEV, INTF), "Anorexia"),
    ("anxiety", "Anxiety", "anxiety", (FREQ, SEV, INTF), "Anxiety"),
    (
        "sad",
        "Sad or unhappy feelings",
        "sad or unhappy feelings",
        (FREQ, SEV, INTF),
        "Depression",
    ),
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

# What the patient leaflet and Cancer Research UK tell patients to watch for but
# PRO-CTCAE has no item for: the app's own items, in the same question style and
# never exported as PRO-CTCAE (docs/clinical-sources.md §2).  "Dizziness when
# standing up" is its own item, not a note on PRO-CTCAE "dizziness", because it
# points at low blood pressure, which the team checks differently.
APP_ITEMS = {"fever", "feeling-cold", "dizziness-standing", "weight-gain"}

# Items where the patient may add the temperature they measured.
TAKES_TEMPERATURE = {"fever"}


# Self-care advice a patient sees after reporting a symptom below "call the ward now"
# (docs/side-effects.md): symptom slug, advice, source.  Each row must cite where its
# advice comes from; the sources this project holds (docs/clinical-sources.md) give
# none for patients at home, so none is shipped.  A centre adds its own in the admin,
# from its patient leaflet, with a reason.
ADVICE: list[tuple[str, str, str]] = []


def term_rows():
    """Each CTCAE term of every version as (natural key, values)."""
    for version, terms in TERMS_BY_VERSION.items():
        for term, category, texts in terms:
            grades = {f"grade_{n}": text for n, text in enumerate(texts, 1)}
            where = CHECKED_BY_VERSION.get(version, {}).get(term, "")
            checked = {"checked_against_source": bool(where), "checked_in": where}
            yield {"version": version, "term": term}, {"category": category, **grades, **checked}


def symptom_rows():
    """Each item as (natural key, values), in the order patients see them."""
    for order, (slug, name, item, attributes, ctcae_term) in enumerate(SYMPTOMS):
        asks = {f"asks_{a}": a in attributes for a in (FREQ, SEV, INTF, PRES)}
        values = {
            "name": name,
            "item": item,
            "ctcae_term": ctcae_term,
            "order": order,
            "is_pro_ctcae": slug not in APP_ITEMS,
            "asks_temperature": slug in TAKES_TEMPERATURE,
            **asks,
        }
        yield {"slug": slug}, values


def advice_rows(apps=global_apps):
    """Each piece of advice as (natural key, values): its symptom and place in its list."""
    symptoms = {s.slug: s for s in apps.get_model("symptoms", "ProSymptom").objects.all()}
    for order, (slug, text, source) in enumerate(ADVICE):
        yield {"symptom": symptoms[slug], "order": order}, {"text": text, "source": source}


def load(apps=global_apps, *, reset: bool = False):
    """Create or update the shipped terms, items and advice; rows added in the admin stay."""
    return [
        load_rows(apps.get_model("symptoms", "CtcaeTerm"), term_rows(), reset=reset),
        load_rows(apps.get_model("symptoms", "ProSymptom"), symptom_rows(), reset=reset),
        load_rows(apps.get_model("symptoms", "SelfCareAdvice"), advice_rows(apps), reset=reset),
    ]
