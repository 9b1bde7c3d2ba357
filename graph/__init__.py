"""The competency graph: model, store contract, stores and the recommender."""
