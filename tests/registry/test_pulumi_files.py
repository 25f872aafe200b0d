"""The Pulumi files as the Pulumi CLI reads them: ``Pulumi.yaml``, every rendered stack file and the
policy pack's ``PulumiPolicy.yaml``.

The CLI is not installable here, so the rules come from its sources (pulumi/pulumi, Go):
``Pulumi.yaml`` is validated against the project schema (``tests/data/pulumi-project.schema.json``,
``workspace.ValidateProject``) but keys the schema does not name are accepted and ignored; a stack
file is unmarshalled leniently into ``workspace.ProjectStack`` (only the five keys below are read,
anything else is dropped without a word); ``PulumiPolicy.yaml`` into ``workspace.PolicyPackProject``;
the Python language host reads three ``runtime.options`` (``parseOptions`` in
``sdk/python/cmd/pulumi-language-python/main.go``). A typo in any of these files is silently lost,
so each checker below is also shown to catch one.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from consortium.registry.load import load_registry
from consortium.registry.render import STACKS_DIR, render_registry
from consortium.registry.stackconfig import CONFIG_KEY, PROJECT
from tests.conftest import REPO, copy_registry

PROJECT_SCHEMA = json.loads((REPO / "tests" / "data" / "pulumi-project.schema.json").read_text())
# workspace.ProjectStack's fields (yaml tags).
STACK_KEYS = {"config", "secretsprovider", "encryptedkey", "encryptionsalt", "environment"}
# workspace.PolicyPackProject's fields (yaml tags).
POLICY_PACK_KEYS = {"runtime", "version", "main", "description", "author", "website", "license"}
# The Python language host's runtime options and the values it accepts (None: any string).
PYTHON_OPTIONS: dict[str, set[str] | None] = {
    "virtualenv": None,
    "toolchain": {"pip", "poetry", "uv"},
    "typechecker": {"mypy", "pyright"},
}
# The engine's own config namespace (e.g. ``pulumi:disable-default-providers``).
ENGINE_NAMESPACE = "pulumi"


def provider_namespaces() -> set[str]:
    """The config namespaces of the providers the program uses: the plugin name each installed
    Pulumi provider package declares (``pulumi-plugin.json``), for every one ``infra/`` imports."""
    modules = set()
    for source in (REPO / "infra").rglob("*.py"):
        modules |= set(re.findall(r"^\s*(?:from|import) (pulumi_[a-z0-9_]+)", source.read_text(), re.M))
    names = set()
    for module in modules:
        plugin = resources.files(module) / "pulumi-plugin.json"
        names.add(json.loads(plugin.read_text())["name"])
    return names


def _python_runtime_problems(runtime: Any, where: str) -> list[str]:
    """What the Python language host would reject or ignore in a ``runtime`` entry."""
    if isinstance(runtime, str):
        return [] if runtime == "python" else [f"{where}: runtime {runtime!r} is not python"]
    if not isinstance(runtime, dict) or runtime.get("name") != "python":
        return [f"{where}: runtime is not python"]
    problems = []
    for key, value in (runtime.get("options") or {}).items():
        if key not in PYTHON_OPTIONS:
            problems.append(f"{where}: runtime.options.{key}: not an option of the Python language host")
        elif not isinstance(value, str):
            problems.append(f"{where}: runtime.options.{key}: must be a string")
        elif (allowed := PYTHON_OPTIONS[key]) is not None and value not in allowed:
            problems.append(f"{where}: runtime.options.{key}: {value!r} is not one of {sorted(allowed)}")
    return problems


def project_problems(doc: Any) -> list[str]:
    """Schema errors, keys the schema does not name (the CLI would ignore them) and runtime options."""
    validator = jsonschema.Draft202012Validator(PROJECT_SCHEMA)
    problems = [
        f"Pulumi.yaml: {'.'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
        for e in validator.iter_errors(doc)
    ]
    if isinstance(doc, dict):
        known = PROJECT_SCHEMA["properties"]
        problems += [f"Pulumi.yaml: {k}: not a key of the project schema" for k in doc if k not in known]
        problems += _python_runtime_problems(doc.get("runtime"), "Pulumi.yaml")
    return problems


def _config_key_problem(key: Any, namespaces: set[str]) -> str | None:
    """Why the CLI would refuse or misread a config key (``config.ParseKey``), or None."""
    if not isinstance(key, str) or key.count(":") != 1:
        # ParseKey also takes ``<ns>:config:<name>`` (an old form); the toolkit never writes it.
        return "not of the form <namespace>:<name>"
    namespace = key.split(":", 1)[0]
    return None if namespace in namespaces else f"namespace {namespace!r} is neither the project nor a provider"


def stack_file_problems(doc: Any, rel: str, namespaces: set[str]) -> list[str]:
    """What the CLI would drop, refuse or warn about in a stack file."""
    if not isinstance(doc, dict):
        return [f"{rel}: not a mapping"]
    problems = [f"{rel}: {k}: not a key the Pulumi CLI reads in a stack file" for k in doc if k not in STACK_KEYS]
    config = doc.get("config")
    if not isinstance(config, dict):
        return [*problems, f"{rel}: config: missing or not a mapping"]
    for key, value in config.items():
        if (why := _config_key_problem(key, namespaces)) is not None:
            problems.append(f"{rel}: config.{key}: {why}")
        if value is None:  # the CLI warns and reads it as an empty string (checkForEmptyConfig)
            problems.append(f"{rel}: config.{key}: null")
        secure = isinstance(value, dict) and "secure" in value
        if secure and (set(value) != {"secure"} or not isinstance(value["secure"], str)):
            problems.append(f"{rel}: config.{key}: a secure value is a mapping with one string, secure")
    for key in ("secretsprovider", "encryptedkey", "encryptionsalt"):
        if key in doc and not isinstance(doc[key], str):
            problems.append(f"{rel}: {key}: must be a string")
    return problems


def policy_pack_problems(doc: Any, pack_dir: Path) -> list[str]:
    """What the CLI and the Python language host would drop or refuse in ``PulumiPolicy.yaml``."""
    rel = "policies/PulumiPolicy.yaml"
    if not isinstance(doc, dict):
        return [f"{rel}: not a mapping"]
    problems = [f"{rel}: {k}: not a key of a policy pack project" for k in doc if k not in POLICY_PACK_KEYS]
    if "runtime" not in doc:
        problems.append(f"{rel}: runtime: missing (the CLI refuses the pack)")
    problems += _python_runtime_problems(doc.get("runtime"), rel)
    options = (doc.get("runtime") or {}).get("options", {}) if isinstance(doc.get("runtime"), dict) else {}
    # Without the option the host looks for a virtualenv named "venv" in the pack directory.
    venv = pack_dir / str(options.get("virtualenv", "venv"))
    if not (venv / "pyvenv.cfg").is_file():
        problems.append(f"{rel}: runtime.options.virtualenv: {venv} is not a virtualenv")
    main = pack_dir / str(doc.get("main", "."))
    if not (main / "__main__.py").is_file():
        problems.append(f"{rel}: main: {main} has no __main__.py for `python -m pulumi.policy` to run")
    return problems


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- Pulumi.yaml


def test_pulumi_yaml_validates_against_the_project_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(PROJECT_SCHEMA)
    assert project_problems(_load(REPO / "Pulumi.yaml")) == []


def test_pulumi_yaml_names_the_project_program_stacks_and_virtualenv_the_toolkit_uses() -> None:
    doc = _load(REPO / "Pulumi.yaml")
    assert doc["name"] == PROJECT  # the config namespace the program and the renderer use
    assert (REPO / doc["main"] / "__main__.py").is_file()
    assert doc["stackConfigDir"] == STACKS_DIR
    assert (REPO / doc["runtime"]["options"]["virtualenv"] / "pyvenv.cfg").is_file()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"name": ""}, "Pulumi.yaml: name: '' should be non-empty"),
        ({"runtime": None}, "Pulumi.yaml: runtime: None is not valid"),
        ({"stackconfigdir": "stacks"}, "Pulumi.yaml: stackconfigdir: not a key of the project schema"),
        ({"runtime": {"name": "python", "options": {"virtualEnv": ".venv"}}}, "options.virtualEnv: not an option"),
        ({"runtime": {"name": "python", "options": {"toolchain": "pipenv"}}}, "'pipenv' is not one of"),
        ({"runtime": "nodejs"}, "Pulumi.yaml: runtime 'nodejs' is not python"),
    ],
)
def test_project_check_catches_what_the_cli_would_refuse_or_ignore(change: dict[str, Any], expected: str) -> None:
    doc = {**_load(REPO / "Pulumi.yaml"), **change}
    assert any(p.startswith(expected) or expected in p for p in project_problems(doc)), project_problems(doc)


# --------------------------------------------------------------------------- stack files


def test_every_rendered_stack_file_holds_only_what_the_cli_reads() -> None:
    namespaces = {PROJECT, ENGINE_NAMESPACE, *provider_namespaces()}
    assert "azure-native" in namespaces  # the program's provider, found from its imports
    rendered = {rel: text for rel, text in render_registry(load_registry(REPO)).items() if rel.startswith(STACKS_DIR)}
    committed = {p.relative_to(REPO).as_posix(): p.read_text() for p in (REPO / STACKS_DIR).glob("Pulumi.*.yaml")}
    assert set(rendered) == set(committed) and "stacks/Pulumi.hub.yaml" in rendered
    for rel, text in {**committed, **rendered}.items():
        doc = yaml.safe_load(text)
        assert stack_file_problems(doc, rel, namespaces) == []
        assert f"{PROJECT}:{CONFIG_KEY}" in doc["config"], rel


def test_a_stack_file_keeps_what_engineers_add_with_the_cli_valid_across_renders(tmp_path: Path) -> None:
    """``pulumi stack init``, ``config set --secret`` and ``config env add`` write into the stack file;
    render keeps every such key, and the result still holds only what the CLI reads."""
    root = copy_registry(tmp_path)
    path = root / "stacks" / "Pulumi.verona.yaml"
    doc = _load(path)
    added = {
        "secretsprovider": "azurekeyvault://kv-consortium.vault.azure.net/keys/pulumi",
        "encryptedkey": "ZW5jcnlwdGVk",
        "environment": ["dane-county/azure-credentials"],
    }
    doc["config"]["consortium:vpn-psk-city-hall"] = {"secure": "v1:abc:def"}
    path.write_text(yaml.safe_dump({**doc, **added}, sort_keys=False))
    text = render_registry(load_registry(root))["stacks/Pulumi.verona.yaml"]
    again = yaml.safe_load(text)
    assert {k: again.get(k) for k in added} == added
    assert again["config"]["consortium:vpn-psk-city-hall"] == {"secure": "v1:abc:def"}
    assert stack_file_problems(again, "stacks/Pulumi.verona.yaml", {PROJECT, *provider_namespaces()}) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"configs": {}}, "configs: not a key the Pulumi CLI reads"),
        ({"config": {"stack": {}}}, "config.stack: not of the form <namespace>:<name>"),
        ({"config": {"azure:location": "centralus"}}, "config.azure:location: namespace 'azure' is neither"),
        ({"config": {"consortium:budget-start": None}}, "config.consortium:budget-start: null"),
        ({"config": {"consortium:psk": {"secure": "x", "plain": "y"}}}, "a secure value is a mapping"),
        ({"encryptionsalt": 12}, "encryptionsalt: must be a string"),
    ],
)
def test_stack_file_check_catches_what_the_cli_would_drop_or_refuse(change: dict[str, Any], expected: str) -> None:
    doc = {**_load(REPO / "stacks" / "Pulumi.verona.yaml"), **change}
    problems = stack_file_problems(doc, "x", {PROJECT, "azure-native"})
    assert any(expected in p for p in problems), problems


# --------------------------------------------------------------------------- PulumiPolicy.yaml


def test_policy_pack_file_carries_what_the_cli_and_python_host_read() -> None:
    pack = REPO / "policies"
    doc = _load(pack / "PulumiPolicy.yaml")
    assert policy_pack_problems(doc, pack) == []
    # the pack runs in the project's own virtualenv, where the toolkit and pulumi-policy are installed
    venv = (pack / doc["runtime"]["options"]["virtualenv"]).resolve()
    assert venv == (REPO / _load(REPO / "Pulumi.yaml")["runtime"]["options"]["virtualenv"]).resolve()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"runtime": {"name": "python"}}, "runtime.options.virtualenv:"),  # falls back to policies/venv
        ({"runtime": {"name": "python", "options": {"virtualenv": ".venv"}}}, "is not a virtualenv"),
        ({"runtime": {"name": "python", "options": {"venv": "../.venv"}}}, "runtime.options.venv: not an option"),
        ({"name": "consortium-security-standard"}, "name: not a key of a policy pack project"),
        ({"main": "rules/"}, "has no __main__.py"),
    ],
)
def test_policy_pack_check_catches_what_the_cli_would_refuse_or_ignore(change: dict[str, Any], expected: str) -> None:
    pack = REPO / "policies"
    doc = {**_load(pack / "PulumiPolicy.yaml"), **change}
    problems = policy_pack_problems(doc, pack)
    assert any(expected in p for p in problems), problems
