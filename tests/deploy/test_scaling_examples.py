"""The scaling examples of deploy/scaling/ (docs/scaling.md) load, and agree with the deployment they extend."""
from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

import yaml
from dagster._core.instance.config import dagster_instance_config

from personax_platform.llm.models import load_models
from personax_platform.warehouse.store import LakeLocation
from tests.conftest import REPO_ROOT
from tests.deploy import compose
from tests.deploy.dockerfile import Dockerfile

SCALING = REPO_ROOT / "deploy" / "scaling"
DOCKERFILE = Dockerfile.read(REPO_ROOT / "Dockerfile")


def instance_file(path: Path) -> dict:
    """The file as Dagster reads it: a config error raises here."""
    config, _ = dagster_instance_config(str(path.parent), path.name)
    return dict(config)


def test_the_kubernetes_instance_differs_from_the_deployment_only_in_the_launcher_and_run_limits():
    k8s, deployed = instance_file(SCALING / "dagster.k8s.yaml"), instance_file(REPO_ROOT / "deploy" / "dagster.yaml")
    changed = {key for key in k8s.keys() | deployed.keys() if k8s.get(key) != deployed.get(key)}
    assert changed == {"run_launcher", "concurrency"}
    assert k8s["concurrency"]["pools"] == deployed["concurrency"]["pools"]

    launcher = k8s["run_launcher"]["config"]
    assert launcher["dagster_home"] == DOCKERFILE.env["DAGSTER_HOME"]
    mounted = {mount["mountPath"] for mount in launcher["volume_mounts"]}
    assert {DOCKERFILE.env["PERSONAX_DATA_DIR"], DOCKERFILE.env["PERSONAX_LANDING_DIR"]} <= mounted
    given = {entry.split("=", 1)[0] for entry in launcher["env_vars"]}
    assert {"DAGSTER_POSTGRES_HOST", "DAGSTER_POSTGRES_PORT"} <= given  # the rest comes from the .env Secret


def test_the_bucket_instance_keeps_no_lake_on_a_volume_and_differs_from_the_shared_volume_one_only_there():
    bucket, shared = instance_file(SCALING / "dagster.k8s.bucket.yaml"), instance_file(SCALING / "dagster.k8s.yaml")
    assert {key for key in bucket.keys() | shared.keys() if bucket.get(key) != shared.get(key)} == {"run_launcher"}
    launcher, shared_launcher = bucket["run_launcher"]["config"], shared["run_launcher"]["config"]
    assert bucket["run_launcher"]["class"] == shared["run_launcher"]["class"] == "K8sRunLauncher"
    differing = {key for key in launcher.keys() | shared_launcher.keys()
                 if launcher.get(key) != shared_launcher.get(key)}
    assert differing <= {"env_vars", "volumes", "volume_mounts"}, differing
    assert launcher["env_secrets"] == ["personax-env"]  # .env as a Secret: the keys never appear in this file

    env = dict(entry.split("=", 1) for entry in launcher["env_vars"])
    assert {"DAGSTER_POSTGRES_HOST", "DAGSTER_POSTGRES_PORT"} <= env.keys()
    assert LakeLocation.parse(env["PERSONAX_LAKE_DIR"]).scheme == "s3"
    assert not {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} & env.keys()

    # Nothing is mounted where the lake or the catalog would be: the data dir stays pod-local.
    mounted = {mount["mountPath"]: mount for mount in launcher["volume_mounts"]}
    data_dir = PurePosixPath(DOCKERFILE.env["PERSONAX_DATA_DIR"])
    assert not [path for path in mounted if data_dir in (PurePosixPath(path), *PurePosixPath(path).parents)
                or PurePosixPath(path) in data_dir.parents]
    # The landing files are inputs: read-only. The one writable mount holds only the files that must outlive a pod,
    # the LLM response cache and the release folders, and the run environment points them there.
    assert mounted[DOCKERFILE.env["PERSONAX_LANDING_DIR"]]["readOnly"] is True
    writable = [path for path, mount in mounted.items() if not mount.get("readOnly")]
    assert len(writable) == 1
    for variable in ("PERSONAX_LLM_CACHE", "PERSONAX_RELEASE_DIR"):
        assert PurePosixPath(writable[0]) in PurePosixPath(env[variable]).parents, variable
    claims = {volume["name"]: volume["persistentVolumeClaim"] for volume in launcher["volumes"]}
    assert {mount["name"] for mount in launcher["volume_mounts"]} == claims.keys()
    assert all(claims[m["name"]].get("readOnly", False) == m.get("readOnly", False) for m in mounted.values())


def test_the_litellm_router_serves_every_model_of_the_router_models_file(monkeypatch):
    import litellm  # ~3 s to import: only this test needs it

    text = (SCALING / "litellm-router.yaml").read_text()
    router_config = yaml.safe_load(text)
    for name in re.findall(r"os\.environ/([A-Z_][A-Z0-9_]*)", text):
        monkeypatch.setenv(name, f"https://{name.lower()}.invalid" if name.endswith("API_BASE") else "placeholder")
    router = litellm.Router(model_list=router_config["model_list"], **router_config["router_settings"])
    for model in load_models(SCALING / "models.router.yaml"):
        provider, name = model.model.split("/", 1)
        assert provider == "openai" and urlparse(model.api_base).hostname == "llm-router"
        deployments = [d["litellm_params"] for d in router_config["model_list"] if d["model_name"] == name]
        assert len(deployments) >= 2, f"{name}: the router is there to spread a model over several deployments"
        assert model.rpm <= sum(d["rpm"] for d in deployments) and model.tpm <= sum(d["tpm"] for d in deployments)
        answer = router.completion(model=name, messages=[{"role": "user", "content": "hi"}], mock_response="ok")
        assert answer.choices[0].message.content == "ok"


def test_the_router_override_adds_an_unpublished_proxy_and_points_the_user_code_at_it():
    loaded = compose.load([compose.COMPOSE_FILE, SCALING / "compose.llm-router.yaml"])
    services = loaded.config["services"]
    assert not services["llm-router"].get("ports")
    source = loaded.written["services"]["llm-router"]["volumes"][0].split(":")[0]
    assert (REPO_ROOT / source).resolve() == SCALING / "litellm-router.yaml"
    models_file = loaded.written["services"]["usercode"]["environment"]["PERSONAX_MODELS_CONFIG"]
    assert DOCKERFILE.repo_path(models_file) == SCALING / "models.router.yaml"
    assert loaded.written["services"]["llm-router"]["env_file"] == ".env"


def test_the_local_llm_models_file_points_at_the_compose_llm_service(compose_config):
    llm = [str(part) for part in compose_config.config["services"]["llm"]["command"]]
    (model,) = load_models(REPO_ROOT / "deploy" / "models.compose-llm.yaml")
    endpoint = urlparse(model.api_base)
    assert (endpoint.hostname, str(endpoint.port)) == ("llm", llm[llm.index("--port") + 1])
    assert model.api_key_env in compose.example_variables(active_only=True)
    assert model.max_concurrency == int(llm[llm.index("--parallel") + 1])
