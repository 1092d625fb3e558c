"""The VGS model (protocol §4): the two pooling towers, the group contrastive loss, and their accounting."""
