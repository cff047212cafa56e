"""The ``extract_features`` stage: ticket vectors from the trained model's ``features`` layer."""
