"""The "for you" feed: a per-user model over paper embeddings, learned from upvotes, saves and dismissals."""
