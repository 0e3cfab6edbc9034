"""The root operation types: Query, Mutation (Subscription lives in graphql_server.subscriptions)."""
