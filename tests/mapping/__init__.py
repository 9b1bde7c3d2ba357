"""Goal -> taxonomy mapping: embedders, the embedding cache, the mapper, goal targets."""
