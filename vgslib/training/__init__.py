"""Training one condition: groups, the training loop, evaluation on the stored trials, one run's orchestration."""
