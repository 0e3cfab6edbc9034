"""Per-request DataLoaders, one per file; each batches one query-layer function over all keys of a level."""

from __future__ import annotations

from dataclasses import dataclass

from graphql_server.database import Database
from graphql_server.loaders.code_snapshot import CodeSnapshotLoader
from graphql_server.loaders.component_by_name import ComponentByNameLoader
from graphql_server.loaders.pointer_by_name import PointerByNameLoader
from graphql_server.loaders.pointer_consumers import PointerConsumersLoader
from graphql_server.loaders.pointer_producers import PointerProducersLoader
from graphql_server.loaders.run_by_id import RunByIdLoader
from graphql_server.loaders.run_dependencies import RunDependenciesLoader
from graphql_server.loaders.run_dependents import RunDependentsLoader
from graphql_server.loaders.run_failed_attempts import RunFailedAttemptsLoader
from graphql_server.loaders.run_io import RunIOLoader
from graphql_server.loaders.run_stale_reasons import RunStaleReasonsLoader


@dataclass(frozen=True)
class Loaders:
    run_by_id: RunByIdLoader
    run_io: RunIOLoader
    run_dependencies: RunDependenciesLoader
    run_dependents: RunDependentsLoader
    run_stale_reasons: RunStaleReasonsLoader
    run_failed_attempts: RunFailedAttemptsLoader
    component_by_name: ComponentByNameLoader
    pointer_by_name: PointerByNameLoader
    pointer_producers: PointerProducersLoader
    pointer_consumers: PointerConsumersLoader
    code_snapshot: CodeSnapshotLoader

    @classmethod
    def create(cls, db: Database) -> Loaders:
        """Fresh loaders: their caches live for one request (or one subscription event), never longer."""
        pointer_by_name = PointerByNameLoader(db)
        return cls(
            run_by_id=RunByIdLoader(db),
            run_io=RunIOLoader(db, pointer_by_name),
            run_dependencies=RunDependenciesLoader(db),
            run_dependents=RunDependentsLoader(db),
            run_stale_reasons=RunStaleReasonsLoader(db),
            run_failed_attempts=RunFailedAttemptsLoader(db),
            component_by_name=ComponentByNameLoader(db),
            pointer_by_name=pointer_by_name,
            pointer_producers=PointerProducersLoader(db),
            pointer_consumers=PointerConsumersLoader(db),
            code_snapshot=CodeSnapshotLoader(db),
        )
