import os

from hypothesis import settings

# `HYPOTHESIS_PROFILE=fuzz` runs the form fuzz at 1,000 submissions per form (and every
# other property test at 1,000 examples): docs/security-fuzz.md.
settings.register_profile("fuzz", max_examples=1000)
if os.environ.get("HYPOTHESIS_PROFILE"):
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])
