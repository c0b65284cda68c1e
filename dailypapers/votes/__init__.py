"""Upvotes: one per user and paper, kept in step with the paper's count and trending score."""
