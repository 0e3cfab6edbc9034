"""OpenLineage in and out: events from Airflow, dbt, Spark (any OpenLineage producer) as runs, and our runs as
OpenLineage events. The HTTP endpoint lives in ``graphql_server.openlineage``; everything it needs is here, so the
CLI and tests use it without the server stack.

- :mod:`.events`: reading and checking one RunEvent;
- :mod:`.datasets`: dataset naming <-> IO pointers;
- :mod:`.runs`: the span of a run, from the set of its events;
- :mod:`.receive`: storing events and keeping each run's span current;
- :mod:`.emit`: sending our runs to an OpenLineage endpoint.
"""
