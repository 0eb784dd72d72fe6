"""The ``elegans-keras`` command.

Example:
    $ elegans-keras info celegans_herm
    $ elegans-keras analyze --null rewire --p 0.2 --seeds 3
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from typing import Literal, TextIO

from elegans_keras.errors import ElegansKerasError  # noqa: E402
from elegans_keras.options import (
    StudyOptions,
    TrainingOptions,
    add_arguments,
    from_arguments,
    home,
)

FIGURES_NEEDING_SOURCE = {
    "curves": "a run directory",
    "reconstructions": "a published model name or run directory",
    "topology": "a study CSV",
}


def cmd_info(args: argparse.Namespace) -> str:
    """Print a connectome's summary: neurons by role, edges by type, fingerprint."""
    from elegans_keras.connectome import resolve_connectome

    connectome = resolve_connectome(args.connectome)
    summary = connectome.summary()
    print(f"connectome     {summary['name']}")
    print(
        f"neurons        {summary['neurons']} (sensory {summary['sensory']}, "
        f"inter {summary['inter']}, motor {summary['motor']})"
    )
    print(
        f"chemical       {summary['chemical_pairs']} directed pairs, "
        f"{summary['chemical_synapses']:g} synapses"
    )
    print(
        f"electrical     {summary['electrical_pairs']} pairs, "
        f"{summary['electrical_synapses']:g} junctions"
    )
    print(f"directed pairs {summary['directed_pairs']} (chemical + electrical both ways)")
    print(f"fingerprint    {summary['fingerprint']}")
    print(f"citation       {summary['citation'] or '-'}")
    return f"described {summary['name']}"


def cmd_analyze(args: argparse.Namespace) -> str:
    """Print graph metrics of a connectome and, optionally, of its null models."""
    import pandas as pd

    from elegans_keras.checks import check_int, check_seed
    from elegans_keras.connectome import resolve_connectome
    from elegans_keras.connectome.metrics import graph_metrics
    from elegans_keras.connectome.nullmodels import make_null_model
    from elegans_keras.progress import progress

    check_int(args.seeds, "--seeds", "analyze")
    check_seed(args.seed, "analyze", "--seed")
    if args.csv:  # before the metrics, not after them
        from elegans_keras.atomic import check_writable

        check_writable(args.csv)
    connectome = resolve_connectome(args.connectome)
    graphs = {connectome.name: connectome}
    params = {} if args.p is None else {"p": args.p}
    for seed in range(args.seeds if args.null else 0):
        graphs[f"{args.null}/seed={seed}"] = make_null_model(
            connectome, args.null, seed=seed, **params
        )
    rows = {
        name: graph_metrics(graph, seed=args.seed)
        for name, graph in progress(list(graphs.items()), desc="graph metrics", quiet=args.quiet)
    }
    table = pd.DataFrame.from_dict(rows, orient="index").rename_axis("connectome")
    if args.csv:
        from elegans_keras.atomic import atomic_path

        with atomic_path(args.csv) as temporary:
            table.to_csv(temporary)
    shown = table.T.astype(object).map(lambda v: f"{v:.6g}" if isinstance(v, float) else v)
    with pd.option_context("display.max_columns", None, "display.width", 200):
        print(shown.to_string())
    where = f", wrote {args.csv}" if args.csv else ""
    return f"analysed {len(graphs)} graph(s){where}"


def cmd_evaluate(args: argparse.Namespace) -> str:
    """Recompute a published model's test metrics and print them beside the manifest's."""
    from elegans_keras.pretrained import evaluate_published

    results = evaluate_published(args.name, args.weights_dir, args.data_dir, args.quiet)
    print(f"{'metric':24s} {'now':>10s} {'manifest':>10s}")
    for metric, (now, published) in results.items():
        print(f"{metric:24s} {now:10.4f} {published:10.4f}")
    return f"evaluated {args.name} on its test split"


def cmd_train(args: argparse.Namespace) -> str:
    """Run one of the experiments with the remaining options."""
    from elegans_keras.experiments import EXPERIMENTS

    EXPERIMENTS[args.experiment](args.options)
    return f"ran experiment {args.experiment}"


def cmd_demo(args: argparse.Namespace) -> str:
    """The main job: connectome, a published model on MNIST test, one short training epoch."""
    from elegans_keras.checks import check_int
    from elegans_keras.connectome import load_connectome
    from elegans_keras.experiments.mnist_classify import TASK
    from elegans_keras.experiments.runner import run_image_task
    from elegans_keras.pretrained import evaluate_published, read_manifest

    limit = check_int(args.limit, "--limit", "demo", low=100)
    options = TrainingOptions(
        epochs=1,
        batch_size=64,
        mode="deep",
        learning_rate=2e-3,
        limit=limit,
        out=args.out,
        quiet=args.quiet,
    )
    worm = load_connectome()
    print(f"[1/3] connectome: {worm!r}")
    choice = next((n for n in sorted(read_manifest()) if "classifier" in n), None)
    if choice:
        results = evaluate_published(choice, quiet=True)
        summary = ", ".join(
            f"{k} {now:.4f} (manifest {old:.4f})" for k, (now, old) in results.items()
        )
        print(f"[2/3] published model {choice!r} on the MNIST test set: {summary}")
    else:
        print("[2/3] no published classifier in the weights manifest; skipping")
    print(
        f"[3/3] training a deep-mode classifier for 1 epoch on {limit} MNIST images "
        f"(logs under {options.root})"
    )
    report = run_image_task(TASK, options)
    accuracy = report["test_metrics"]["accuracy"]
    print(
        f"demo model: test accuracy {accuracy:.4f} after 1 epoch on {limit} images "
        f"({limit - round(limit * options.validation_fraction)} for training), "
        f"{report['wall_time_s']} s of training; TensorBoard: tensorboard --logdir "
        f"{report['run_dir']}; scalars: elegans-keras logs {report['run_dir']}"
    )
    return f"demo finished; logs in {report['run_dir']}"


def cmd_plot(args: argparse.Namespace) -> str:
    """Draw one of the figures (connectome, adjacency, curves, reconstructions, topology)."""
    from elegans_keras.errors import ConfigurationError

    if args.source is None and args.figure in FIGURES_NEEDING_SOURCE:
        raise ConfigurationError(
            f"plot {args.figure} needs SOURCE: {FIGURES_NEEDING_SOURCE[args.figure]}"
        )
    if args.metric is not None and args.figure != "topology":
        raise ConfigurationError(f"plot {args.figure}: --metric applies to plot topology only")
    if args.figure == "topology":
        from elegans_keras.study.figures import plot_topology

        return f"wrote {plot_topology(args.source, args.out, metric=args.metric)}"
    from elegans_keras.plots import PLOTS

    return f"wrote {PLOTS[args.figure](args.source, args.out)}"


def cmd_logs(args: argparse.Namespace) -> str:
    """Print a run's logged scalars (from its TensorBoard event files)."""
    import pandas as pd

    from elegans_keras.runlogs import read_scalars, wide_table

    table = read_scalars(args.run)
    per: Literal["epoch", "iteration"] = "iteration" if args.iterations else "epoch"
    wide = wide_table(table, per)
    with pd.option_context("display.max_columns", None, "display.width", 200):
        if wide.empty:
            print(f"no per-{per} scalars in {args.run}")
        else:
            print(wide.to_string(float_format="{:.4f}".format))
    if args.csv:
        from elegans_keras.atomic import atomic_path

        with atomic_path(args.csv) as temporary:
            table.to_csv(temporary, index=False)
    return f"{len(table)} scalars of {len(set(table['tag']))} tags in {args.run}"


def cmd_compare(args: argparse.Namespace) -> str:
    """Run (or resume) the topology study of one task and mode; print the tests."""
    import pandas as pd

    from elegans_keras.study import TASKS, run_study, versus_connectome
    from elegans_keras.study.cluster import study_executor
    from elegans_keras.study.vocabulary import ABLATION_FAMILIES

    options = from_arguments(args, StudyOptions)
    with study_executor(options.workers, options.scheduler) as executor:
        table = run_study(
            options.task,
            options.mode,
            families=options.families,
            seeds=options.seeds,
            p_values=options.p,
            ablations=options.ablations,
            weights=options.weights,
            quick=options.quick,
            out=options.csv,
            connectome=options.connectome,
            executor=executor,
            threads=1 if options.workers else None,
            strategy=options.strategy,
            quiet=options.quiet,
            dataset=args.dataset,
            train_size=args.train_size,
            epochs=args.epochs,
            data_dir=args.data_dir,
        )
    columns = [
        "spectral_radius",
        "family",
        "p",
        "ablation",
        "weights",
        "n",
        "mean",
        "connectome_mean",
        "hedges_g",
        "permutation_p",
        "q_value",
        "detectable",
    ]
    nulls = table[~table["family"].isin(ABLATION_FAMILIES)]
    for metric, direction in TASKS[options.task].metrics.items():
        tests = versus_connectome(nulls, metric, higher_is_better=direction == "higher")
        if not tests.empty and not options.quiet:
            print(f"\n{metric} ({direction} is better) against the connectome:")
            with pd.option_context("display.width", 200, "display.max_rows", None):
                print(tests[columns].to_string(index=False, float_format="{:.4g}".format))
    return f"{len(table)} rows of {options.task}/{options.mode} in {options.csv}"


def cmd_report(args: argparse.Namespace) -> str:
    """Write topology.md, its figures and the tests CSV from a study table."""
    from elegans_keras.study.report import write_report

    return f"wrote {write_report(args.csv, args.out, args.discussion)}"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one sub-command per job."""
    parser = argparse.ArgumentParser(
        prog="elegans-keras",
        description="Keras models on the C. elegans connectome (Elegans-AI, done right).",
        epilog="Set ELEGANS_KERAS_VERBOSE=1 to see TensorFlow's native log.",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print less")
    commands = parser.add_subparsers(dest="command", required=True)

    info = commands.add_parser("info", help="summarise a connectome")
    info.add_argument(
        "connectome",
        nargs="?",
        default=None,
        help="bundled name or .graphml/.csv path (default: celegans_herm)",
    )
    info.set_defaults(handler=cmd_info)

    analyze = commands.add_parser("analyze", help="graph metrics, optionally vs null models")
    analyze.add_argument("connectome", nargs="?", default=None)
    analyze.add_argument("--null", default=None, help="null model family, e.g. rewire")
    analyze.add_argument(
        "--p",
        type=float,
        default=None,
        help="rewiring probability (rewire: required; watts_strogatz)",
    )
    analyze.add_argument("--seeds", type=int, default=3, help="null-model graphs to draw")
    analyze.add_argument("--seed", type=int, default=0, help="seed of the metric references")
    analyze.add_argument("--csv", default=None, help="also write the table to this CSV file")
    analyze.set_defaults(handler=cmd_analyze)

    demo = commands.add_parser("demo", help="the main job on the bundled connectome and MNIST")
    demo.add_argument(
        "--limit",
        type=int,
        default=6000,
        help="MNIST training images for the epoch (default: 6000)",
    )
    demo.add_argument(
        "--out", default=None, help=f"root folder of run directories (default: {home() / 'logs'})"
    )
    demo.set_defaults(handler=cmd_demo)

    train = commands.add_parser(
        "train",
        help="run an experiment (see experiments/; 'train EXPERIMENT --help' lists its options)",
    )
    train.add_argument(
        "experiment", choices=("mnist_unsup", "mnist_classify", "cifar", "memory", "topology")
    )
    train.add_argument("options", nargs=argparse.REMAINDER, help="the experiment's options")
    train.set_defaults(handler=cmd_train)

    evaluate = commands.add_parser("evaluate", help="recompute a published model's test metrics")
    evaluate.add_argument("name", help="a name from weights/manifest.json")
    evaluate.add_argument("--weights-dir", default=None)
    evaluate.add_argument("--data-dir", default=None, help="folder with the dataset files")
    evaluate.set_defaults(handler=cmd_evaluate)

    compare = commands.add_parser(
        "compare", help="topology study: the same model on the connectome and on other graphs"
    )
    add_arguments(compare, StudyOptions)
    compare.add_argument(
        "--dataset",
        default=None,
        choices=("mnist", "fashion_mnist"),
        help="image data set of the mnist task (default: mnist)",
    )
    compare.add_argument(
        "--train-size",
        type=int,
        default=None,
        help="mnist task: train on this many training images, a stratified subset drawn with "
        "each run's seed (the same for every family at a seed; default: the whole split)",
    )
    compare.add_argument(
        "--epochs", type=int, default=None, help="mnist task: epochs (default: the budget's)"
    )
    compare.add_argument(
        "--data-dir", default=None, help="folder holding mnist/ or fashion_mnist/ (IDX files)"
    )
    compare.set_defaults(handler=cmd_compare)

    report = commands.add_parser("report", help="write topology.md and figures from a study CSV")
    report.add_argument("csv", help="the study CSV")
    report.add_argument("--out", required=True, help="folder of topology.md and figures/")
    report.add_argument(
        "--discussion",
        default=None,
        help="Markdown file with the plain-words discussion to include",
    )
    report.set_defaults(handler=cmd_report)

    plot = commands.add_parser("plot", help="draw a figure to a PNG/PDF/SVG file")
    plot.add_argument(
        "figure", choices=("connectome", "adjacency", "curves", "reconstructions", "topology")
    )
    plot.add_argument(
        "source",
        nargs="?",
        default=None,
        help="connectome (name/path; default celegans_herm), run directory "
        "(curves), published model (reconstructions) or study CSV (topology)",
    )
    plot.add_argument("--out", required=True, help="output file (.png, .pdf or .svg)")
    plot.add_argument(
        "--metric",
        default=None,
        help="topology: the study CSV's column to chart (default: the first of "
        "test_accuracy, accuracy, ... that it has)",
    )
    plot.set_defaults(handler=cmd_plot)

    logs = commands.add_parser("logs", help="print a run's logged scalars (TensorBoard events)")
    logs.add_argument("run", help="a run directory")
    logs.add_argument(
        "--iterations",
        action="store_true",
        help="show the scalars logged per training iteration instead of per epoch",
    )
    logs.add_argument(
        "--csv",
        default=None,
        help="also write every scalar (epochs and iterations) to this CSV file",
    )
    logs.set_defaults(handler=cmd_logs)
    return parser


def show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    """Print a warning as one line, ``elegans-keras: Category: message`` (no source line).

    Example:
        >>> show_warning(UserWarning("old data"), UserWarning, "x.py", 3, file=sys.stdout)
        elegans-keras: UserWarning: old data
    """
    stream = sys.stderr if file is None else file
    print(f"elegans-keras: {category.__name__}: {message}", file=stream)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``elegans-keras`` console script."""
    args = build_parser().parse_args(argv)
    with warnings.catch_warnings():
        warnings.showwarning = show_warning
        try:
            summary = args.handler(args)
        except (ElegansKerasError, OSError) as err:
            print(f"elegans-keras: error: {err}", file=sys.stderr)
            return 2
    if summary:
        print(f"elegans-keras {args.command}: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
