"""One configuration spine: the settings object is built once from an environment plus the files it names, the library
never reads the process environment for configuration, and the definitions derive everything from one object."""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from personax_platform.config.datasets import DEFAULT_CONFIG_PATH
from personax_platform.llm.models import DEFAULT_MODELS_PATH
from personax_platform.offline import OFFLINE_DEFAULTS
from personax_platform.prompts import PROMPTS_DIR
from personax_platform.settings import Settings
from tests.conftest import REPO_ROOT

LIBRARY = REPO_ROOT / "personax_platform"
# Where the library may read the environment: secrets, read at call time (never stored in settings or logs).
# The API keys of the LLM calls and batches, the release secret, the Hub token, the object store keys.
SECRET_READERS = {"llm/client.py", "llm/batch_api.py", "release/secret.py", "release/hub.py",
                  "warehouse/remote_duckdb.py"}


def test_an_empty_environment_gives_the_shipped_defaults():
    settings = Settings.from_environ({})
    assert settings.data_dir == REPO_ROOT / "data"
    assert settings.lake_dir == str(REPO_ROOT / "data" / "lake")
    assert settings.landing_dir == REPO_ROOT / "sample_data" / "landing"
    assert (settings.datasets_config, settings.models_config, settings.prompts_dir) == (
        DEFAULT_CONFIG_PATH, DEFAULT_MODELS_PATH, PROMPTS_DIR)
    assert settings.prompt.id == settings.prompt_id == "number-l3-inc"
    assert "nba" in settings.datasets.leagues and settings.models
    assert (settings.max_failure_rate, settings.max_insufficient_rate, settings.embedded_threads) == (0.2, 0.5, 1)


def test_the_data_directory_moves_every_derived_path_unless_one_is_set_itself(tmp_path):
    settings = Settings.from_environ({"PERSONAX_DATA_DIR": str(tmp_path), "PERSONAX_LAKE_DIR": str(tmp_path / "x")})
    assert settings.lake_dir == str(tmp_path / "x")
    assert settings.warehouse_path == tmp_path / "warehouse.duckdb"
    assert settings.llm_cache_path == tmp_path / "llm_cache.sqlite"
    assert settings.release_dir == tmp_path / "release"


def test_the_files_named_by_the_environment_are_the_ones_loaded(tmp_path):
    models = tmp_path / "models.yaml"
    models.write_text("models:\n  - {name: local, model: openai/x, api_base: 'http://127.0.0.1:1/v1'}\n")
    settings = Settings.from_environ({"PERSONAX_MODELS_CONFIG": str(models), "PERSONAX_PROMPT_ID": "text-l3-inc"})
    assert [m.name for m in settings.models] == ["local"]
    assert settings.prompt.id == "text-l3-inc"


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("PERSONAX_MAX_FAILURE_RATE", "lots", "PERSONAX_MAX_FAILURE_RATE='lots' is not a number"),
    ("PERSONAX_MAX_INSUFFICIENT_RATE", "1.5", r"PERSONAX_MAX_INSUFFICIENT_RATE='1.5' is outside \[0, 1\]"),
    ("PERSONAX_EMBEDDED_THREADS", "0", "PERSONAX_EMBEDDED_THREADS must be a positive integer, got '0'"),
    ("PERSONAX_EMBEDDED_THREADS", "two", "PERSONAX_EMBEDDED_THREADS must be a positive integer, got 'two'"),
])
def test_a_bad_switch_is_refused_naming_the_variable(variable, value, message):
    with pytest.raises(ValueError, match=message):
        Settings.from_environ({variable: value})


def test_a_missing_datasets_file_is_refused_naming_it_and_its_variable(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"missing\.yaml \(PERSONAX_DATASETS_CONFIG names it\)"):
        Settings.from_environ({"PERSONAX_DATASETS_CONFIG": str(tmp_path / "missing.yaml")})


def _environment_reads(path: Path) -> list[int]:
    """Lines of `path` that touch os.environ or os.getenv."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv"}
            and isinstance(node.value, ast.Name) and node.value.id == "os"]


def test_the_library_reads_the_environment_only_for_secrets_and_in_its_command_line_entry_points():
    readers = {path.relative_to(LIBRARY).as_posix(): lines for path in LIBRARY.rglob("*.py")
               if (lines := _environment_reads(path))}
    entry_points = {name for name in readers if name.endswith("__main__.py")}
    assert set(readers) - entry_points == SECRET_READERS, readers


def test_importing_the_library_does_not_apply_the_offline_switches_only_an_entry_point_does(tmp_path):
    code = ("import json, os; import personax_platform, personax_platform.settings, personax_platform.llm.client, "
            "personax_platform.warehouse; print(json.dumps(sorted(os.environ)))")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO_ROOT)}
    library = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert not set(OFFLINE_DEFAULTS) & set(json.loads(library.stdout))
    entry_point = subprocess.run([sys.executable, "-c", "import definitions, os; print(os.environ['HF_HUB_OFFLINE'])"],
                                 cwd=REPO_ROOT, env={**env, "DAGSTER_HOME": str(tmp_path)},
                                 capture_output=True, text=True, check=True)
    assert entry_point.stdout.strip().splitlines()[-1] == "1"


def test_partitions_pool_code_version_and_resources_come_from_the_same_settings(tmp_path):
    """Changing the environment changes them all together; the llm resource asks what the code version says."""
    raw = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"))
    raw["datasets"]["athlepersona"]["leagues"]["mlb"] = raw["datasets"]["athlepersona"]["leagues"]["nba"]
    (tmp_path / "datasets.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    (tmp_path / "models.yaml").write_text(
        "models:\n  - {name: alpha, model: gemini/gemini-2.5-pro, api_key_env: GEMINI_API_KEY}\n")
    code = (
        "import json, definitions as d, dagster as dg\n"
        "from assets.traits import TRAIT_TEXTS\n"
        "spec = next(s for s in d.defs.resolve_all_asset_specs() if s.key == TRAIT_TEXTS)\n"
        "node = d.defs.resolve_asset_graph().get(TRAIT_TEXTS)\n"
        "llm = d.defs.resources['llm']\n"
        "print(json.dumps({'leagues': spec.partitions_def.get_partition_keys(), 'pool': sorted(node.pools),"
        " 'code_version': spec.code_version, 'asked': llm.inference_version(), 'prompt': llm.prompt_id,"
        " 'settings': d.SETTINGS.inference_version()}))\n"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO_ROOT), "DAGSTER_HOME": str(tmp_path),
           "PERSONAX_DATASETS_CONFIG": str(tmp_path / "datasets.yaml"),
           "PERSONAX_MODELS_CONFIG": str(tmp_path / "models.yaml"), "PERSONAX_PROMPT_ID": "text-l3-inc"}
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert "mlb" in seen["leagues"]
    assert seen["pool"] == ["llm_gemini"]
    assert seen["prompt"] == "text-l3-inc"
    assert seen["code_version"] == seen["asked"] == seen["settings"]
    assert seen["code_version"] != Settings.from_environ({}).inference_version()
