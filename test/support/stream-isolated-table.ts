// Every stream test file reads "what was written since" from the table's stream, so each gets a
// table (and stream) of its own: writes of other files, run at the same time by another jest
// worker, never land in its records.
import { useIsolatedTable } from './fixtures';

useIsolatedTable();
