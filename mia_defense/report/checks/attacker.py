"""Caveats on the attacker a run's figures stand for: one weaker than the default
(`weak_attacker_notes`: shadow models without the run's defenses, no LiRA or RMIA, few
reference models, a release of labels only attacked without label queries) and the query
budget under which a randomized release's figures hold (`randomized_release_note`).
`notes.caveats` gives them with the others (and re-exports the public names)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mia_defense.attacks.base import BLACK_BOX, DEFAULT_ACCESS
from mia_defense.observations import QUERIES_IN_OBSERVATIONS, QUERIES_OF_MIA_TRAIN
from mia_defense.report.checks._values import _counts, _numbers, one_line
from mia_defense.report.checks.ranking import _release_name

__all__ = [
    "FEW_REFERENCE_MODELS",
    "randomized_release",
    "randomized_release_note",
    "weak_attacker_notes",
]


# mia-defense's attacks that score each record against reference models trained with and
# without it (LiRA, RMIA): the strongest of its suite at a low FPR (Carlini et al. 2022).
_REFERENCE_ATTACKS = ("mia_defense.attacks.lira", "mia_defense.attacks.rmia")


def weak_attacker_notes(payload: Mapping[str, Any]) -> list[str]:
    """Caveats on a run whose attacker the config made weaker than the default one, which
    its own front cannot show when every run of the sweep was attacked so (the report gives
    runs attacked otherwise fronts of their own): shadow models trained without the run's
    defenses (``attack.shadow_recipe=undefended``: a naive attacker, who overstates a
    defense), and black-box attacks none of which is a LiRA or RMIA (``~attack.attacks.*``
    leaving the threshold attacks: the run's headline is theirs; only where the run's config
    records every such attack's ``_target_``, each of mia-defense: else nothing tells),
    LiRA and RMIA with few reference models, and a release of labels only attacked without
    label queries (`_labels_unattacked`). Measured: a sweep attacked by ``loss`` alone was
    ranked with no word of it. mia-train's and mia-attack's end-of-run lines give them too
    (`run_end_lines`): the table has no line of its own for them."""
    notes = [note for note in (_labels_unattacked(payload),) if note is not None]
    defense, config = payload.get("defense"), payload.get("config")
    trained = defense.get("defense") if isinstance(defense, Mapping) else None
    if (isinstance(defense, Mapping) and defense.get("shadow_recipe") == "undefended"
            and isinstance(trained, str) and trained not in ("", "none")):  # fmt: skip
        notes.append(
            f"its attacks' shadow and reference models were trained without its defenses "
            f"({one_line(trained, limit=80)}; attack.shadow_recipe=undefended): a naive "
            "attacker's figures, which overstate a defense; rerun it with "
            "attack.shadow_recipe=same for the adaptive attacker's"
        )
    attack = config.get("attack") if isinstance(config, Mapping) else None
    nodes = attack.get("attacks") if isinstance(attack, Mapping) else None
    ran = [name for name, m in payload["attacks"].items()
           if isinstance(m, Mapping) and m.get("access", DEFAULT_ACCESS) in BLACK_BOX]  # fmt: skip
    if not isinstance(nodes, Mapping) or not ran:
        return notes
    targets = [nodes[n].get("_target_") if isinstance(nodes.get(n), Mapping) else None
               for n in ran]  # fmt: skip
    # (an attack of the user's own may be as strong: nothing tells)
    if all(isinstance(t, str) and t.startswith("mia_defense.") for t in targets) and not any(
            t in _REFERENCE_ATTACKS for t in targets):  # fmt: skip
        notes.append(
            f"no LiRA or RMIA among its black-box attacks ({one_line(', '.join(ran), limit=120)}"
            "; attack.attacks): its TPR@0.1%FPR is that of weaker attacks, which may understate "
            "the leak at a low FPR; rerun it with the default attack.attacks"
        )
    plan = config.get("plan") if isinstance(config, Mapping) else None
    models = payload.get("num_models")
    if models is None and isinstance(plan, Mapping):  # (deleted: the config's says it)
        models = plan.get("num_models")
    if any(t in _REFERENCE_ATTACKS for t in targets) and _counts(models) and (
            models < FEW_REFERENCE_MODELS):  # fmt: skip
        notes.append(
            f"its LiRA and RMIA had {models - 1} reference model(s) per target (plan.num_models="
            f"{models}), far weaker than with many (experiments/reference_models, digits: "
            "online LiRA's TPR@0.1%FPR 0.0078 at K = 4, 0.0239 at 16, 0.0310 at 64; K = 2 "
            "measures nothing of them): the leak may be understated; "
            + ("attack observations of 16 or more models" if _of_observations(payload) else
               "rerun it with plan.num_models=16 or more")
        )
    return notes


# Below this many models (each target attacked with the others as references) the
# reference-based attacks measure a fraction of the leak they find at the default 16
# (experiments/reference_models: a fourth at K = 4; RMIA at K = 8 level with K = 16).
FEW_REFERENCE_MODELS = 8


def _of_observations(payload: Mapping[str, Any]) -> bool:
    """Whether the record is of observations made elsewhere (mia-attack of a file, the
    Python API's), which no setting of a rerun changes, rather than of a mia-train run."""
    source = payload.get("source")
    return isinstance(source, Mapping) and source.get("kind") == "observations"


def randomized_release_note(release: Any, repeats: Any) -> str | None:
    """The threat model of a run whose release answers every query with fresh noise
    (``release=noise``; ``repeats``: results.json's ``privacy.randomized_release_repeats``, the
    ``attack.queries.repeats`` its attacker asked each query), or ``None`` (no such count):
    the leak is that of an attacker who asks each query ``repeats`` times and averages; one
    who may ask more averages more of the noise away (digits, release.scale=1, K=8: RMIA's
    AUC 0.547 at 16 repeats, 0.622 at 1024, 0.651 without the noise), and neither the table
    nor the report said under which budget the figures hold."""
    if not (_counts(repeats) and repeats > 0):
        return None
    asked = "once" if repeats == 1 else f"{repeats} times and averages the answers"
    return (
        f"release={one_line(release, limit=60)} answers every query with fresh noise: its "
        f"leak is that of an attacker who asks each query {asked} "
        f"(attack.queries.repeats={repeats}); one who may ask more averages more of the noise "
        "away, so the figures hold only where the model's API limits how often one record "
        "can be queried; rerun it with a larger attack.queries.repeats to see how the leak "
        "grows"
    )


def randomized_release(payload: Mapping[str, Any]) -> bool:
    """Whether a run's release answers every query with fresh noise: it records
    ``privacy.randomized_release_repeats`` (mia-train does for a release whose ``randomized``
    is true), or, written before runs recorded it, it is ``release=noise``. Only then did
    ``attack.queries.repeats`` shape its figures: a deterministic release is asked once
    (`mia_defense.observe`), whatever the count."""
    privacy = payload.get("privacy")
    recorded = privacy.get("randomized_release_repeats") if isinstance(privacy, Mapping) else None
    return recorded is not None or _release_name(payload) == "noise"


def _randomized_release(payload: Mapping[str, Any]) -> tuple[Any, Any]:
    """The release's name and ``privacy.randomized_release_repeats`` of a run; for a
    ``release=noise`` run written before runs recorded the count, its config's
    ``attack.queries.repeats``."""
    privacy, release = payload.get("privacy"), _release_name(payload)
    repeats = privacy.get("randomized_release_repeats") if isinstance(privacy, Mapping) else None
    if repeats is None and release == "noise":
        config = payload.get("config")
        attack = config.get("attack") if isinstance(config, Mapping) else None
        queries = attack.get("queries") if isinstance(attack, Mapping) else None
        repeats = queries.get("repeats") if isinstance(queries, Mapping) else None
    return release, repeats


def _labels_unattacked(payload: Mapping[str, Any]) -> str | None:
    """A caveat on a run whose release lets out labels only (`_released_labels_only`)
    attacked by no attack of access ``label``: its score attacks saw the label alone and
    read near chance (the default run, loss alone: TPR 0 at 10% FPR, where label_only finds
    0.165); or attacked by one without perturbed queries (`_unperturbed_queries`)."""
    defense = payload.get("defense")
    attacks = payload.get("attacks")
    if not isinstance(defense, Mapping) or not isinstance(attacks, Mapping):
        return None
    if not _released_labels_only(payload, defense):
        return None
    release = defense.get("release")
    release = ("the release (one output per predicted label)" if release in (None, "unknown") else
               f"release={one_line(release, limit=60)}")  # fmt: skip
    label = [name for name, m in attacks.items()
             if isinstance(m, Mapping) and m.get("access") == "label"]  # fmt: skip
    unperturbed = _unperturbed_queries(payload)
    # (mia-attack of a file reads the queries it holds, no more)
    queries = QUERIES_IN_OBSERVATIONS if _of_observations(payload) else QUERIES_OF_MIA_TRAIN
    if label:
        if unperturbed is None:
            return None
        return (
            f"{release} lets out the predicted label only, and its label attack "
            f"({one_line(', '.join(label), limit=80)}) had no perturbed copies to query "
            f"({unperturbed}): it fell back on the gap attack (correct label = member) and the "
            "other attacks saw the label alone, so the leak may be understated (digits, K=8: "
            f"TPR@0.1%FPR 0.0045 so, 0.019 with 8 noisy copies); rerun it with {queries}"
        )
    return (
        f"{release} lets out the predicted label only, and no attack of access label "
        "(label_only) attacked it: its other attacks saw the label alone and may understate "
        "the leak; rerun it with attack.attacks.label_only"
        + (f" and {queries}" if unperturbed is not None else "")
    )


def _released_labels_only(payload: Mapping[str, Any], defense: Mapping[str, Any]) -> bool:
    """Whether the run's release let out the predicted label alone: results.json's
    ``released_labels_only``, measured on the outputs the attacks saw (one per predicted label:
    `mia_defense.observations.labels_only`), so that a release of one's own and a bare
    observations file count; or the release's name (``label_only``, ``topk`` at k=1
    renormalised, ``rounding`` at 0 decimals), all runs written before that field had."""
    if payload.get("released_labels_only") is True:
        return True
    release = defense.get("release")
    return release == "label_only" or (
        release == "topk" and defense.get("release.k") == 1
        and defense.get("release.renormalize") is True
    ) or (release == "rounding" and defense.get("release.decimals") == 0)


def _unperturbed_queries(payload: Mapping[str, Any]) -> str | None:
    """Why the run's config (``attack.queries``) gave its attacks no perturbed copy of a
    record, or ``None``: no copies (``num_augmented=0``; of observations attacked as given,
    that they hold none: mia-attack records their count, no setting of the user's), or
    copies without noise (``noise_std=0`` where `mia_defense.observe.perturbed_copies`
    adds noise: flat inputs, or images neither shifted nor flipped), each the record
    itself. A config without these keys (written otherwise) tells nothing: ``None``; nor
    does a record without ``input_shape`` whose copies were shifted or flipped if images."""
    config = payload.get("config")
    attack = config.get("attack") if isinstance(config, Mapping) else None
    queries = attack.get("queries") if isinstance(attack, Mapping) else None
    if not isinstance(queries, Mapping):
        return None
    copies, noise = queries.get("num_augmented"), queries.get("noise_std")
    if _counts(copies) and copies == 0:
        # (mia-attack of a file records what the file holds, not a setting the user gave)
        return ("its observations hold none, no augmented_logits" if _of_observations(payload)
                else "attack.queries.num_augmented=0")  # fmt: skip
    shape = payload.get("input_shape")
    moved = queries.get("max_shift") not in (0, None) or queries.get("flip") is True
    # (no input_shape, a run before it or the key deleted, with shifts or flips set: images'
    # copies were shifted or flipped, flat records' noised at 0; nothing tells which)
    image = moved and (not isinstance(shape, list) or len(shape) == 3)
    if _numbers(noise) and noise == 0 and _counts(copies) and copies > 0 and not image:
        return f"attack.queries.noise_std=0: its {copies} copies are the record itself"
    return None
