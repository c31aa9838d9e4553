"""ADaM for ALS: ADSL, ADQSALS, ADRE, ADSLOPE, ADRESP, the slope table and plots."""
from cdisc_als.adam.build import derive, derive_adam

__all__ = ["derive", "derive_adam"]
