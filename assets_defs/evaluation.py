"""Evaluation: the ``eval`` job runs a checkpoint through the interactive loop on a benchmark list and
writes ``eval_results`` / ``eval_turns`` / ``eval_summary``; ``eval_report`` compares runs.

Launch with ``dg launch --job eval --config train/configs/eval_cpu_tiny.yaml``
(or ``flywheel launch eval --config ...`` from any terminal while ``make dev`` runs)."""

import os

import dagster as dg

from assets_defs.resources import LakeResource, LLMResource

GROUP = "evaluation"


class EvalConfig(dg.Config):
    """What to evaluate, on what, and how."""

    checkpoint: str = "tiny"  # model dir / hub id ('tiny' = random-weight CPU model); openai: the base URL
    backend: str = "transformers"  # transformers | openai | vllm
    model: str = ""  # openai: the served model name (empty: the one the endpoint serves)
    benchmarks: list[str] = ["project", "vtbench"]  # name[/split][:task], see train/eval/benchmarks.py
    limit: int = 0  # items per task / split; 0 = all
    max_new_tokens: int = 1024  # per turn
    max_turns: int = 0  # 0 = each benchmark's own limit (V-Thinker's)
    batch_size: int = 4
    device: str = "cpu"
    dtype: str = "float32"
    torch_threads: int = 0  # 0 = torch's default
    sandbox_workers: int = 0  # 0 = one per core
    sandbox_timeout_s: float = 10.0
    judge: bool = False  # also score with the judge model of the `llm` resource (endpoint from its config/env)


@dg.asset(group_name=GROUP, kinds={"parquet"},
          description="One evaluation run: every benchmark item through the interactive loop (code executed in the "
                      "sandbox), scored judge-free (and by the judge when enabled); rows in eval_results, eval_turns, "
                      "eval_summary (round 0, domain = benchmark).")
def eval_results(context: dg.AssetExecutionContext, config: EvalConfig, lake: LakeResource,
                 llm: LLMResource) -> dg.MaterializeResult:
    from pipelines.sandbox import Limits, Sandbox
    from train.eval.backends import build_backend
    from train.eval.run import evaluate, write_run

    store = lake.lake()
    if config.torch_threads:
        import torch

        torch.set_num_threads(config.torch_threads)
    judge_client = None
    if config.judge:
        judge_client = llm.client(store)
        if judge_client is None:
            raise dg.Failure(description="judge: true needs a judge endpoint: set the llm resource's base_url/model "
                                         "or FLYWHEEL_LLM_BASE_URL / FLYWHEEL_LLM_MODEL")
    workdir = os.path.join(store.root, "checkpoints", "eval") if store.is_local else os.path.expanduser("~/.cache/flywheel")
    backend = build_backend(config.backend, config.checkpoint, model=config.model, device=config.device,
                            dtype=config.dtype, batch_size=config.batch_size, workdir=workdir)
    limits = Limits(timeout_s=config.sandbox_timeout_s)
    with Sandbox(workers=config.sandbox_workers or None, limits=limits) as sandbox:
        run = evaluate(store, config.benchmarks, backend, sandbox, context.run_id, limit=config.limit,
                       max_new_tokens=config.max_new_tokens, max_turns=config.max_turns or None, limits=limits,
                       judge_client=judge_client)
    write_run(store, run, context.run_id)
    table = "\n".join(["| benchmark | task | metric | value | n |", "|---|---|---|---|---|"] + [
        f"| {m['benchmark']} | {m['task']} | {m['metric']} | {m['value']:.3f} | {m['n']} |"
        for m in run.summary if m["subset"] == "all"])
    return dg.MaterializeResult(metadata={
        "dagster/row_count": len(run.results), "checkpoint": backend.checkpoint, "backend": backend.name,
        "items_per_s": round(run.items_per_s, 3), "seconds": round(run.seconds, 1),
        "tool_calls": sum(r["tool_calls"] for r in run.results),
        "code_errors": sum(r["code_errors"] for r in run.results), "scores": dg.MetadataValue.md(table)})


@dg.asset(group_name=GROUP, deps=[eval_results],
          description="Comparison of every evaluation run in the lake (accuracy per benchmark/task, judge-free and "
                      "judge-based) and a few failed items of this run with their input and produced images.")
def eval_report(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    from train.eval.report import comparison_png, failures_markdown, plot_markdown, report_inputs

    summary, results, images = report_inputs(lake.lake(), context.run_id)
    runs = sorted({r["run_id"] for r in summary})
    return dg.MaterializeResult(metadata={
        "runs": len(runs), "items_this_run": len(results),
        "comparison": dg.MetadataValue.md(plot_markdown(comparison_png(summary))),
        "failed_items": dg.MetadataValue.md(failures_markdown(results, images))})


ASSETS = [eval_results, eval_report]
JOBS = [dg.define_asset_job("eval", selection=[eval_results, eval_report],
                            description="Evaluate a checkpoint on a benchmark list (config: checkpoint, backend, "
                                        "benchmarks), then the comparison report.")]
