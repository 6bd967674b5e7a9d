import { randomUUID } from 'node:crypto';

/** New ids come from here so tests can make them predictable. */
let generate: () => string = randomUUID;

export function newUuid(): string {
  return generate();
}

export function setUuidGeneratorForTests(next: (() => string) | undefined): void {
  generate = next ?? randomUUID;
}
