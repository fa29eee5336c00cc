"""The stages of `mia_defense.experiment.run_experiment`, a module each, in order: `data`,
`train`, `release`, `evaluate` (with `claim`, and its `utility` figures and
`trust_checks`), `record`."""
