"""DF502 no-user: the final stage never sets USER, so the image runs as its base image's user."""

from __future__ import annotations

from typing import Iterator

from dflint.diagnostic import Severity
from dflint.model.labels import image_labels
from dflint.model.users import NONROOT_IMAGES, nonroot_base, privilege_drop, user_settings, windows_stage
from dflint.rule import Finding, Option, Rule, RuleContext


#: Images whose container runs as a non-root user, on top of :data:`NONROOT_IMAGES`: Keycloak's
#: quarkus/container/Dockerfile ends with `USER 1000`; AWS runs a Lambda base image's function as
#: its own least-privileged user, whatever the image says ("Lambda follows security best practices
#: by defining a default Linux user with least-privileged permissions", images-create docs), though
#: its RUNs still run as root at build time, which is why it is not in NONROOT_IMAGES.
_RUNTIME_NONROOT = ("quay.io/keycloak/keycloak", "quay.io/keycloak/keycloak:*", "public.ecr.aws/lambda/*")


class NoUser(Rule):
    """Without a USER the image runs as its base image's user: root, for most images.

    ## What it does
    Reports the final `FROM` (its image) when neither the final stage nor the stages
    it is built `FROM` set a `USER`. The container then runs as the base
    image's default user, which is root for almost every image. `scratch`
    is reported too: it has no `/etc/passwd`, but its process still runs
    as uid 0 (the message asks for a numeric USER, such as `65534`).

    Not reported: a base image known to run as a non-root user (the
    `nonroot-images` option: distroless `:nonroot` tags, Chainguard images,
    `nginx-unprivileged`, .NET chiseled images, `mambaorg/micromamba`,
    Jupyter's docker-stacks images, Keycloak (`quay.io/keycloak/keycloak`,
    which ends with `USER 1000`) and AWS Lambda base images
    (`public.ecr.aws/lambda/*`: Lambda runs the function as its own
    least-privileged user) by default); a base image
    named by a build argument without default (it cannot be known; with an
    inline default, `${REGISTRY:-docker.io}/python`, the image a build
    without `--build-arg` pulls is read); an
    image that drops root in its ENTRYPOINT or CMD (`gosu`, `su-exec`,
    `setpriv`, `runuser`, `su … -c`), or installs `gosu`/`su-exec` and has
    an ENTRYPOINT; Windows stages, whose default user depends on the image
    (`nanoserver` runs as `ContainerUser`). A `USER` inside `ONBUILD` does
    not count: it only applies to images built FROM this one.

    Not reported either: a GitHub Docker container action, known by a
    `com.github.actions.*` label (`com.github.actions.name`,
    `.description`, `.icon`, `.color`) in the final image. GitHub runs
    such an action as root and its docs say not to use USER there: with
    another user the action cannot access the `GITHUB_WORKSPACE`
    directory. An action's Dockerfile without those labels (the action
    is named in `action.yml`) cannot be told apart from another image
    and is reported: ignore the rule for that file (`per-file-ignores`).

    Off by default: most Dockerfiles leave the user to the platform
    (`docker run --user`, Kubernetes `runAsUser`), so it would fire on
    nearly every file; turn it on where images must carry their own
    non-root user.

    Checkov's CKV_DOCKER_3 passes as soon as any stage has a USER, a
    builder's included; Trivy's DS002 asks for a USER in every file (and
    covers `root-user` too).
    dflint looks at the stage that ships.

    ## Why is this bad?
    Whatever runs in the container runs as root: a vulnerability in the
    application then gives root on the container's filesystem, and a
    container escape or a mounted volume extends that to the host.
    Kubernetes `runAsNonRoot` refuses to start such an image.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    COPY app.py /app/
    CMD ["python", "/app/app.py"]
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    RUN useradd --uid 10001 --no-create-home app
    COPY app.py /app/
    USER 10001
    CMD ["python", "/app/app.py"]
    ```

    ## Fix safety
    There is no fix: the user has to exist and own what the application
    writes.
    """

    code = "DF502"
    name = "no-user"
    summary = "The final stage never sets USER"
    severity = Severity.INFO
    security_severity = 4.0
    aliases = ("CKV_DOCKER_3", "DS002")
    default_enabled = False
    options = (Option("nonroot-images", list, [*NONROOT_IMAGES, *_RUNTIME_NONROOT],
                      "Glob patterns of base images that run as a non-root user by default, matched against "
                      "`registry/repository:tag` and the reference as written"),)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        model = ctx.model
        final = model.final_stage
        if final is None or windows_stage(model, final) or user_settings(model, final):
            return
        root = model.lineage(final)[0]
        base = root.base
        _, expansion = model.pulled_base(root)  # `${REGISTRY:-docker.io}/python` pulls docker.io/python by default
        if expansion is None or not expansion.resolved or expansion.error is not None:
            return
        if nonroot_base(model, final, ctx.options["nonroot-images"]) or privilege_drop(ctx.analysis, final):
            return
        if any(setting.key is not None and setting.key.startswith("com.github.actions.")
               for setting in image_labels(model, final)):
            return  # a GitHub container action: GitHub runs it as root and asks for no USER
        via = "" if root is final else f" (built FROM stage {root.label})"
        if base.is_scratch:
            message = (f"the final stage{via} never sets USER and is built on scratch: the container runs as "
                       f"uid 0; add a numeric `USER` (scratch has no /etc/passwd), e.g. `USER 65534:65534`")
        else:
            message = (f"the final stage{via} never sets USER: the container runs as {expansion.value}'s "
                       f"default user, root for most images; create a user and end with `USER <uid>`")
        yield ctx.finding(final.from_instruction.image or final.from_instruction, message)
