"""A leak-free, seed-reproducible VTBench-style benchmark from held-out samples, and its leak check."""

from pipelines.benchmark.build import TASK_TYPES, Benchmark, build_benchmark, leak_report, sides
from pipelines.benchmark.history import build_from_lake, leak_report_from_lake
from pipelines.benchmark.leaks import KINDS, find_leaks

__all__ = ["KINDS", "TASK_TYPES", "Benchmark", "build_benchmark", "build_from_lake", "find_leaks", "leak_report",
           "leak_report_from_lake", "sides"]
