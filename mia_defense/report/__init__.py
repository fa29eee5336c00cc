"""Reports over many runs: the tradeoff table, charts and Pareto front."""
