"""The pack's hooks: rules are imported inside the hook, so loading stays cheap."""

from dflint.plugins import hookimpl


@hookimpl
def dflint_rules():
    from .no_sudo import NoSudo

    return [NoSudo]


@hookimpl
def dflint_default_config():
    return {"rules": {"no-sudo": {"allowed-users": ["root"]}}}
