"""CompareSettings: how a comparison searches (seeds, search method, learning-rate grid, budget, what it shows)."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ModelError, PlanError, RunError
from .choices import EXECUTORS, KEEP_WEIGHTS, LR_SEARCHES, METRIC_KEYS, PREFER, SEARCHES, TRACKERS
from .constraints import Either, Flag, Invalid, Names, Number, Numbers, OneOf, Pattern, Text, Whole, Wholes
from .fields import Record, setting

DEFAULT_EPOCHS = 10
DEFAULT_ETA = 3
DEFAULT_LR_FACTORS = (1 / 3, 1.0, 3.0)
DEFAULT_HOLDOUT = 0.5
DEFAULT_MARGIN = 1.0  # points of the metric


def _tracking(text: str) -> str:
    """'mlflow', 'mlflow:URI' or 'tensorboard'."""
    name = text.split(":", 1)[0]
    if name not in TRACKERS or (name != "mlflow" and ":" in text):
        raise Invalid(text)
    return text


class Seeds(Either):
    """How many seeds (1: seed 0; 3: seeds 0, 1, 2), or which: a list, on the command line comma-separated (0,2,5)."""

    def __init__(self):
        super().__init__(Whole(min=1), Wholes(min=0), what="a whole number of at least 1 (how many) or distinct seeds "
                                                          "such as 0,1,2", example=3, metavar="N")

    def parse(self, text: str) -> int | tuple[int, ...]:
        return self.options[1].parse(text) if "," in text else self.options[0].parse(text)


SEEDS = Seeds()


class NetworkList(Names):
    """Model specs, on the command line comma-separated; a comma inside a spec's ?key=value options (timm:NAME?
    channels=16,32) continues that spec."""

    def __init__(self):
        super().__init__(1, ("timm:tf_efficientnet_lite0", "torchvision:mobilenet_v2"))
        self.what = "a list of distinct model specs, such as timm:tf_efficientnet_lite0,torchvision:mobilenet_v2"

    def parse(self, text: str) -> tuple[str, ...]:
        items: list[str] = []
        for part in (p.strip() for p in text.split(",")):
            if items and "?" in items[-1] and part and ":" not in part and "/" not in part:
                items[-1] += "," + part
            else:
                items.append(part)
        return self.check(items)


TOP_NETWORKS_HELP = ("With --models: rank the networks first (as 'transferkit rank' does, by its default score, on the "
                     "first seed's training split) and train only the best N; the leaderboard records the others "
                     "and their scores. N at least the number of networks keeps them all.")

MODELS_HELP = ("Several networks to compare (instead of --model), comma-separated: every plan runs on each with the "
               "same seeds and splits, and the leaderboard ranks (network, plan) pairs with each network's inference "
               "cost.")


@dataclass(frozen=True)
class CompareSettings(Record):
    """How a comparison searches; see each setting's help."""

    error = RunError
    kind = "comparison"
    panel = "Comparison"

    models: tuple[str, ...] | None = setting(None, NetworkList(), MODELS_HELP, error=ModelError)
    top_networks: int | None = setting(None, Whole(min=1, example=2), TOP_NETWORKS_HELP, error=ModelError)
    seeds: int | tuple[int, ...] = setting(3, SEEDS, "Seeds per plan (or the seeds, comma-separated); seed k also draws "
                                                     "split k, the same for every plan.")
    search: str = setting("exhaustive", OneOf(SEARCHES), "exhaustive (every plan, learning rate and seed) or halving "
                                                         "(successive halving over plans x learning rates).")
    eta: int = setting(DEFAULT_ETA, Whole(min=2), "Successive halving: each rung keeps the best 1/eta and trains them "
                                                  "eta times longer.")
    lr_factors: tuple[float, ...] = setting(DEFAULT_LR_FACTORS, Numbers(Number(above=0), (0.5, 1.0, 2.0)),
                                            "Learning-rate grid: every phase's learning rate (the plan's, or --lr) "
                                            "times each factor; chosen on validation.", error=PlanError)
    time_budget: float | None = setting(None, Number(above=0, example=600),
                                        "Seconds for the whole comparison, turned into one epoch budget for every plan "
                                        "(instead of --epochs).")
    show_test: bool = setting(False, Flag(), "Show test accuracy for every plan, labelled as not used for selection "
                                             "(default: the winner's only).")
    keep_weights: str = setting("winner", OneOf(KEEP_WEIGHTS),
                                "Which runs keep their trained weights (model.safetensors): all, winner (the chosen "
                                "plan's runs) or none; run.json and the report stay for every run.")
    metric: str = setting("accuracy", OneOf(tuple(METRIC_KEYS)),
                          "What selection and the leaderboard use: accuracy, balanced-accuracy, macro-f1 or top5 (more "
                          "than 5 classes); every run records all of them.")
    prefer: str = setting("cheapest-equivalent", OneOf(PREFER),
                          "Which plan wins: best (the highest mean validation score) or cheapest-equivalent (the "
                          "highest mean, unless cheaper plans are shown non-inferior to it within --margin: then the "
                          "cheapest of them). Controls (scratch, linear-probe:init=random) never win.")
    margin: float = setting(DEFAULT_MARGIN, Number(min=0, below=100, example=1),
                            "Non-inferiority margin in points of --metric (1: one percentage point): a cheaper plan is "
                            "shown equivalent when the upper 95% confidence bound of its mean per-seed deficit to the "
                            "best plan is below it (Holm-corrected over the cheaper plans).")
    holdout: float = setting(DEFAULT_HOLDOUT, Number(min=0, below=1, example=0.5),
                             "Fraction of each class's validation images held out from every choice and evaluated after "
                             "each run: the winner's honest estimate (0: none).")
    lr_search: str = setting("grid", OneOf(LR_SEARCHES),
                             "grid (the --lr-factors, chosen on validation) or range (one factor per plan from a "
                             "learning-rate range test on training images: steepest descent of the loss).")
    jobs: int = setting(1, Whole(min=1, example=2),
                        "Runs trained at once, each in its own worker process with its share of the CPU threads: small "
                        "networks on a CPU with several cores finish sooner.")
    soup: bool = setting(False, Flag(), "Also average the weights of each seed's finished runs into a greedy soup "
                                        "(Wortsman et al.: best-validated first, each run added when validation does "
                                        "not drop), scored on validation, holdout and test as its own leaderboard row, "
                                        "never chosen; needs --out, and keeps its ingredients' weights.")
    executor: str = setting("local", OneOf(EXECUTORS),
                            "Where the runs execute: local (this machine: one at a time, or --jobs worker processes) "
                            "or ray (each run a Ray task on a cluster; needs the optional extra ray).")
    ray_address: str | None = setting(None, Text(example="10.0.0.1:6379", metavar="ADDRESS"),
                                      "With --executor ray: the address of a running Ray cluster (ray start --head); "
                                      "default: start a local one for this comparison and stop it afterwards.")
    cpus_per_run: float = setting(1, Number(above=0, example=4),
                                  "With --executor ray: CPU cores reserved for each run (its torch threads).")
    gpus_per_run: float | None = setting(None, Number(min=0, example=1),
                                         "With --executor ray: GPUs reserved for each run (default: 1 when the "
                                         "cluster has GPUs, else 0).")
    track: str | None = setting(None, Pattern(_tracking, "mlflow, mlflow:URI or tensorboard", "mlflow",
                                              metavar="TRACKER"),
                                "Also log every run to an experiment tracker: mlflow (a SQLite store mlflow.db in --out), "
                                "mlflow:URI (a tracking server or store) or tensorboard (event files under "
                                "--out/tensorboard); run.json stays the record.")

    def check(self) -> None:
        if self.top_networks is not None and len(self.models or ()) < 2:
            raise ModelError("--top-networks keeps the best of the networks that --models lists; list at least two "
                             "networks with --models (A,B,...), or drop --top-networks.")
        if len(set(self.lr_factors)) != len(self.lr_factors):
            raise PlanError(f"Learning-rate factors must be distinct; got {list(self.lr_factors)}.")
        if self.executor != "ray" and (self.ray_address is not None or self.gpus_per_run is not None):
            raise RunError("--ray-address and --gpus-per-run go with --executor ray; add --executor ray.")
        if self.executor == "ray" and self.jobs != 1:
            raise RunError("--jobs is for --executor local; with --executor ray, --cpus-per-run and --gpus-per-run "
                           "decide how many runs train at once.")

    @property
    def seed_list(self) -> list[int]:
        return list(range(self.seeds)) if isinstance(self.seeds, int) else list(self.seeds)

    def to_dict(self) -> dict:
        return {**super().to_dict(), "seeds": self.seed_list}

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(cls.settings())
