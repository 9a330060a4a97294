"""PlanWatch: monitoring and evaluation of a government implementation plan."""
