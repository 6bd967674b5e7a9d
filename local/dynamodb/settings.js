// @ts-check

/**
 * Table settings dynalite drops from CreateTable and refuses in UpdateTable: deletion protection,
 * table class, on-demand throughput limits and server-side encryption (CreateTable only).
 *
 * - Kept in the engine's LevelDB under `$settings~<table>` (survives a restart with --path),
 *   apart from dynalite's table record (dynalite re-writes that record from its own copy when a
 *   table turns ACTIVE, which would drop fields added to it). DeleteTable and a re-created table
 *   forget them.
 * - Descriptions (CreateTable, DescribeTable, UpdateTable, DeleteTable) carry
 *   `DeletionProtectionEnabled` (false unless enabled, as DynamoDB describes every table),
 *   `TableClassSummary`, `OnDemandThroughput` and `SSEDescription` when they were given.
 * - DeleteTable of a protected table is a ValidationException (the words "protected against
 *   deletion" are DynamoDB's, as nubo-db/dynamodb-conformance checks them; the sentence around them
 *   is ours).
 * - UpdateTable may change `DeletionProtectionEnabled`, `TableClass` and `OnDemandThroughput`
 *   alone (dynalite answered "At least one of ProvisionedThroughput, BillingMode, ... is required").
 *   Changes take effect at once (no UPDATING status, no rate limit on protection changes).
 */

const errors = require('./errors');

const ROOT = '$settings~';
const TABLE_CLASSES = ['STANDARD', 'STANDARD_INFREQUENT_ACCESS'];
/** Request fields handled here. */
const FIELDS = ['DeletionProtectionEnabled', 'TableClass', 'OnDemandThroughput', 'SSESpecification'];
/** UpdateTable fields dynalite handles itself. */
const DYNALITE_UPDATES = [
  'ProvisionedThroughput',
  'BillingMode',
  'StreamSpecification',
  'GlobalSecondaryIndexUpdates',
  'SSESpecification',
  'ReplicaUpdates',
];

/**
 * @typedef {{
 *   DeletionProtectionEnabled?: boolean,
 *   TableClass?: string,
 *   OnDemandThroughput?: { MaxReadRequestUnits?: number, MaxWriteRequestUnits?: number },
 *   SSEDescription?: { Status: string, SSEType: string, KMSMasterKeyArn: string },
 * }} Settings
 */

/**
 * @param {string} field
 * @param {any} value
 * @param {string} constraint
 */
function invalid(field, value, constraint) {
  const shown = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return errors.validation(
    `1 validation error detected: Value '${shown}' at '${field.charAt(0).toLowerCase()}${field.slice(1)}' failed to satisfy constraint: ${constraint}`,
  );
}

class TableSettings {
  /** @param {{ db: any, region: string }} opts */
  constructor(opts) {
    this.db = opts.db;
    this.region = opts.region;
    /** @type {Map<string, Settings>} */
    this.tables = new Map();
  }

  async load() {
    for (const [key, value] of await this.db.iterator({ gte: ROOT, lt: `${ROOT}\xff` }).all()) {
      this.tables.set(String(key).slice(ROOT.length), value);
    }
  }

  /**
   * True when the request names a setting handled here.
   * @param {any} data
   */
  static named(data) {
    return FIELDS.some((f) => data[f] != null);
  }

  /**
   * An UpdateTable that changes only settings handled here (dynalite would refuse it).
   * @param {any} data
   */
  static onlySettings(data) {
    return (
      ['DeletionProtectionEnabled', 'TableClass', 'OnDemandThroughput'].some((f) => data[f] != null) &&
      !DYNALITE_UPDATES.some((f) => data[f] != null)
    );
  }

  /**
   * Validates the settings of a CreateTable / UpdateTable request; throws a ValidationException.
   * @param {any} data
   */
  static validate(data) {
    const protection = data.DeletionProtectionEnabled;
    if (protection != null && typeof protection !== 'boolean') {
      throw invalid('DeletionProtectionEnabled', protection, 'Member must be a boolean');
    }
    if (data.TableClass != null && !TABLE_CLASSES.includes(data.TableClass)) {
      throw invalid('TableClass', data.TableClass, `Member must satisfy enum value set: [${TABLE_CLASSES.join(', ')}]`);
    }
    const od = data.OnDemandThroughput;
    if (od != null) {
      if (typeof od !== 'object' || Array.isArray(od)) throw invalid('OnDemandThroughput', od, 'Member must be a structure');
      for (const f of ['MaxReadRequestUnits', 'MaxWriteRequestUnits']) {
        if (od[f] != null && (typeof od[f] !== 'number' || !Number.isInteger(od[f]))) {
          throw invalid(`OnDemandThroughput.${f}`, od[f], 'Member must be a number');
        }
      }
    }
    const sse = data.SSESpecification;
    if (sse != null && (typeof sse !== 'object' || Array.isArray(sse))) {
      throw invalid('SSESpecification', sse, 'Member must be a structure');
    }
  }

  /**
   * The settings of a new table.
   * @param {string} tableName
   * @param {any} data CreateTable request (validated)
   */
  async create(tableName, data) {
    /** @type {Settings} */
    const s = { DeletionProtectionEnabled: data.DeletionProtectionEnabled === true };
    if (data.TableClass != null) s.TableClass = data.TableClass;
    if (data.OnDemandThroughput != null) s.OnDemandThroughput = { ...data.OnDemandThroughput };
    if (data.SSESpecification?.Enabled === true) {
      const key = data.SSESpecification.KMSMasterKeyId;
      s.SSEDescription = {
        Status: 'ENABLED',
        SSEType: 'KMS',
        KMSMasterKeyArn:
          typeof key === 'string' && key.startsWith('arn:')
            ? key
            : `arn:aws:kms:${this.region}:000000000000:key/${typeof key === 'string' && key ? key : 'aws/dynamodb'}`,
      };
    }
    await this.save(tableName, s);
  }

  /**
   * Applies an UpdateTable's settings (validated).
   * @param {string} tableName
   * @param {any} data
   */
  async update(tableName, data) {
    const s = { ...(this.tables.get(tableName) || { DeletionProtectionEnabled: false }) };
    if (data.DeletionProtectionEnabled != null) s.DeletionProtectionEnabled = data.DeletionProtectionEnabled;
    if (data.TableClass != null) s.TableClass = data.TableClass;
    if (data.OnDemandThroughput != null) s.OnDemandThroughput = { ...s.OnDemandThroughput, ...data.OnDemandThroughput };
    await this.save(tableName, s);
  }

  /**
   * @param {string} tableName
   * @param {Settings} s
   */
  async save(tableName, s) {
    this.tables.set(tableName, s);
    await this.db.put(ROOT + tableName, s);
  }

  /** @param {string} tableName */
  async forget(tableName) {
    if (!this.tables.delete(tableName)) return;
    await this.db.del(ROOT + tableName);
  }

  /**
   * Throws when the table may not be deleted.
   * @param {string} tableName
   */
  checkDeletable(tableName) {
    if (this.tables.get(tableName)?.DeletionProtectionEnabled) {
      throw errors.validation(
        `Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first. Table: ${tableName}`,
      );
    }
  }

  /**
   * Fields for a table description.
   * @param {string} tableName
   */
  describeFields(tableName) {
    const s = this.tables.get(tableName);
    /** @type {Record<string, any>} */
    const out = { DeletionProtectionEnabled: s?.DeletionProtectionEnabled === true };
    if (!s) return out;
    if (s.TableClass) out.TableClassSummary = { TableClass: s.TableClass };
    if (s.OnDemandThroughput) out.OnDemandThroughput = { ...s.OnDemandThroughput };
    if (s.SSEDescription) out.SSEDescription = { ...s.SSEDescription };
    return out;
  }
}

module.exports = { TableSettings };
