export default /* sql */ `
-- A gate between blob purges and backups, never written. A purge (blobs.purge) locks it in SHARE
-- mode, a backup's snapshot in ROW EXCLUSIVE mode: the two conflict, purges do not block each other,
-- nor backups (ROW EXCLUSIVE is allowed in the snapshot's read-only transaction). A backup takes it
-- before its snapshot and holds it until the originals that snapshot still needs are copied, so a
-- photo's upload that finishes processing meanwhile keeps its original until the backup has it.
create table blob_purge_gate ();
`;
