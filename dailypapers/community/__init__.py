"""What members add to the feed: submissions, comments, authorship claims, collections and dismissals."""
