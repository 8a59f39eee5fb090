"""Offline-first sync for the mobile app (WatermelonDB's pull/push protocol), served by the
projects subgraph as `syncPull` and `syncPush`: change tracking lives in the database (migration
0002: commit stamps, tombstones), conflicts refuse a push whole, repeated pushes apply once."""
