"""Evaluation runs: the evaluation core (planwatch.core.evaluation) run on the values in the
database, stored with its parameters, the data version it read and its results (issue 5, part 5)."""
