"""The helpers behind DF005-DF007: dependency installs, permission changes, COPY destinations, RUN merging."""

import doctest

import pytest

import dflint
from dflint.analysis import Analysis
from dflint.model import copies, history
from dflint.shell import installs, merge, parse_shell, permissions
from dflint.shell.installs import dependency_installs


@pytest.mark.parametrize("module", [installs, permissions, merge, copies, history], ids=lambda m: m.__name__)
def test_doctests(module):
    assert doctest.testmod(module).failed == 0


@pytest.mark.parametrize("command, expected", [
    ("find /app -type f -exec chmod 644 {} +", ("chmod", "644", ["/app"])),
    ("find -L /a /b -name '*.sh' -exec chmod -x {} \\;", ("chmod", "-x", ["/a", "/b"])),
    ("sudo find /srv -execdir /bin/chown -h app:app {} +", ("chown", "app:app", ["/srv"])),
    ("find /x -type d -exec chmod 755 {} +", None),  # directories only
    ("find /x -exec ls {} +", None),
    ("find -exec chmod 600 {} +", None),  # no root named: the working directory
    ("find /x -exec chmod {} +", None),
])
def test_find_exec_permission_changes(command, expected):
    script = parse_shell(command)
    change = permissions.find_change(script, script.commands[0])
    found = None if change is None else (change.tool, change.value, [w.value for w in change.paths])
    assert found == expected
    assert change is None or (change.recursive and change.selective and not change.plain)


@pytest.mark.parametrize("command, ecosystem, manifests", [
    ("npm ci --omit=dev", "npm", ("package.json", "package-lock.json")),
    ("npm install --production", "npm", ("package.json", "package-lock.json")),
    ("yarn", "yarn", ("package.json", "yarn.lock")),
    ("yarn workspaces focus --production", "yarn", ("package.json", "yarn.lock", ".yarnrc.yml")),
    ("yarn install --immutable", "yarn", ("package.json", "yarn.lock", ".yarnrc.yml")),
    ("yarn --frozen-lockfile", "yarn", ("package.json", "yarn.lock")),
    ("pnpm fetch --prod", "pnpm", ("pnpm-lock.yaml",)),
    ("python3 -m pip install --no-cache-dir -r requirements.txt -r dev.txt", "pip", ("requirements.txt", "dev.txt")),
    ("pip install -e .[test]", "pip", ("pyproject.toml",)),
    ("uv pip sync requirements.lock", "pip", ("requirements.lock",)),
    ("uv sync --frozen --no-install-project", "uv", ("pyproject.toml", "uv.lock")),
    ("poetry install --no-root --only main", "poetry", ("pyproject.toml", "poetry.lock")),
    ("pipenv install --deploy --system", "pipenv", ("Pipfile", "Pipfile.lock")),
    ("go mod download -x", "go", ("go.mod", "go.sum")),
    ("CGO_ENABLED=0 go build -o /out/app ./cmd/app", "go", ("go.mod", "go.sum")),
    ("bundle install --jobs 4", "bundler", ("Gemfile", "Gemfile.lock")),
    ("composer install --no-dev", "composer", ("composer.json", "composer.lock")),
    ("cargo chef cook --release --recipe-path recipe.json", "cargo", ("Cargo.toml", "Cargo.lock")),
    ("./mvnw -B org.apache.maven.plugins:maven-dependency-plugin:3.6.1:go-offline", "maven", ("pom.xml",)),
    ("./gradlew :app:bootJar --no-daemon", "gradle", ("build.gradle(.kts)", "settings.gradle(.kts)")),
    ("dotnet publish -c Release -o /out", "dotnet", ("*.csproj", "*.sln")),
    ("mix deps.get --only prod", "mix", ("mix.exs", "mix.lock")),
    ("flutter pub get", "pub", ("pubspec.yaml", "pubspec.lock")),
    ("pdm sync --prod --no-editable", "pdm", ("pyproject.toml", "pdm.lock")),
    ("pip-sync", "pip-tools", ("requirements.txt",)),
    ("pip-sync requirements/prod.txt", "pip-tools", ("requirements/prod.txt",)),
    ("sbt 'project core' core/assembly", "sbt", ("build.sbt", "project/")),
    ("lein do clean, uberjar", "leiningen", ("project.clj",)),
    ("clj -A:dev -P", "clojure", ("deps.edn",)),
    ("cabal build --only-dependencies", "cabal", ("*.cabal", "cabal.project*")),
    ("stack install --local-bin-path /opt/bin", "stack", ("stack.yaml", "stack.yaml.lock", "package.yaml")),
    ("cpanm -n --installdeps .", "cpanm", ("cpanfile",)),
    ("carton install --deployment", "carton", ("cpanfile", "cpanfile.snapshot")),
    ("shards install --production", "shards", ("shard.yml", "shard.lock")),
    ("conan install .. --build=missing", "conan", ("conanfile.txt or conanfile.py",)),
    ("/usr/local/vcpkg/vcpkg install", "vcpkg", ("vcpkg.json",)),
    ("julia --project=. -e 'using Pkg; Pkg.instantiate()'", "julia", ("Project.toml", "Manifest.toml")),
    ("R -e 'renv::restore()'", "renv", ("renv.lock",)),
    ("nimble install -y --depsOnly", "nimble", ("*.nimble",)),
])
def test_dependency_installs(command, ecosystem, manifests):
    [found] = dependency_installs([parse_shell(command)])
    assert (found.ecosystem, found.manifests) == (ecosystem, manifests)


@pytest.mark.parametrize("command, fetch", [
    ("npm ci", ""),
    ("go mod download", ""),
    ("go build ./...", "`go mod download`"),
    ("cargo fetch", ""),
    ("cargo build --release", "`cargo fetch` (with a stub src/main.rs) or cargo-chef"),
    ("mvn -B dependency:go-offline", ""),
    ("mvn clean package", "`mvn dependency:go-offline`"),
    ("./mvnw -B verify", "`./mvnw dependency:go-offline`"),
    ("gradle dependencies", ""),
    ("./gradlew build --no-daemon", "`./gradlew dependencies`"),
    ("dotnet restore", ""),
    ("dotnet publish -c Release", "`dotnet restore`"),
    ("swift package resolve", ""),
    ("swift build -c release", "`swift package resolve`"),
    ("sbt update", ""),
    ("sbt clean universal:packageBin", "`sbt update`"),
    ("lein deps", ""),
    ("lein with-profile prod uberjar", "`lein deps`"),
    ("stack build --only-dependencies", ""),
    ("cabal install --installdir=/usr/local/bin", "`cabal build --only-dependencies`"),
    # Python's installs that install the project too need its sources; their dependency-only form does not.
    ("poetry install --no-root --only main", ""),
    ("poetry install --only main", "`poetry install --only main --no-root`"),
    ("uv sync --frozen --no-install-project", ""),
    ("uv sync --frozen --no-dev", "`uv sync --frozen --no-dev --no-install-project`"),
    ("pdm install --prod --no-self", ""),
    ("pdm sync --prod", "`pdm sync --prod --no-self`"),
    ("pip install -r requirements.txt", ""),
    ("pip install -r requirements.txt .", "`pip install -r requirements.txt` (without the project)"),
    ("pip install -e .[test]", "`pip install -r` of a requirements file compiled from it (`pip-compile`, "
                               "`uv pip compile`), or `uv pip install -r pyproject.toml`"),
])
def test_fetch_advice_for_commands_that_also_build(command, fetch):
    """A command that builds the project needs its sources; the advice names the dependency-only step."""
    [found] = dependency_installs([parse_shell(command)])
    assert found.fetch == fetch


@pytest.mark.parametrize("command", [
    "npm install -g pm2", "npm install express", "yarn build", "pip install flask", "pip install --no-deps .",
    "poetry install --only-root", "uv sync --only-install-project", "pipenv install requests", "go install golang.org/x/tools/gopls@latest",
    "go build -mod=vendor ./...", "bundle exec rake", "cargo install cargo-chef", "mvn -v", "gradle --version",
    "dotnet publish --no-restore", "composer require monolog/monolog",
    "pdm add requests", "sbt clean", "sbt --version", "lein repl", "clojure -M:Prod -m app", "stack setup",
    "cabal update", "cpanm App::cpanminus", "cpanm --installdeps Some::Module", "shards build --release",
    "conan install --requires=zlib/1.3", "conan install zlib/1.2.11@", "vcpkg install zlib",
    "julia -e 'using Pkg; Pkg.add(\"JSON\")'", "R -e \"install.packages('plumber')\"", "nimble install jester",
])
def test_not_dependency_installs(command):
    assert dependency_installs([parse_shell(command)]) == []


def _analysis(text):
    file = dflint.parse(text)
    return file, Analysis("Dockerfile", file)


def test_copied_destinations():
    file, analysis = _analysis(
        "FROM alpine:3.20\nWORKDIR /app\nENV D=/opt\n"
        "COPY . .\nCOPY a.sh b.sh $D/bin/\nCOPY x /x\nCOPY <<EOF /etc/\nhi\nEOF\nADD https://e.org/t.tgz /t/\n")
    found = [[(c.path, c.kind) for c in copies.copied(analysis.model, node)] for node in file.instructions[3:]]
    assert found == [
        [("/app", "tree")],
        [("/opt/bin/a.sh", "file"), ("/opt/bin/b.sh", "file")],
        [("/x", "either")],
        [("/etc/EOF", "file")],
        [("/t/t.tgz", "file")],
    ]


@pytest.mark.parametrize("path, recursive, kind, expected", [
    ("/app", True, "tree", "same"), ("/app", False, "tree", None), ("/app/run.sh", False, "tree", "inside"),
    ("/app/*.sh", False, "tree", "inside"), ("/", True, "tree", "ancestor"), ("/x", False, "file", None),
    ("/app", False, "file", "same"), ("/app/sub", False, "file", None), ("/app", False, "either", "same"),
])
def test_relation(path, recursive, kind, expected):
    entry = copies.Copied("/app", kind, None)
    assert copies.relation(path, recursive, entry) == expected


def test_image_stages_leave_out_builders():
    file, analysis = _analysis(
        "FROM a:1 AS base\nFROM base AS build\nFROM base AS dev\nFROM b:1\nCOPY --from=build /x /x\n")
    assert history.image_stages(analysis.model) == frozenset({0, 2, 3})


@pytest.mark.parametrize("first, second, reason", [
    ("apt-get update", "apt-get install -y x", None),
    ("a; b", "c && d | e", None),
    ("cd /src", "make", "`cd` changes the shell"),
    ("X=1", "echo $X", "sets the shell variable X"),
    ("sleep 1 & wait", "b", "runs in the background"),
    ("a", "b || true", "`||` would end the && chain"),
    ("a", "b; c", "`;` would end the && chain"),
    ("a", "if b; then c; fi", "compound commands"),
])
def test_merge_reasons(first, second, reason):
    found = merge.state_change(parse_shell(first)) or merge.chain_break(parse_shell(second))
    assert (found is None) if reason is None else (reason in found)
