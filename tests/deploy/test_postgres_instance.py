"""The deployment's instance file on a real PostgreSQL: a partition materialized through it lands in the database."""
from __future__ import annotations

import dagster as dg
from dagster._core.run_coordinator import QueuedRunCoordinator
from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage, PostgresScheduleStorage

from assets import bios
from deploy.apply_pools import apply_pool_limits, load_pool_limits
from tests.deploy.conftest import connect
from tests.pipeline.resources import pipeline_resources


def test_the_deploy_instance_stores_runs_events_and_schedules_in_postgres(deploy_instance):
    assert isinstance(deploy_instance.run_storage, PostgresRunStorage)
    assert isinstance(deploy_instance.event_log_storage, PostgresEventLogStorage)
    assert isinstance(deploy_instance.schedule_storage, PostgresScheduleStorage)
    assert isinstance(deploy_instance.run_coordinator, QueuedRunCoordinator)
    assert deploy_instance.run_retries_enabled and deploy_instance.run_retries_max_retries == 2
    assert deploy_instance.event_log_storage.supports_global_concurrency_limits


def test_a_partition_materialized_through_the_deploy_instance_is_recorded_in_postgres(
        deploy_instance, postgres_server, deploy_db, warehouse_dirs):
    result = dg.materialize([bios.raw_bios], partition_key="nba", instance=deploy_instance,
                            resources=pipeline_resources(warehouse_dirs))
    assert result.success

    with connect(postgres_server, deploy_db) as con, con.cursor() as cursor:
        cursor.execute("SELECT status FROM runs WHERE run_id = %s", (result.run_id,))
        assert cursor.fetchall() == [("SUCCESS",)]
        cursor.execute("SELECT asset_key, partition FROM event_logs WHERE run_id = %s "
                       "AND dagster_event_type = 'ASSET_MATERIALIZATION'", (result.run_id,))
        assert cursor.fetchall() == [('["bios", "raw_bios"]', "nba")]


def test_the_pool_limits_of_the_deployment_are_written_to_postgres(deploy_instance, postgres_server, deploy_db):
    limits = load_pool_limits()
    apply_pool_limits(deploy_instance, limits)
    apply_pool_limits(deploy_instance, limits)  # docker-compose applies them on every `up`

    with connect(postgres_server, deploy_db) as con, con.cursor() as cursor:
        cursor.execute('SELECT concurrency_key, "limit" FROM concurrency_limits')
        assert dict(cursor.fetchall()) == limits
