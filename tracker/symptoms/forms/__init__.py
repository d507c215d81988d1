"""Side-effect forms: the patient's report (patient), staff entries and reviews (staff),
and the onset-and-dose part both ask (onset)."""
