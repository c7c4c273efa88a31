"""The Language Server Protocol server (``dflint lsp``): diagnostics and fixes for editors."""
