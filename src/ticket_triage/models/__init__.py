"""The chapter's ticket models, one API per module, chosen with ``model=`` (see ``factory``)."""
