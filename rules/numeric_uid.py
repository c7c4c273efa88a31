"""DF503 numeric-uid: the image's USER is a name, which Kubernetes cannot verify is not root."""

from __future__ import annotations

from typing import Iterator, Optional

from dflint.diagnostic import Severity
from dflint.fix import Applicability, Fix
from dflint.model.users import AccountId, account_ids, final_non_root_user, id_changed, id_written_at
from dflint.rule import Finding, Rule, RuleContext


class NumericUid(Rule):
    """A USER given by name cannot be checked by `runAsNonRoot`: use the numeric UID.

    ## What it does
    Reports the last `USER` of the final stage (inherited from a parent
    stage, too) when its user part is a name (`USER app`, `USER app:app`,
    `USER ${APP_USER}` resolving to a name) rather than a number
    (`USER 10001`, `USER 10001:app`). `root` is left to `root-user`;
    a USER only known at build time is not guessed; Windows stages are
    not checked (Windows has no numeric ids). Off by default: turn it on
    where images run under Kubernetes `runAsNonRoot` or similar policies.

    When the Dockerfile creates the user with an explicit id
    (`useradd -u 10001 app`, `adduser -u 10001 app`, `groupadd -g` for the
    group), the message names the id and a fix is offered. An id set from
    a build argument (`useradd -u "$UID"` with `ARG UID=10001`) is written
    as that argument (`USER $UID`), which follows `--build-arg UID=...`
    where the number would not; where the argument means another value at
    the USER, no fix is offered. A group the USER names is kept in the
    advice (`USER nonroot:nonroot` is `USER 65532:65532`): `USER 65532`
    alone would run with the user's primary group from `/etc/passwd`, or
    with gid 0 where it has no entry.

    The id the image has is the one at the end of the build: when a
    command after the `useradd` may change it (`usermod -u`/`--uid`, a
    rename with `usermod -l`, `groupmod -g`/`-n` for the group, an edit of
    `/etc/passwd` or `/etc/group`: a writing redirection, `sed -i`,
    `perl -pi`, `gawk -i inplace`, a `sed`/`awk`/`perl` script naming the
    file, `tee`, a `cp`/`install`/`ln` onto it or into `/etc/` of a file
    so named, any `mv` of it), in the same RUN or a later one, the message
    names no number and no fix is offered (the new id is not read).
    Commands that only read the files change nothing: `cp /etc/passwd
    /etc/passwd.bak`, `grep`, `cat`, `awk -F: ... /etc/passwd`, `sed -n`,
    `perl -ne`. A `userdel` and a new `useradd -u` after such a
    change give the id again. This also holds for a user of the base
    image: after `usermod -u 1001 node`, node's usual uid 1000 is not
    proposed.

    hadolint's DL3066 reports every USER of every stage, also the ones a
    later USER overrides and the ones of builder stages (only the image's
    final USER is what a runtime checks), and variables it cannot resolve,
    such as .NET's `USER $APP_UID`, set by the base image to a number.

    ## Why is this bad?
    The kubelet enforces `runAsNonRoot` by looking at the image's user: a
    name could map to uid 0 in the image's `/etc/passwd`, so it refuses to
    start the container ("image has non-numeric user, cannot verify user is
    non-root"). A numeric UID can be checked without looking inside the
    image, and also works on `scratch` images without `/etc/passwd`.

    ## Example
    ```dockerfile
    FROM debian:12-slim
    RUN useradd --uid 10001 --create-home app
    USER app
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12-slim
    RUN useradd --uid 10001 --create-home app
    USER 10001
    ```

    ## Fix safety
    The fix replaces the name with the id the Dockerfile gives it (and the
    group's, when the USER names one), and is not offered when a later
    command may change that id (see above). It is unsafe: the `useradd` may not
    run on every build (a branch, a stage not in the lineage), and a
    numeric USER no longer follows a change of the id in `/etc/passwd`.
    """

    code = "DF503"
    name = "numeric-uid"
    summary = "USER names a user instead of a numeric UID"
    severity = Severity.INFO
    security_severity = 2.0
    aliases = ("DL3066",)
    fixable = True
    default_enabled = False

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        model = ctx.model
        setting = final_non_root_user(model)
        if setting is None or setting.user.isdigit():
            return
        final = model.final_stage
        users, groups = account_ids(ctx.analysis, final)
        changed = id_changed(ctx.analysis, final, f"user:{setting.user}")
        groups = {name: number for name, number in groups.items()
                  if not id_changed(ctx.analysis, final, f"group:{name}")}
        account = users.get(setting.user) if not changed else None
        uid = id_written_at(model, setting.node, account) if account is not None else None
        known = uid or _well_known_uid(model, final, setting.user) if account is None and not changed else uid
        if known:
            hint = _numeric_hint(ctx.analysis, final, setting, known, groups)
        elif account is not None:  # the id comes from a build argument this stage does not declare
            names = ", ".join(sorted(account.build_args))
            hint = (f"`USER {account.written}`, where ARG {names} means what it meant when the account was "
                    f"created (here it does not; a number would be wrong under --build-arg)")
        else:  # a made-up number would name a user the image does not have
            hint = f"its numeric UID (`id -u {setting.user}` in the image tells it)"
        fix = _fix(ctx, setting, uid, groups)
        yield ctx.finding(setting.node.value, f"USER {setting.written}{setting.via} names a user: Kubernetes "
                                              f"`runAsNonRoot` cannot verify that a name is not root; use {hint}",
                          fix=fix)


#: Accounts whose UID is the same in every image that has them, and official images' own users.
_SAME_EVERYWHERE = {"nobody": "65534", "nonroot": "65532"}  # nonroot: the distroless images'
_IMAGE_USERS = {("node", "node"): "1000", ("oven/bun", "bun"): "1000"}
#: The same for groups: nobody's group is `nogroup` on Debian, `nobody` on Alpine, 65534 on both.
_GROUPS_EVERYWHERE = {"nobody": "65534", "nogroup": "65534", "nonroot": "65532"}
_IMAGE_GROUPS = {("node", "node"): "1000", ("oven/bun", "bun"): "1000"}


def _numeric_hint(analysis, stage, setting, uid: str, groups: dict[str, AccountId]) -> str:
    """`USER <uid>`, with the group the USER names kept: `USER nonroot:nonroot` is `USER 65532:65532`
    (`USER 65532` alone would run with the user's primary group from /etc/passwd, or gid 0 without one)."""
    group = setting.group
    if group is None or group.isdigit():
        return f"`USER {uid}`" if group is None else f"`USER {uid}:{group}`"
    model = analysis.model
    account = groups.get(group)
    gid = id_written_at(model, setting.node, account) if account is not None else None
    if gid is None and account is None and not id_changed(analysis, stage, f"group:{group}"):
        gid = _well_known(model, stage, group, _GROUPS_EVERYWHERE, _IMAGE_GROUPS)
    if gid is not None:
        return f"`USER {uid}:{gid}`"
    return f"`USER {uid}:` with the numeric GID of group {group}"


def _well_known_uid(model, stage, user: str) -> Optional[str]:
    return _well_known(model, stage, user, _SAME_EVERYWHERE, _IMAGE_USERS)


def _well_known(model, stage, name: str, everywhere: dict[str, str],
                per_image: dict[tuple[str, str], str]) -> Optional[str]:
    if name in everywhere:
        return everywhere[name]
    reference = model.lineage(stage)[0].base.reference
    image = reference.repository if reference is not None else None
    image = image[len("library/"):] if image and image.startswith("library/") else image
    return per_image.get((image or "", name))


def _fix(ctx: RuleContext, setting, uid: Optional[str], groups: dict[str, AccountId]) -> Optional[Fix]:
    if uid is None or setting.written != setting.value:
        return None
    group = setting.group
    if group is not None and not group.isdigit():
        if group not in groups:
            return None
        group = id_written_at(ctx.model, setting.node, groups[group])
        if group is None:
            return None
    text = uid if group is None else f"{uid}:{group}"
    argument = setting.node.value
    return ctx.fix(f"Use `USER {text}`", ctx.edit(argument.span.start.offset, argument.span.end.offset, text),
                   applicability=Applicability.UNSAFE)
