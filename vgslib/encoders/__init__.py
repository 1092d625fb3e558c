"""Frozen encoders and the prepare stage: items -> token features (cached in the feature store), checked by a
linear probe."""
