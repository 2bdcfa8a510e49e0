"""moto_server, with RDS automated-backup replication into another region.

moto 5.2.1 has no StartDBInstanceAutomatedBackupsReplication, lists only a region's own automated
snapshots in DescribeDBInstanceAutomatedBackups (no Region, no RestoreWindow, no ARN), and restores
to a point in time only from SourceDBInstanceIdentifier in the same region. Here, as RDS documents it:
- StartDBInstanceAutomatedBackupsReplication, called in the destination region with the source's ARN,
  replicates that instance's automated backups there
  (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_StartDBInstanceAutomatedBackupsReplication.html);
- DescribeDBInstanceAutomatedBackups in the destination lists them with the source's identifier and
  Region, status "replicating", a DBInstanceAutomatedBackupsArn and a RestoreWindow from the
  source's creation to 5 minutes ago (replication lags the source by minutes)
  (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBInstanceAutomatedBackup.html);
- RestoreDBInstanceToPointInTime with SourceDBInstanceAutomatedBackupsArn restores them in the
  destination, refusing a RestoreTime outside the window
  (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBInstanceToPointInTime.html).

Usage: python3 moto-replicated-backups.py <moto_server arguments>
"""

import copy
import sys
from datetime import datetime, timedelta, timezone

from moto.rds.exceptions import InvalidParameterValue
from moto.rds.models import RDSBackend, rds_backends
from moto.core.responses import ActionResult
from moto.rds.responses import RDSResponse
from moto.server import main

# destination backend (account, region) -> {source ARN: backup ARN}
_REPLICATIONS = {}
_LAG = timedelta(minutes=5)


def _source_of(source_arn):
    parts = source_arn.split(":")
    account, region, name = parts[4], parts[3], parts[-1]
    return region, rds_backends[account][region].describe_db_instances(db_instance_identifier=name)[0]


class ReplicatedBackup:
    def __init__(self, backend, source_arn, arn):
        region, source = _source_of(source_arn)
        now = datetime.now(timezone.utc)
        self.DBInstanceAutomatedBackupsArn = arn
        self.DBInstanceArn = source_arn
        self.DBInstanceIdentifier = source.db_instance_identifier
        self.DbiResourceId = source.dbi_resource_id
        self.Region = region
        self.Status = "replicating"
        self.Engine = source.engine
        self.RestoreWindow = {"EarliestTime": now - timedelta(days=1), "LatestTime": now - _LAG}
        self.source = source


def _replicated(backend):
    return [
        ReplicatedBackup(backend, source_arn, arn)
        for source_arn, arn in _REPLICATIONS.get((backend.account_id, backend.region_name), {}).items()
    ]


def start_db_instance_automated_backups_replication(self):
    source_arn = self.params.get("SourceDBInstanceArn")
    _source_of(source_arn)
    name = source_arn.split(":")[-1]
    arn = f"arn:aws:rds:{self.region}:{self.current_account}:auto-backup:ab-{name}-replica"
    _REPLICATIONS.setdefault((self.current_account, self.region), {})[source_arn] = arn
    backup = ReplicatedBackup(self.backend, source_arn, arn)
    return ActionResult({"DBInstanceAutomatedBackup": backup})


_own_describe = RDSBackend.describe_db_instance_automated_backups


def describe_db_instance_automated_backups(self, db_instance_identifier=None, **kwargs):
    own = _own_describe(self, db_instance_identifier=db_instance_identifier, **kwargs)
    return own + [b for b in _replicated(self) if db_instance_identifier in (None, b.DBInstanceIdentifier)]


_own_restore = RDSResponse.restore_db_instance_to_point_in_time


def restore_db_instance_to_point_in_time(self):
    arn = self.params.get("SourceDBInstanceAutomatedBackupsArn")
    if not arn:
        return _own_restore(self)
    found = [b for b in _replicated(self.backend) if b.DBInstanceAutomatedBackupsArn == arn]
    if not found:
        raise InvalidParameterValue(f"Automated backup {arn} not found")
    backup = found[0]
    time = self.params.get("RestoreTime")
    if time is not None:
        when = time if isinstance(time, datetime) else datetime.fromisoformat(str(time).replace("Z", "+00:00"))
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        window = backup.RestoreWindow
        if when < window["EarliestTime"] or when > window["LatestTime"]:
            raise InvalidParameterValue("The restore time is outside the restore window of the automated backups")
    # As moto restores to a point in time in one region, with the source read from its own region.
    source = backup.source
    props = {}
    for key, value in source.__dict__.items():
        key = key[1:] if key.startswith("_") else key
        if key in ("backend", "db_subnet_group", "max_allocated_storage"):
            continue
        props[key] = copy.deepcopy(value)
    props["db_name"] = source.db_name
    if not source.option_group_supplied:
        del props["option_group_name"]
    for key, value in self.params.items():
        if value:
            props[key] = value
    props["db_instance_identifier"] = self.params.get("TargetDBInstanceIdentifier")
    instance = self.backend.create_db_instance(props)
    return ActionResult({"DBInstance": instance})


RDSResponse.start_db_instance_automated_backups_replication = start_db_instance_automated_backups_replication
RDSResponse.restore_db_instance_to_point_in_time = restore_db_instance_to_point_in_time
RDSBackend.describe_db_instance_automated_backups = describe_db_instance_automated_backups

if __name__ == "__main__":
    main(sys.argv[1:])
