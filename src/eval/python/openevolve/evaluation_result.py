"""EvaluationResult as OpenEvolve's evaluators build it: metrics and artifacts.

kevolve's own module with the same import path, so that
`from openevolve.evaluation_result import EvaluationResult` in an evaluator written for
OpenEvolve resolves when kevolve runs it (docs/openevolve.md). kevolve reads `metrics` (numbers;
`combined_score` ranks) and `artifacts` (shown to the model as text) of the returned object.
"""

from dataclasses import dataclass, field
from typing import Any, Dict, Union


@dataclass
class EvaluationResult:
    metrics: Dict[str, float]
    artifacts: Dict[str, Union[str, bytes, Any]] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, metrics: Dict[str, float]) -> "EvaluationResult":
        """A result with these metrics and no artifacts."""
        return cls(metrics=dict(metrics))

    def to_dict(self) -> Dict[str, float]:
        """The metrics alone."""
        return dict(self.metrics)

    def has_artifacts(self) -> bool:
        return bool(self.artifacts)

    def get_artifact_keys(self) -> list:
        return list(self.artifacts.keys())

    def get_artifact_size(self, key: str) -> int:
        value = self.artifacts.get(key)
        if value is None:
            return 0
        if isinstance(value, bytes):
            return len(value)
        return len(str(value).encode("utf-8"))

    def get_total_artifact_size(self) -> int:
        return sum(self.get_artifact_size(key) for key in self.artifacts)
