"""Page composers: the pages that show several features at once (the listings, the paper page, "for you").

This floor sits between the entry points and the features: it may import any feature, and no feature imports
it, so a feature never has to know which pages show its data. A page that shows one feature only stays in that
feature's package (e.g. ``community/collection_views.py``).
"""
