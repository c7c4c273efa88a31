"""An example dflint rule pack."""
