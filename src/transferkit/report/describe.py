"""Plain descriptions someone could reproduce a run or a plan from: the description paragraph of a run (from its
run.json content) and of a plan before it runs. The terms they use are derived beside the plans (plans/terms.py)."""

from __future__ import annotations

from ..plans import Plan
from ..plans.augment_text import augmentation_text, loss_text
from ..plans.outline import plan_outline
from ..plans.terms import join_names, phase_term, plan_term


def _fmt_lr(lr: float | None) -> str:
    return "-" if lr is None else f"{lr:.3g}"


def describe_phases(phases: list[dict], stage_names: list[str]) -> list[str]:
    """One sentence per phase from run.json's plan.phases entries."""
    sentences = []
    for i, p in enumerate(phases, 1):
        stages = p["stages"]
        trained = [s for s in stage_names if stages[s]["trainable"]]
        frozen = [s for s in stage_names if not stages[s]["trainable"]]
        lrs = {s: stages[s]["lr"] for s in trained}
        distinct = sorted({round(v, 12) for v in lrs.values()})
        if len(distinct) == 1:
            lr_text = f"learning rate {_fmt_lr(distinct[0])}"
        else:
            lr_text = "learning rates " + ", ".join(f"{s} {_fmt_lr(v)}" for s, v in lrs.items())
        filters = {stages[s]["params"] for s in trained if s != "head"}
        what = join_names(trained)
        if filters and filters != {"all"}:
            what += f" (non-head stages: {', '.join(sorted(filters))} parameters only)"
        bn = {s: stages[s]["bn"] for s in stage_names if stages[s]["bn"]}
        bn_groups: dict[str, list[str]] = {}
        for s, policy in bn.items():
            bn_groups.setdefault(policy, []).append(s)
        bn_text = "; ".join(f"batch norm {policy} in {join_names(names)}" for policy, names in bn_groups.items())
        bn_text = bn_text or "no batch-norm layers"
        opt = p["optimizer"]
        sched = p["schedule"]
        frozen_text = f"{join_names(frozen)} frozen ({p['frozen_params']:,} parameters)" if frozen else "nothing frozen"
        fit = p.get("fit") or {}
        if fit.get("method") == "lbfgs":
            how = (f"a multinomial logistic regression fitted by L-BFGS to convergence ({fit['iterations']} iterations) "
                   f"on the cached features, L2 strength {fit['l2_strength']:.3g} (C = {fit['C']:.3g}) chosen on "
                   f"validation among {len(fit['tried'])} strengths")
            length = "fitted at once"
        else:
            how = (f"{opt['name']} (weight decay {opt['weight_decay']:g}"
                   f"{', momentum %g' % opt['momentum'] if opt['name'] == 'sgd' else ', betas %g/0.999' % opt['momentum']}) "
                   f"at {lr_text}, {sched['name']} schedule with {sched['warmup']:.0%} warm-up, batch size "
                   f"{p['batch_size']}, {augmentation_text(p)}, {loss_text(p)}")
            length = f"{p['epochs']} epoch{'s' if p['epochs'] != 1 else ''}"
            if fit.get("asked") == "lbfgs":
                how += f" (not fitted by L-BFGS: {fit['why']})"
        sentence = (
            f"Phase {i} '{p['name']}' ({length}): trains {what} ({p['trainable_params']:,} parameters), "
            f"{frozen_text}; {bn_text}; {how}"
        )
        if p.get("class_weights") == "balanced":
            sentence += ", each class's loss weighted by n / (classes x its training count)"
        if p.get("sampler") == "balanced":
            sentence += ", images drawn class-balanced with replacement"
        if p.get("standardize_features"):
            sentence += (", the head reading features standardized with their training-set mean and std "
                         "(measured at phase start, folded into the head's weights at phase end)")
        for name, settings in (p.get("regularizers") or {}).items():
            args = ", ".join(f"{k}={v:g}" for k, v in settings.items())
            sentence += f", plus {name.upper()} penalty ({args})"
        sentence += _method_notes(p)
        sentences.append(sentence + ".")
    return sentences


def _method_notes(p: dict) -> str:
    """Clauses for Auto-RGN rates, LoRA adapters, moving averages and WiSE-FT, from a run.json phase entry."""
    text = ""
    rgn = p.get("auto_rgn")
    if rgn:
        text += (f", each tensor's learning rate scaled by its relative gradient norm divided by the largest "
                 f"(Auto-RGN), recomputed at each epoch start from {rgn[0]['images']} training images")
    adapter = p.get("adapter_applied")
    if adapter:
        text += (f", with LoRA adapters (r={adapter['r']}, alpha {adapter['alpha']:g}, dropout {adapter['dropout']:g}) "
                 f"on {adapter['layers']} conv/linear layers of {join_names(adapter['stages'])}, merged into the weights "
                 f"at phase end (largest output change {adapter['merge_max_abs_diff']:.1e})")
    semi = p.get("semi_supervised")
    if semi:
        passed = ", ".join(f"{e['passed']:,} of {e['drawn']:,}" for e in semi["per_epoch"])
        text += (f", also learning from {semi['unlabeled_images']:,} unlabelled images ({semi['unlabeled']}) by "
                 f"{semi['method']} with threshold {semi['threshold']:g} ({semi['unlabeled_per_labelled']} unlabelled "
                 f"per labelled image, loss weight {semi['weight']:g}"
                 + (f"; each epoch {semi['steps_per_epoch']:,} steps, one pass over the unlabelled images with the "
                    f"labelled ones cycled" if "steps_per_epoch" in semi else "")
                 + f"; weak view: {semi['weak']}; strong view: "
                 f"{semi['strong']}; unlabelled images past the threshold per epoch: {passed})")
    ema = p.get("ema")
    if ema:
        text += (f", the weights followed by an exponential moving average (decay {ema['decay']:g}"
                 f"{', warmed up as timm does' if ema['warmup'] else ''}, {ema['steps']} steps) whose weights the "
                 "phase validated and kept")
    wise = p.get("wise_ft")
    if wise:
        how = "chosen on validation" if wise["chosen"] == "on validation" else "given"
        text += (f"; at its end WiSE-FT mixed (1 - alpha) x {wise['alpha_0']} with alpha x {wise['alpha_1']}, alpha "
                 f"{wise['alpha']:g} ({how}; validation accuracy {wise['val_accuracy']:.1%}), {wise['batch_norm']}")
    return text


def describe_record(record: dict) -> str:
    """The description paragraph of a run, from its run.json content."""
    src = record["source_model"]
    data = record["data"]
    splits = data["splits"]
    pre = record["preprocessing"]
    stage_names = record["stages"]
    origin = "random weights" if not src.get("pretrained") else f"pretrained weights {src.get('weights') or 'from the hub'}"
    if src.get("sha256"):
        origin += f" (sha256 {src['sha256'][:12]})"
    if src.get("source_data"):
        origin += f", pretrained on {src['source_data']}"
    init = "re-initialized with random weights (seeded), " if record["plan"]["init"] == "random" else ""
    lpc = data.get("labels_per_class")
    unit = "texts" if pre.get("kind") == "text" else "images"
    labelled = f" with {lpc} labelled {unit} per class" if lpc else ""
    text = (
        f"{record['term'][0].upper()}{record['term'][1:]} of {src['spec']} ({src.get('arch', {}).get('name', '')}; "
        f"{origin}); the backbone was {init}given a new {len(data['classes'])}-class linear head, and trained on "
        f"{data['spec']}{labelled} ({splits['train']['images']} train / {splits['val']['images']} validation / "
        f"{splits['test']['images']} test {unit}, split seed {data.get('split_seed', record['seed'])}), "
        f"seed {record['seed']}. {_input_sentence(pre, src)} "
    )
    text += " ".join(describe_phases(record["plan"]["phases"], stage_names))
    if record.get("domain_adaptation"):
        text += " " + _describe_domain(record["domain_adaptation"])
    if len(record["plan"]["phases"]) > 1:
        text = plan_outline(Plan.from_dict(record["plan"]["definition"]), stage_names) + " " + text
    return text + _describe_result(record)


def _input_sentence(pre: dict, src: dict) -> str:
    """How the inputs were prepared: texts tokenized and pooled, or images resized and normalized."""
    if pre.get("kind") == "text":
        pooling = {"mean": "mean of the token outputs", "cls": "output of the first token",
                   "pooler": "model's pooler output"}.get(src.get("pooling") or "", "pooled output")
        return (f"Texts tokenized by the model's own tokenizer (sha256 {pre['tokenizer_sha256']}), cut at "
                f"{pre['max_length']} tokens and padded per batch; the head reads the {pooling}.")
    return (f"Images resized to {pre['input_size'][1]}x{pre['input_size'][2]} ({pre['interpolation']}, crop fraction "
            f"{pre['crop_pct']:g}) and normalized with mean {tuple(round(v, 3) for v in pre['mean'])} and std "
            f"{tuple(round(v, 3) for v in pre['std'])}.")


def _scores(metrics: dict) -> str:
    return f"validation accuracy {metrics['val']['accuracy']:.1%}, test accuracy {metrics['test']['accuracy']:.1%}"


def _describe_result(record: dict) -> str:
    """Early stops, which epoch's weights were kept and why, and their metrics (with the last epoch's)."""
    metrics, kept = record.get("metrics") or {}, record.get("kept") or {}
    if not metrics:
        return ""
    if not kept:  # recorded before runs could keep an earlier epoch
        return f" Final weights (last epoch, no early stopping): {_scores(metrics)}."
    text = _describe_stop(record.get("stopped_early"))
    for i, phase in enumerate(record["plan"]["phases"], 1):
        stop = phase.get("early_stopping") or {}
        if stop.get("stopped"):
            text += (f" Phase {i} '{phase['name']}' stopped early after {stop['epochs_run']} of "
                     f"{stop['epochs_planned']} epochs: its validation accuracy had not improved for "
                     f"{stop['patience']} evaluations.")
    if kept["kept_last"]:
        reason = ("the rule keeps the last epoch" if kept["rule"] == "last" else kept.get("note")
                  or "no earlier validated epoch did better")
        return text + f" Kept weights: the last epoch's ({reason}): {_scores(metrics)}."
    where = kept["epoch"]
    return text + (f" Kept weights: epoch {where['epoch'] + 1} of phase {where['phase'] + 1} '{where['phase_name']}' "
                   f"(epoch {where['run_epoch']} of the run), the highest validation accuracy of the validated "
                   f"epochs{_margin(kept)}: {_scores(metrics)}; after the last epoch: "
                   f"{_scores(kept['last_epoch']['metrics'])}.")


def _margin(kept: dict) -> str:
    """How a later phase had to beat an earlier one ('' for records from before the rule had a margin)."""
    if kept.get("later_phase_margin") in (None, "none"):
        return ""
    return f" (a later phase counts as higher only by more than {kept['later_phase_margin']})"


def _describe_stop(stopped: dict | None) -> str:
    """A sentence on a run whose training was ended early on request ('' when the plan ran to its end)."""
    if not stopped:
        return ""
    skipped = stopped["phases_planned"] - stopped["phases_run"]
    later = {0: "", 1: "; the last phase did not run"}.get(skipped, f"; the remaining {skipped} phases did not run")
    return (f" Training was stopped early at the user's request after epoch {stopped['epoch'] + 1} of phase "
            f"{stopped['phase'] + 1} '{stopped['phase_name']}' ({stopped['epochs_run']} of {stopped['epochs_planned']}"
            f" planned epochs{later}).")


def _describe_domain(section: dict) -> str:
    """One or two sentences on the roles of the data sets of a domain-adaptation run."""
    roles = section["roles"]
    text = f"Domain adaptation ({section['setting']}): trained on {roles['train']}"
    if roles.get("unlabeled"):
        text += f"; adapted to {roles['unlabeled']}"
    selection = section.get("model_selection") or {}
    return (text + f". Validation: {roles['val']}; test: {roles['test']}; model selection by "
            f"{selection.get('used', 'source validation')}.")


def _plan_fit(p, lr: str) -> str:
    if p.fit == "lbfgs":
        return (f"fitted by L-BFGS to convergence on cached features, L2 strength chosen on validation (where the "
                f"features cannot be cached: {p.optimizer} at {lr})")
    return f"{p.optimizer} at {lr}"


def describe_plan(plan: Plan, stage_names: list[str] | None = None) -> str:
    """A paragraph about a plan before it runs (from a plan file or a preset)."""
    parts = []
    for i, p in enumerate(plan.phases, 1):
        lr = f"learning rate {p.lr:g}"
        if p.lr_decay is not None:
            lr += f" decayed by {p.lr_decay:g} per stage below the head"
        if p.lr_spread is not None:
            lr += f" spread geometrically down to {p.lr / p.lr_spread:g} at the stem"
        bn = p.bn if isinstance(p.bn, str) else ", ".join(f"{k}: {v}" for k, v in p.bn.items())
        bn_text = "trainable stages train, frozen stages frozen" if bn == "auto" else bn
        parts.append(
            f"Phase {i} '{p.name}' ({p.epochs} epoch{'s' if p.epochs != 1 else ''}): "
            f"{phase_term(p, plan.init, stage_names)}; trains "
            f"{', '.join(p.train)}{'' if p.train == ['head'] else f' ({p.params} parameters of non-head stages)'}; "
            f"{_plan_fit(p, lr)}, "
            f"{p.schedule} schedule, batch size {p.batch_size}, {augmentation_text(p.to_dict())}; "
            f"batch norm: {bn_text}."
        )
    init = "from random weights" if plan.init == "random" else "from the pretrained weights"
    text = f"{plan_term(plan, stage_names)[0].upper()}{plan_term(plan, stage_names)[1:]}, {init}. " + " ".join(parts)
    if len(plan.phases) > 1:
        text = plan_outline(plan, stage_names) + " " + text
    return text
