"""The ``elegans-keras`` command.

Example:
    $ elegans-keras info celegans_herm
    $ elegans-keras analyze --null rewire --p 0.2 --seeds 3
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from elegans_keras.errors import ElegansKerasError  # noqa: E402


def cmd_info(args: argparse.Namespace) -> str:
    """Print a connectome's summary: neurons by role, edges by type, fingerprint."""
    from elegans_keras.connectome import resolve_connectome

    connectome = resolve_connectome(args.connectome)
    summary = connectome.summary()
    print(f"connectome     {summary['name']}")
    print(f"neurons        {summary['neurons']} (sensory {summary['sensory']}, "
          f"inter {summary['inter']}, motor {summary['motor']})")
    print(f"chemical       {summary['chemical_pairs']} directed pairs, "
          f"{summary['chemical_synapses']:g} synapses")
    print(f"electrical     {summary['electrical_pairs']} pairs, "
          f"{summary['electrical_synapses']:g} junctions")
    print(f"directed pairs {summary['directed_pairs']} (chemical + electrical both ways)")
    print(f"fingerprint    {summary['fingerprint']}")
    print(f"citation       {summary['citation'] or '-'}")
    return f"described {summary['name']}"


def cmd_analyze(args: argparse.Namespace) -> str:
    """Print graph metrics of a connectome and, optionally, of its null models."""
    import pandas as pd

    from elegans_keras.connectome import resolve_connectome
    from elegans_keras.connectome.metrics import compare
    from elegans_keras.connectome.nullmodels import make_null_model
    from elegans_keras.progress import progress

    connectome = resolve_connectome(args.connectome)
    graphs = {connectome.name: connectome}
    for seed in progress(range(args.seeds if args.null else 0), desc=f"{args.null} graphs",
                         quiet=args.quiet):
        params = {} if args.p is None else {"p": args.p}
        graphs[f"{args.null}/seed={seed}"] = make_null_model(connectome, args.null, seed=seed,
                                                             **params)
    table = compare(graphs, seed=args.seed)
    with pd.option_context("display.max_columns", None, "display.width", 200):
        print(table.T.to_string())
    if args.csv:
        from elegans_keras.atomic import atomic_path

        with atomic_path(args.csv) as temporary:
            table.to_csv(temporary)
    where = f", wrote {args.csv}" if args.csv else ""
    return f"analysed {len(graphs)} graph(s){where}"


def evaluate_published(name: str, weights_dir: str | None = None,
                       quiet: bool = False) -> dict[str, tuple[float, float]]:
    """Recompute a published model's test metrics: {metric: (now, manifest)}."""
    import argparse as _argparse

    from elegans_keras.experiments import image_task
    from elegans_keras.pretrained import load_pretrained, read_manifest

    model = load_pretrained(name, weights_dir)
    entry = read_manifest(weights_dir)[name]
    task = image_task(entry["experiment"], entry["dataset"])
    x_test, y_test = task.load("test", _argparse.Namespace(data_dir=None))
    scores = model.evaluate(x_test, y_test, batch_size=256, verbose=0 if quiet else 1,
                            return_dict=True)
    return {k: (float(v), entry["test_metrics"].get(k, float("nan"))) for k, v in scores.items()}


def cmd_evaluate(args: argparse.Namespace) -> str:
    """Recompute a published model's test metrics and print them beside the manifest's."""
    results = evaluate_published(args.name, args.weights_dir, args.quiet)
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
    import argparse as _argparse

    from elegans_keras.connectome import load_connectome
    from elegans_keras.experiments.mnist_classify import TASK
    from elegans_keras.experiments.runner import run_image_task
    from elegans_keras.pretrained import read_manifest

    worm = load_connectome()
    print(f"[1/3] connectome: {worm!r}")
    published = sorted(read_manifest())
    choice = next((n for n in published if "classifier" in n), None)
    if choice:
        results = evaluate_published(choice, quiet=args.quiet)
        summary = ", ".join(f"{k} {now:.4f} (manifest {old:.4f})"
                            for k, (now, old) in results.items())
        print(f"[2/3] published model {choice!r} on the MNIST test set: {summary}")
    else:
        print("[2/3] no published classifier in the weights manifest; skipping")
    print(f"[3/3] training a reservoir-mode classifier for 1 epoch on {args.limit} MNIST images")
    options = _argparse.Namespace(
        epochs=1, batch_size=64, seed=0, connectome=None, mode="reservoir",
        learning_rate=2e-3, validation_fraction=0.1, limit=args.limit, out=args.out,
        run_id=None, publish=None, weights_dir=None, data_dir=None, quiet=args.quiet,
        strategy="default", precision="float32",
    )
    report = run_image_task(TASK, options)
    accuracy = report["test_metrics"]["accuracy"]
    print(f"demo model: test accuracy {accuracy:.4f} after 1 epoch on {args.limit} images, "
          f"{report['wall_time_s']} s of training; "
          f"TensorBoard: tensorboard --logdir {report['run_dir']}")
    return f"demo finished; logs in {report['run_dir']}"


def cmd_plot(args: argparse.Namespace) -> str:
    """Draw one of the figures (connectome, adjacency, curves, reconstructions, topology)."""
    from elegans_keras.plots import PLOTS

    path = PLOTS[args.figure](args.source, args.out)
    return f"wrote {path}"


def cmd_compare(args: argparse.Namespace) -> str:
    """Run (or resume) the topology study of one task and mode; print the tests."""
    import pandas as pd

    from elegans_keras.study import TASKS, run_study, versus_connectome
    from elegans_keras.study.plan import ABLATION, RANDOM_REMOVAL

    table = run_study(args.task, args.mode, families=args.families, seeds=args.seeds,
                      p_values=args.p, ablations=args.ablations, quick=args.quick, out=args.out,
                      connectome=args.connectome, workers=args.workers, strategy=args.strategy,
                      quiet=args.quiet)
    columns = ["spectral_radius", "family", "p", "ablation", "n", "mean", "connectome_mean",
               "hedges_g", "permutation_p", "q_value"]
    nulls = table[~table["family"].isin((ABLATION, RANDOM_REMOVAL))]
    for metric, direction in TASKS[args.task].metrics.items():
        tests = versus_connectome(nulls, metric, higher_is_better=direction == "higher")
        if not tests.empty and not args.quiet:
            print(f"\n{metric} ({direction} is better) against the connectome:")
            with pd.option_context("display.width", 200, "display.max_rows", None):
                print(tests[columns].to_string(index=False, float_format="{:.4g}".format))
    return f"{len(table)} rows of {args.task}/{args.mode} in {args.out}"


def cmd_report(args: argparse.Namespace) -> str:
    """Write topology.md, its figures and the tests CSV from a study table."""
    from elegans_keras.study.report import write_report

    path = write_report(args.csv, args.out, args.discussion)
    return f"wrote {path}"


def import_backend_quietly() -> None:
    """Import Keras and its backend with native stderr muted (TensorFlow's start-up log)."""
    import importlib

    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            keras = importlib.import_module("keras")
            importlib.import_module(keras.backend.backend())
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one sub-command per job."""
    parser = argparse.ArgumentParser(
        prog="elegans-keras",
        description="Keras models on the C. elegans connectome (Elegans-AI, done right).",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print less")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also show TensorFlow's start-up log")
    commands = parser.add_subparsers(dest="command", required=True)

    info = commands.add_parser("info", help="summarise a connectome")
    info.add_argument("connectome", nargs="?", default=None,
                      help="bundled name or .graphml/.csv path (default: celegans_herm)")
    info.set_defaults(handler=cmd_info)

    analyze = commands.add_parser("analyze", help="graph metrics, optionally vs null models")
    analyze.add_argument("connectome", nargs="?", default=None)
    analyze.add_argument("--null", default=None, help="null model family, e.g. rewire")
    analyze.add_argument("--p", type=float, default=None,
                         help="rewiring probability (rewire: required; watts_strogatz)")
    analyze.add_argument("--seeds", type=int, default=3, help="null-model graphs to draw")
    analyze.add_argument("--seed", type=int, default=0, help="seed of the metric references")
    analyze.add_argument("--csv", default=None, help="also write the table to this CSV file")
    analyze.set_defaults(handler=cmd_analyze)

    demo = commands.add_parser("demo", help="the main job on the bundled connectome and MNIST")
    demo.add_argument("--limit", type=int, default=6000, help="training images for the epoch")
    demo.add_argument("--out", default="logs", help="root folder of run directories")
    demo.set_defaults(handler=cmd_demo)

    train = commands.add_parser("train", help="run an experiment (see experiments/)")
    train.add_argument("experiment", choices=("mnist_unsup", "mnist_classify", "cifar", "memory",
                                              "topology"))
    train.add_argument("options", nargs=argparse.REMAINDER, help="the experiment's options")
    train.set_defaults(handler=cmd_train)

    evaluate = commands.add_parser("evaluate", help="recompute a published model's test metrics")
    evaluate.add_argument("name", help="a name from weights/manifest.json")
    evaluate.add_argument("--weights-dir", default=None)
    evaluate.set_defaults(handler=cmd_evaluate)

    from elegans_keras.study.plan import (
        FAMILIES,
        NULL_FAMILIES,
        P_VALUES,
        STUDY_ABLATIONS,
    )
    from elegans_keras.study.tasks import TASKS

    compare = commands.add_parser(
        "compare", help="topology study: the same model on the connectome and on other graphs")
    compare.add_argument("--task", required=True, choices=tuple(TASKS))
    compare.add_argument("--mode", default="reservoir", choices=("reservoir", "deep"))
    compare.add_argument("--families", nargs="+", default=list(NULL_FAMILIES), choices=FAMILIES,
                         metavar="FAMILY", help=f"some of {', '.join(FAMILIES)}")
    compare.add_argument("--seeds", type=int, default=5, help="seeds per family and variant")
    compare.add_argument("--p", type=float, nargs="+", default=list(P_VALUES),
                         help="rewiring probabilities of the rewire family")
    compare.add_argument("--ablations", nargs="+", default=list(STUDY_ABLATIONS),
                         help="synapse classes of the ablation families (S->I, chemical...)")
    compare.add_argument("--quick", action="store_true", help="the small smoke-test budget")
    compare.add_argument("--workers", type=int, default=None,
                         help="worker processes (default: one per two CPU cores)")
    compare.add_argument("--connectome", default=None, help="bundled name or file (default: "
                         "celegans_herm)")
    compare.add_argument("--out", default="results/topology.csv", help="the study CSV (resumed)")
    compare.add_argument("--strategy", default="default",
                         help="distribution strategy of the MNIST task (see train)")
    compare.set_defaults(handler=cmd_compare)

    report = commands.add_parser("report", help="write topology.md and figures from a study CSV")
    report.add_argument("csv", nargs="?", default="results/topology.csv")
    report.add_argument("--out", default="results", help="folder of topology.md and figures/")
    report.add_argument("--discussion", default=None,
                        help="Markdown file with the plain-words discussion to include")
    report.set_defaults(handler=cmd_report)

    plot = commands.add_parser("plot", help="draw a figure to a PNG/PDF/SVG file")
    plot.add_argument("figure", choices=("connectome", "adjacency", "curves", "reconstructions",
                                         "topology"))
    plot.add_argument("source", nargs="?", default=None,
                      help="connectome (name/path), run directory, published model or CSV")
    plot.add_argument("--out", required=True, help="output file (.png, .pdf or .svg)")
    plot.set_defaults(handler=cmd_plot)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``elegans-keras`` console script."""
    args = build_parser().parse_args(argv)
    if args.verbose:
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "0"
    elif args.command not in ("info",):
        import_backend_quietly()
    try:
        summary = args.handler(args)
    except ElegansKerasError as err:
        print(f"elegans-keras: error: {err}", file=sys.stderr)
        return 2
    if summary:
        print(f"elegans-keras {args.command}: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
