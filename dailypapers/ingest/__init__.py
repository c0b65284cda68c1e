"""Ingestion (DESIGN §2's "ingest" stage): storing what sources deliver, file imports, OAI harvests and the
scheduled harvest job. Sources fetch and parse; this package writes."""
