"""Point-level perception data with exact pixel truth (V-Perception's three levels).

``figure`` turns a render into a :class:`Figure` (marks with pixel positions, drawn segments and
circles) and typed element annotations; ``tasks`` builds surface / semantic / integrated tasks;
``stage`` runs both over the lake's accepted samples; ``generator`` makes perception-only
figures with a controlled element count; ``draw`` paints ground-truth points for previews."""

from pipelines.perception.figure import CONVENTION, ELEMENT_TYPES, Figure, Mark, annotations, figure_from_sample
from pipelines.perception.stage import PerceptionOut, tasks_from_samples
from pipelines.perception.tasks import LEVELS, build_tasks

__all__ = ["CONVENTION", "ELEMENT_TYPES", "LEVELS", "Figure", "Mark", "PerceptionOut", "annotations",
           "build_tasks", "figure_from_sample", "tasks_from_samples"]
