"""Ingestion: bringing papers and feed entries in from arXiv and Hugging Face (issue #12's ingest domain)."""
