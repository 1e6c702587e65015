from . import test_claim_app
