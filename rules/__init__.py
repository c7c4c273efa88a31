"""dflint's built-in rules, shipped as the ``dflint.rules`` package."""
