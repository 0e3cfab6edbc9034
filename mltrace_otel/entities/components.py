"""Ready-made kinds of components with their default tests (mltrace 0.17's ``mltrace.entities.components``)."""

from __future__ import annotations

from collections.abc import Iterable

from mltrace_otel.entities.tests import OutliersTest
from mltrace_otel.instrument.component import Component, TestLike


class PreprocessingComponent(Component):
    """Prepares features for a model; after each run, checks that no feature has outliers (``OutliersTest`` on
    the run's ``df``). Arguments in mltrace 0.17's order; tests you pass run as well."""

    def __init__(
        self,
        owner: str,
        name: str = "Preprocessing",
        description: str = "Preprocessing features to feed into a model.",
        tags: Iterable[str] = (),
        beforeTests: Iterable[TestLike] = (),  # mltrace's names
        afterTests: Iterable[TestLike] = (),
    ) -> None:
        super().__init__(
            name=name,
            owner=owner,
            description=description,
            beforeTests=beforeTests,
            afterTests=[OutliersTest, *afterTests],
            tags=tags,
        )
