"""The names settings choose from, each table declared once (the code that acts on a name imports its table here)."""

DEVICES = ("auto", "cpu", "cuda")
PRECISIONS = ("no", "fp16", "bf16")
CACHE_MODES = ("auto", "off")
KEEP = ("best", "best-1se", "last")
WEIGHT_MAPS = ("order",)  # besides None: by name
POOLINGS = ("mean", "cls", "pooler")  # how a transformer encoder's outputs become one feature vector

# phase vocabulary
PARAM_FILTERS = ("all", "bias", "norm", "lora")
BN_POLICIES = ("auto", "frozen", "train", "adapt")
OPTIMIZERS = ("adamw", "sgd")
AUGMENTATIONS = ("none", "light", "standard")
CLASS_WEIGHTS = ("none", "balanced")  # balanced: each class's loss weighted by n / (classes x its count)
SAMPLERS = ("shuffle", "balanced")  # balanced: images drawn with replacement, each class equally likely
INITS = ("pretrained", "random")

# transferability scores `rank` computes (select/ranking.py), higher is better for each
RANK_SCORES = ("logme", "leep", "nce", "h-score", "knn", "linear-probe")

# comparison vocabulary
SEARCHES = ("exhaustive", "halving")
LR_SEARCHES = ("grid", "range")
KEEP_WEIGHTS = ("all", "winner", "none")
# which plan wins (select/rule.py): the highest mean, or a cheaper plan shown non-inferior to it within the margin
PREFER = ("cheapest-equivalent", "best")
# where a comparison's runs execute (select/executors/), and the experiment trackers it may log to (runs/tracking/)
EXECUTORS = ("local", "ray")
TRACKERS = ("mlflow", "tensorboard")
# what selection reads -> the key every run records
METRIC_KEYS = {"accuracy": "accuracy", "balanced-accuracy": "balanced_accuracy", "macro-f1": "macro_f1",
               "top5": "top5_accuracy"}
