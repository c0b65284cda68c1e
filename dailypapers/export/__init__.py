"""Exporting papers (a collection, a listing) as BibTeX, RIS and CSL-JSON."""
