"""The build model: stages, image references, ARG/ENV scopes and expansion."""
