"""Where the study's items come from: the concept inventory, spoken words, pictures, the miniature world and
real corpora, all described by one manifest schema."""
