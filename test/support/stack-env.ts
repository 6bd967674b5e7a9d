/** setupFiles for full-stack projects: domain code in the test file talks to the stack. */
import { useStackEnv } from './stack';

useStackEnv();
