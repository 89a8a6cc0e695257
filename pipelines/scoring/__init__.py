"""Scorers for the benchmark's three task types, exact where pixel truth exists.

``pixels``: perception (parsed coordinates, or marking code run in the sandbox) and
instruction-guided interaction (IoU of dilated change masks); ``answers``: interactive
reasoning (robust answer matching); ``extract``: answer / code / coordinate extraction."""

from pipelines.scoring.answers import answer_matches, score_reasoning, to_number
from pipelines.scoring.pixels import (
    DILATE, IOU_PASS, POINT_TOL, Score, change_iou, score_instruction, score_perception_code,
    score_perception_text, score_points,
)

__all__ = ["DILATE", "IOU_PASS", "POINT_TOL", "Score", "answer_matches", "change_iou", "score_instruction",
           "score_perception_code", "score_perception_text", "score_points", "score_reasoning", "to_number"]
