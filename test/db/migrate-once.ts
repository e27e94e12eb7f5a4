/**
 * A process that migrates the database named on its command line and exits; the migrate
 * test starts two of them at once. `node --import tsx test/db/migrate-once.ts <url>`.
 */
import { openDatabase } from '../../src/db/client.ts';
import { migrateDatabase } from '../../src/db/migrate.ts';

const url = process.argv[2];
if (!url) throw new Error('usage: migrate-once.ts <database url>');
const handle = await openDatabase(url);
try {
  await migrateDatabase(handle);
  process.stdout.write('migrated\n');
} finally {
  await handle.close();
}
