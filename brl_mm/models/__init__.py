"""Model-side components registered into mmaction's MODELS registry."""
