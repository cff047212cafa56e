"""Ticket data: schema, export readers, the synthetic generator, splits and vocabularies."""
