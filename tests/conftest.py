import os

from hypothesis import settings

# Default: 100 examples per property. HYPOTHESIS_PROFILE=thorough for a long hunt.
settings.register_profile("default", max_examples=100, deadline=None)
settings.register_profile("thorough", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
