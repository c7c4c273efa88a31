"""DF603 label-schema: the image's labels against a declared schema (required keys, value types)."""

from __future__ import annotations

from typing import Iterator

from dflint.diagnostic import Severity
from dflint.model.history import image_stages
from dflint.model.label_values import TYPES, value_problem
from dflint.model.labels import image_labels, label_settings
from dflint.rule import Finding, Option, Rule, RuleContext

#: hadolint's code for a value that is not of its declared type.
_TYPE_ALIASES = {"url": "DL3052", "rfc3339": "DL3053", "spdx": "DL3054", "hash": "DL3055", "semver": "DL3056",
                 "email": "DL3058"}
#: The OCI pre-defined annotations whose values have a defined format.
OCI_TYPES = {
    "org.opencontainers.image.created": "rfc3339",
    "org.opencontainers.image.url": "url",
    "org.opencontainers.image.source": "url",
    "org.opencontainers.image.documentation": "url",
    "org.opencontainers.image.licenses": "spdx",
}


class LabelSchema(Rule):
    r"""The image's labels must follow your label schema: required keys, typed values, nothing else if strict.

    ## What it does
    Checks labels against the schema set in the options (the rule is
    opt-in):

    * `required`: label keys the final image must have (DL3049). A label
      set in a stage the final stage is built `FROM` counts; the finding
      points at the final stage's `FROM`;
    * `types`: a table from label key to `url`, `semver`, `rfc3339`,
      `spdx`, `hash`, `email` or `text`; every LABEL that sets such a key
      must give a value of that type (DL3052-DL3056, DL3058). By default
      it holds the OCI pre-defined annotations that have a format:
      `org.opencontainers.image.created` (rfc3339), `.url`, `.source` and
      `.documentation` (url), `.licenses` (spdx); a `types` table in the
      configuration replaces this default;
    * `strict`: every label key must be declared in `required` or `types`
      (DL3050).

    Values are judged as the build sees them: quotes removed, ENV values
    substituted. A value that depends on a build argument
    (`LABEL org.opencontainers.image.version=$VERSION`) is not judged:
    `--build-arg` replaces the default. Types and `strict` apply to the
    LABELs of stages whose layers can reach an image and to ONBUILD LABEL
    triggers; a builder stage only used through `COPY --from` ships no
    labels.

    Differences from hadolint: hadolint requires every key of its schema,
    in every stage that no other stage copies from, judges the values of
    every stage, builder stages included, and judges them literally
    (`$VERSION` is not SemVer there). dflint's checks are more
    lenient where the standards allow: an SPDX *expression*
    (`MIT OR Apache-2.0`, what the OCI `licenses` annotation asks for),
    abbreviated git hashes of 7 to 40 digits and SHA-256 ones, e-mail
    addresses with a name (`Jane <jane@example.com>`), RFC 3339 times with
    a space instead of `T`. An empty value is DF604's business
    (`empty-label`): it is not reported again as a value of the wrong type.

    ## Why is this bad?
    Labels are how registries, scanners and deployment tools learn where an
    image comes from (`org.opencontainers.image.source`), which commit
    built it (`...revision`), its version and licence. A missing label, or
    one with a value the tools cannot parse, silently breaks provenance
    checks and dashboards that rely on it.

    ## Example
    With the default `types`:
    ```dockerfile
    FROM alpine:3.20
    LABEL org.opencontainers.image.licenses="Apache 2.0" \
          org.opencontainers.image.created="2024-05-01"
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    LABEL org.opencontainers.image.licenses="Apache-2.0" \
          org.opencontainers.image.created="2024-05-01T12:00:00Z"
    ```
    A typical configuration (`[tool.dflint.rules.label-schema]`):
    `required = ["org.opencontainers.image.source", "org.opencontainers.image.revision"]`,
    `types = {"org.opencontainers.image.source" = "url", "org.opencontainers.image.revision" = "hash",
    "org.opencontainers.image.version" = "semver"}`, `strict = false`.

    ## Fix safety
    There is no fix: only you know the right values.
    """

    code = "DF603"
    name = "label-schema"
    summary = "Labels against the declared label schema"
    severity = Severity.WARNING
    partial_aliases = ("DL3049", "DL3050", "DL3052", "DL3053", "DL3054", "DL3055", "DL3056", "DL3058")
    default_enabled = False
    options = (
        Option("required", list, [], "Label keys the final image must have"),
        Option("types", dict, dict(OCI_TYPES), "Label key -> type of its value: url, semver, rfc3339, spdx, "
                                               "hash, email or text", choices=tuple(TYPES)),
        Option("strict", bool, False, "Report labels not declared in `required` or `types`"),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        required, types, strict = ctx.options["required"], ctx.options["types"], ctx.options["strict"]
        final = ctx.model.final_stage
        if final is None:
            return
        if required:
            labels = image_labels(ctx.model, final)
            if all(s.key is not None for s in labels):  # an unknown key might be the required one
                present = {s.key for s in labels}
                for key in required:
                    if key not in present:
                        yield ctx.finding(final.from_instruction, f"the final image has no label `{key}` "
                                          f"(required by the label schema): add `LABEL {key}=...`", alias="DL3049")
        shipped = image_stages(ctx.model)
        declared = set(required) | set(types)
        stages = [stage for stage in ctx.model.stages if stage.index in shipped]
        for setting in label_settings(ctx.model, stages):
            if setting.key is None:
                continue
            if strict and setting.key not in declared:
                yield ctx.finding(setting.pair.key, f"label `{setting.key}` is not in the label schema: remove it "
                                  "or declare it in `required` or `types`", alias="DL3050")
            kind = types.get(setting.key)
            if kind is None or not setting.value:  # unknown, or empty: empty-label's finding, not a second one
                continue
            problem = value_problem(kind, setting.value)
            if problem is not None:
                yield ctx.finding(setting.value_span, f"label `{setting.key}` is declared {kind}, but "
                                  f"`{setting.value}` is {problem}", alias=_TYPE_ALIASES.get(kind))
