"""moto_server, with RDS snapshot sharing across accounts as RDS has it.

moto 5.2.1 looks a snapshot ARN up in the caller's own account, whatever account the ARN names, so
a DR account cannot copy a snapshot shared with it, and it copies an Aurora cluster snapshot across
regions and accounts in one step, which RDS refuses. Here an ARN of another account names that
account's snapshot, found only if it is shared with the caller (the `restore` attribute,
https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_CopyDBClusterSnapshot.CrossAccount.html),
and a shared cluster snapshot is copied only in its own region: "You can only copy DB cluster
snapshots across accounts in the same AWS Region" (same page). AWS documents no error code for it;
InvalidParameterValue is RDS's common error for a bad parameter
(https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/CommonErrors.html).

Usage: python3 moto-shared-snapshots.py <moto_server arguments>
"""

import sys

from moto.rds.exceptions import InvalidParameterValue
from moto.rds.models import RDSBackend, rds_backends
from moto.server import main

_own_get_snapshot = RDSBackend.get_snapshot
_own_copy_cluster_snapshot = RDSBackend.copy_db_cluster_snapshot


def get_snapshot(self, identifier, resource_type, not_found_exception):
    parts = identifier.split(":")
    if identifier.startswith("arn:") and len(parts) >= 7 and parts[4] != self.account_id:
        region, account, name = parts[3], parts[4], parts[-1]
        found = rds_backends[account][region].resource_map[resource_type].get(name)
        restore = found.attributes.get("restore", []) if found is not None else []
        if found is None or (self.account_id not in restore and "all" not in restore):
            raise not_found_exception(name)
        return found
    return _own_get_snapshot(self, identifier, resource_type, not_found_exception)


def copy_db_cluster_snapshot(self, source_db_cluster_snapshot_identifier, *args, **kwargs):
    parts = source_db_cluster_snapshot_identifier.split(":")
    if (
        source_db_cluster_snapshot_identifier.startswith("arn:")
        and len(parts) >= 7
        and parts[4] != self.account_id
        and parts[3] != self.region_name
    ):
        raise InvalidParameterValue(
            "You can only copy a shared DB cluster snapshot, whether encrypted or not, in the same AWS Region."
        )
    return _own_copy_cluster_snapshot(self, source_db_cluster_snapshot_identifier, *args, **kwargs)


RDSBackend.get_snapshot = get_snapshot
RDSBackend.copy_db_cluster_snapshot = copy_db_cluster_snapshot

if __name__ == "__main__":
    main(sys.argv[1:])
