"""``harness run --task lm_eval:NAME``: an lm-evaluation-harness task, run by lm-eval's own evaluator.

The model is loaded by harness (``resolve_model``: same checkpoint kinds, same fingerprint as our own
tasks) and handed to lm-eval's ``HFLM`` as a ready model object, so lm-eval builds the prompts, runs the
requests (generation and log-likelihoods), filters and scores exactly as ``lm_eval`` would. Every
logged sample becomes a row of the store's ``samples`` table under split ``test``; every metric lm-eval
reports becomes a ``metrics`` row whose CI is ±1.96 × lm-eval's standard error where it gives one.

Resuming: lm-eval's request cache (``use_cache``, a SQLite file in the harness response cache, one per
model fingerprint; ``--no-cache`` turns it off) keeps every answered request as it comes, so an
interrupted run re-asks only what was left.
Samples and metrics are written in one go at the end: the store never holds half an lm-eval run.

Options: ``--limit`` (docs), ``--shots`` (num_fewshot), ``--seed`` (lm-eval's four seeds), ``--task-dir``
(lm-eval's ``include_path``: a folder of YAML tasks), ``--batch-size``, and ``--lm-eval-arg KEY=VALUE`` for
``apply_chat_template``, ``system_instruction``, ``fewshot_as_multiturn`` and ``gen_kwargs``.
"""

from __future__ import annotations

import difflib
import itertools
from pathlib import Path
from typing import Any, ClassVar

from harness.errors import BadInput, missing_extra
from harness.lifecycle import Aggregate, Evaluation, Progress, TaskSource
from harness.models.base import ModelBackend
from harness.store import Store
from harness.types import Example, MetricValue, Response, RunConfig, SampleResult, Scored, content_hash, is_number

PREFIX = "lm_eval:"
SPLIT = "test"
Z95 = 1.959963984540054
LM_EVAL_ARGS = {
    "apply_chat_template": "true/false: render prompts with the tokenizer's chat template",
    "system_instruction": "text of a system turn",
    "fewshot_as_multiturn": "true/false: few-shot examples as earlier chat turns",
    "gen_kwargs": "generation overrides, e.g. max_gen_toks=64,temperature=0",
}


def evaluator_args(config: RunConfig) -> dict[str, Any]:
    """``simple_evaluate`` keyword arguments from ``--lm-eval-arg``; unknown keys are one-line errors."""
    args: dict[str, Any] = {}
    for key, value in config.lm_eval_args.items():
        if key not in LM_EVAL_ARGS:
            raise BadInput(f"--lm-eval-arg {key}: unknown option: choose from {', '.join(LM_EVAL_ARGS)}")
        if key in ("apply_chat_template", "fewshot_as_multiturn"):
            if value.lower() not in ("true", "false"):
                raise BadInput(f"--lm-eval-arg {key}={value}: give true or false")
            args[key] = value.lower() == "true"
        else:
            args[key] = value
    return args


def check_config(config: RunConfig) -> None:
    """Refuse the ``harness run`` options lm-eval tasks do not take, before anything is loaded."""
    prompts = "lm-eval builds the prompts from its own data"
    decoding = "the task's YAML sets its generation_kwargs and repeats"
    refused = [
        ("--data", config.data, prompts),
        ("--answers", config.answers, prompts),
        ("--constrained", config.constrained, prompts),
        ("--mode native", config.mode == "native", prompts),
        ("--model oracle", config.model == "oracle", prompts),
        (f"--samples {config.samples}", config.samples > 1, decoding),
        ("--temperature", config.temperature is not None, decoding),
        ("--top-p", config.top_p is not None, decoding),
        ("--workers", config.workers, "lm-eval evaluates in one process"),
        ("--batch", config.batch, "provider batch APIs serve harness tasks only"),
    ]
    for option, given, why in refused:
        if given:
            raise BadInput(f"{option}: not available for lm-eval tasks ({why})")
    if config.splits and tuple(config.splits) != (SPLIT,):
        raise BadInput(f"--split {','.join(config.splits)}: an lm-eval task is stored as split '{SPLIT}' only")


def load_task(name: str, include_path: str | None) -> tuple[Any, list[Any], dict[str, Any]]:
    """lm-eval's TaskManager, what to evaluate (the task, group or tag's tasks, datasets loaded) and the
    leaf tasks by name; a one-line BadInput when the name is unknown or will not load."""
    try:
        from lm_eval.tasks import TaskManager
    except ImportError as exc:
        raise missing_extra("lm_eval", "lm-eval") from exc
    if include_path is not None and not Path(include_path).is_dir():
        raise BadInput(f"--task-dir {include_path}: no such folder (lm-eval tasks: a folder of YAML files)")
    manager = TaskManager(include_path=include_path)
    if name not in manager.all_tasks:
        close = difflib.get_close_matches(name, manager.all_tasks, n=3)
        hint = f": did you mean {', '.join(close)}?" if close else ": see `lm_eval ls tasks`, or give --task-dir"
        raise BadInput(f"--task lm_eval:{name}: lm-eval has no such task{hint}")
    try:
        loaded = manager.load([name])
    except Exception as exc:  # a dataset that is not available offline, a broken YAML...
        raise BadInput(f"--task lm_eval:{name}: lm-eval could not load it: {str(exc).splitlines()[0][:300]}") from exc
    leaves = dict(loaded["tasks"])
    top = loaded["groups"].get(name) or leaves.get(name)
    return manager, [top] if top is not None else list(leaves.values()), leaves


def task_identity(leaves: dict[str, Any], config: RunConfig) -> tuple[str, str, int]:
    """(task_version, data_hash, docs): lm-eval's version and each task's config, a hash of the docs
    evaluated (the first --limit of each task), and how many they are."""
    import lm_eval

    configs = {name: task.dump_config() for name, task in sorted(leaves.items())}
    version = content_hash(
        {"lm_eval": lm_eval.__version__, "configs": configs, "args": sorted(config.lm_eval_args.items())}, 12
    )
    docs = {name: list(itertools.islice(task.eval_docs, config.limit)) for name, task in sorted(leaves.items())}
    return f"lm_eval-{lm_eval.__version__}-{version}", content_hash(docs), sum(map(len, docs.values()))


def hf_model(backend: ModelBackend, batch_size: int) -> Any:
    """lm-eval's HFLM over the model harness loaded (the same weights, tokenizer and device)."""
    from harness.models.hf.backend import HFBackend

    if not isinstance(backend, HFBackend) or backend.arch not in ("causal", "seq2seq"):
        raise BadInput(
            f"--model {backend.fingerprint.get('spec')}: lm-eval tasks run on local causal or seq2seq checkpoints "
            "(lm-eval's own API models are not wired in)"
        )
    from lm_eval.models.huggingface import HFLM

    return HFLM(pretrained=backend.model, tokenizer=backend.tokenizer, backend=backend.arch, batch_size=batch_size)


def lm_eval_cache(config: RunConfig, fingerprint: dict[str, Any]) -> str | None:
    """lm-eval's request cache for this model (lm-eval appends ``_rank0.db``), or None with ``--no-cache``.

    lm-eval keys each entry by the request (prompt and generation options), so one file per model
    fingerprint serves every task and run of that model, as harness's own response cache does.
    """
    from harness.models.cache import default_cache_dir

    if not config.cache:
        return None
    root = default_cache_dir(config.db) / "lm-eval"
    root.mkdir(parents=True, exist_ok=True)
    return str(root / content_hash(fingerprint))


class LmEvalSource(TaskSource):
    """``lm_eval:NAME``: a task, group or tag of lm-eval's registry, or YAML tasks in ``--task-dir``."""

    prefix: ClassVar[str] = "lm_eval"

    def plan(self, config: RunConfig) -> Evaluation:
        """Check the options, load lm-eval's task and harness's model, and wrap the model for lm-eval."""
        from harness.models.base import LoadOptions
        from harness.registry import resolve_model

        name = config.task[len(PREFIX) :]
        check_config(config)
        args = evaluator_args(config)
        manager, tasks, leaves = load_task(name, config.task_dir)
        version, dhash, n_docs = task_identity(leaves, config)
        backend = resolve_model(
            config.model,
            config.model_args,
            LoadOptions(batch_size=config.batch_size, seed=config.seed, threads=config.threads),
        )
        try:
            lm = hf_model(backend, config.batch_size)
        except BaseException:
            backend.close()
            raise
        return LmEvalEvaluation(config, name, (version, dhash, n_docs), backend, (manager, tasks, leaves, lm, args))


class LmEvalEvaluation(Evaluation):
    """One lm-eval run: lm-eval evaluates everything at once; harness stores its samples and metrics."""

    def __init__(
        self,
        config: RunConfig,
        name: str,
        identity: tuple[str, str, int],
        model: ModelBackend,
        loaded: tuple[Any, list[Any], dict[str, Any], Any, dict[str, Any]],
    ) -> None:
        self.config, self.name = config, name
        self.task, (self.task_version, self.data_hash, self.n_docs) = config.task, identity
        self.model = model
        self.manager, self.tasks, self.leaves, self.lm, self.args = loaded
        self.metrics: dict[str, MetricValue] = {}

    def evaluate(self, store: Store, run_id: str, progress: Progress) -> None:
        """Run lm-eval (its request cache resumes an interrupted run) and store its logged samples."""
        progress("start", SPLIT, self.n_docs)
        cache = lm_eval_cache(self.config, self.model.fingerprint)
        results = evaluate(self.config, self.manager, self.tasks, self.lm, self.args, cache)
        samples = sample_results(results, self.leaves)
        self.metrics = run_metrics(results, self.name, self.leaves)
        stored = store.done_ids(run_id)  # a run killed between these two writes keeps its samples
        store.write_samples(run_id, [r for r in samples if (SPLIT, r.example.id) not in stored])
        progress("advance", SPLIT, len(samples))
        progress("end", SPLIT, 0)

    def aggregate(self, store: Store, run_id: str) -> Aggregate:
        """lm-eval's reported metrics; the headline is the first of the task's metric_list, as lm-eval orders them."""
        if not self.metrics:
            return Aggregate({SPLIT: {}}, {})
        first = first_metric(self.leaves)
        primary = first if first in self.metrics else next(iter(self.metrics))
        return Aggregate({SPLIT: self.metrics}, {SPLIT: primary})


def evaluate(
    config: RunConfig, manager: Any, tasks: list[Any], lm: Any, args: dict[str, Any], cache: str | None
) -> dict[str, Any]:
    """lm-eval's ``simple_evaluate`` on the loaded tasks, every sample logged."""
    from lm_eval import simple_evaluate

    results = simple_evaluate(
        model=lm,
        tasks=tasks,
        task_manager=manager,
        num_fewshot=config.shots or None,
        batch_size=config.batch_size,
        use_cache=cache,
        limit=config.limit,
        log_samples=True,
        random_seed=config.seed,
        numpy_random_seed=config.seed,
        torch_random_seed=config.seed,
        fewshot_random_seed=config.seed,
        **args,
    )
    if results is None:
        raise BadInput(f"--task {config.task}: lm-eval returned no results")
    return dict(results)


def sample_results(results: dict[str, Any], leaves: dict[str, Any]) -> list[SampleResult]:
    """One SampleResult per logged lm-eval sample: numeric per-sample metrics as scores."""
    rows: list[SampleResult] = []
    several = len(leaves) > 1
    for task_name, logged in sorted(results.get("samples", {}).items()):
        for sample in logged:
            doc_id = str(sample["doc_id"])
            metric_names = list(sample.get("metrics", []))
            scores = {m: float(sample[m]) for m in metric_names if _numeric(sample.get(m))}
            details = {m: repr(sample[m])[:200] for m in metric_names if m in sample and m not in scores}
            prompt = sample["arguments"][0][0] if sample.get("arguments") else None
            example = Example(
                id=f"{task_name}/{doc_id}" if several else doc_id,
                split=SPLIT,
                inputs={"prompt": prompt, "doc": jsonable(sample.get("doc"))},
                target=jsonable(sample.get("target")),
                tags=(task_name,) if several else (),
            )
            output = sample.get("filtered_resps")
            text = output[0] if isinstance(output, list) and len(output) == 1 and isinstance(output[0], str) else None
            response = Response(text=text if text is not None else json_text(output))
            scored = Scored(scores=scores, parsed=jsonable(output), details={"filter": sample.get("filter"), **details})
            rows.append(SampleResult(example, str(sample.get("prompt_hash") or ""), response, scored))
    return rows


def run_metrics(results: dict[str, Any], name: str, leaves: dict[str, Any]) -> dict[str, MetricValue]:
    """lm-eval's reported metrics of ``name`` (or, for a group without an aggregate, of each subtask)."""
    reported = results.get("results", {})
    counts = results.get("n-samples", {})
    entries = {name: reported[name]} if name in reported else {t: reported[t] for t in leaves if t in reported}
    metrics: dict[str, MetricValue] = {}
    for task_name, values in entries.items():
        n = int(counts.get(task_name, {}).get("effective", 0)) or sum(
            int(counts.get(t, {}).get("effective", 0)) for t in leaves
        )
        prefix = "" if task_name == name else f"{task_name}/"
        for key, value in values.items():
            metric, _, filt = key.partition(",")
            if not filt or metric.endswith("_stderr") or not _numeric(value):
                continue
            stderr = values.get(f"{metric}_stderr,{filt}")
            half = Z95 * float(stderr) if is_number(stderr) else None
            label = f"{prefix}{metric}" if filt == "none" else f"{prefix}{metric}/{filt}"
            metrics[label] = MetricValue(
                value=float(value),
                ci_low=float(value) - half if half is not None else None,
                ci_high=float(value) + half if half is not None else None,
                n=n,
            )
    return metrics


def first_metric(leaves: dict[str, Any]) -> str | None:
    """The first metric of the (first) task's metric_list."""
    for task in leaves.values():
        listed = task.config.metric_list or []
        if listed and isinstance(listed[0], dict) and listed[0].get("metric"):
            return str(listed[0]["metric"])
    return None


def _numeric(value: Any) -> bool:
    """A number lm-eval logs: bools too (its per-sample ``acc`` is True/False)."""
    return isinstance(value, bool) or is_number(value)


def jsonable(value: Any) -> Any:
    """A JSON value for the store: tuples as lists, anything else exotic as its repr."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return repr(value)


def json_text(value: Any) -> str:
    """Compact JSON text of a response that is not one string (log-likelihoods, several generations)."""
    import json

    return json.dumps(jsonable(value), ensure_ascii=False, separators=(",", ":"))
