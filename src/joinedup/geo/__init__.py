"""Where places are: postcodes, their points and districts."""

from joinedup.geo.lookup import PostcodePoint, district, locate, resolve_postcode
from joinedup.geo.postcodes import normalise_postcode

__all__ = ["PostcodePoint", "district", "locate", "normalise_postcode", "resolve_postcode"]
