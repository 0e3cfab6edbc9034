"""``POST /api/v1/lineage``: OpenLineage events in (the path Marquez serves)."""
