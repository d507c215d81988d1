"""Side-effect pages: `patient` for the patient's own reports."""
