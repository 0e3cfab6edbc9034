"""GraphQL types, one per file, named for the type. Each holds its query-layer record privately."""
