import fs from 'node:fs';
import Database from 'better-sqlite3';

/**
 * Writes garbage over one leaf page of `table` in the SQLite file at `file`
 * (closed, its WAL checkpointed): the page the rows at `fraction` of the
 * table's leaf pages (in key order) live on. Pages are found with SQLite's
 * dbstat table, so the damage hits exactly the rows the test chose.
 */
export function damageLeafPage(file: string, table: string, fraction: number): number {
  const db = new Database(file);
  let page: number;
  let pageSize: number;
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
    const leaves = db
      .prepare<[string], number>("SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY path")
      .pluck()
      .all(table);
    if (leaves.length < 3)
      throw new Error(`table ${table} of ${file} has ${leaves.length} leaf pages; damaging one needs at least 3`);
    page = leaves[Math.min(leaves.length - 2, Math.max(1, Math.floor(leaves.length * fraction)))]!;
    pageSize = db.pragma('page_size', { simple: true }) as number;
  } finally {
    db.close();
  }
  const fd = fs.openSync(file, 'r+');
  try {
    fs.writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (page - 1) * pageSize);
  } finally {
    fs.closeSync(fd);
  }
  return page;
}
