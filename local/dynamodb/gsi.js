// @ts-check

/**
 * UpdateTable's GlobalSecondaryIndexUpdates `Create` and `Delete` (dynalite accepts and ignores
 * them).
 *
 * - Create: the index is added to the table's description as CREATING (Backfilling), the
 *   existing items are indexed in the background (each under its item lock, so a concurrent write
 *   is never overwritten by the backfill), then the index is ACTIVE. Writes made meanwhile maintain
 *   the index already (dynalite reads the table description on every write).
 * - Delete: the index leaves the table's description at once (answered as DELETING) and its
 *   entries are removed; deleting an index that does not exist is ResourceNotFoundException.
 * As in DynamoDB, one index can be created or deleted per request, alone.
 */

const errors = require('./errors');
const { MAX_PROJECTED, duplicateProjection } = require('./tables');

const NAME = /^[a-zA-Z0-9_.-]{3,255}$/;

class GlobalIndexes {
  /**
   * @param {{ store: any, db: any, prefixes: { item: (t: string) => string, index: (type: string, t: string, i: string) => string }, log: (msg: string) => void }} opts
   *   db: dynalite's db module (getIndexActions, createKey); prefixes: its LevelDB key layout
   */
  constructor(opts) {
    this.store = opts.store;
    this.dbm = opts.db;
    this.prefixes = opts.prefixes;
    this.log = opts.log;
    /** @type {Set<Promise<void>>} */
    this.backfills = new Set();
  }

  /** True when this UpdateTable request creates or deletes an index (ours to serve). @param {any} data */
  static handles(data) {
    return (
      Array.isArray(data.GlobalSecondaryIndexUpdates) &&
      data.GlobalSecondaryIndexUpdates.some((/** @type {any} */ u) => u && typeof u === 'object' && (u.Create || u.Delete))
    );
  }

  /** @param {string} name @returns {Promise<any>} */
  table(name) {
    return new Promise((resolve, reject) =>
      this.store.getTable(name, false, (/** @type {any} */ e, /** @type {any} */ t) => (e ? reject(e) : resolve(t))),
    );
  }

  /**
   * Runs fn with the table description, under dynalite's table lock, and saves what fn returns.
   * @param {string} name
   * @param {(table: any) => any} fn
   */
  withTable(name, fn) {
    const tableDb = this.store.tableDb;
    return new Promise((resolve, reject) => {
      tableDb.lock(name, (/** @type {any} */ release) => {
        const done = release((/** @type {any} */ err, /** @type {any} */ value) => (err ? reject(err) : resolve(value)));
        this.store.getTable(name, false, (/** @type {any} */ err, /** @type {any} */ table) => {
          if (err) return done(err);
          let out;
          try {
            out = fn(table);
          } catch (e) {
            return done(e);
          }
          tableDb.put(name, table, (/** @type {any} */ e) => done(e, out));
        });
      });
    });
  }

  /** @param {any} data UpdateTable request */
  async update(data) {
    const updates = data.GlobalSecondaryIndexUpdates.filter((/** @type {any} */ u) => u && (u.Create || u.Delete));
    if (updates.length > 1) {
      throw errors.apiError(
        `${errors.DDB}LimitExceededException`,
        'Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table',
      );
    }
    const others = ['ProvisionedThroughput', 'BillingMode', 'StreamSpecification', 'SSESpecification', 'ReplicaUpdates'].filter(
      (k) => data[k] != null,
    );
    if (others.length || data.GlobalSecondaryIndexUpdates.length > 1) {
      throw errors.validation(
        'One or more parameter values were invalid: an UpdateTable request that creates or deletes a global secondary index can do nothing else (' +
          [...others, ...(data.GlobalSecondaryIndexUpdates.length > 1 ? ['GlobalSecondaryIndexUpdates.Update'] : [])].join(', ') +
          ')',
      );
    }
    const u = updates[0];
    return u.Create ? this.create(data, u.Create) : this.remove(data, u.Delete);
  }

  /** @param {any} data @param {any} spec */
  async create(data, spec) {
    if (typeof spec.IndexName !== 'string' || !NAME.test(spec.IndexName)) {
      throw errors.validation(
        "1 validation error detected: Value '" +
          spec.IndexName +
          "' at 'globalSecondaryIndexUpdates.1.member.create.indexName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+ and have length between 3 and 255",
      );
    }
    if (
      !Array.isArray(spec.KeySchema) ||
      spec.KeySchema.length < 1 ||
      spec.KeySchema.length > 2 ||
      spec.KeySchema.some(
        (/** @type {any} */ k) => !k || typeof k.AttributeName !== 'string' || (k.KeyType !== 'HASH' && k.KeyType !== 'RANGE'),
      )
    ) {
      throw errors.validation(`One or more parameter values were invalid: Invalid KeySchema for index ${spec.IndexName}`);
    }
    const projection = spec.Projection;
    if (!projection || !['ALL', 'KEYS_ONLY', 'INCLUDE'].includes(projection.ProjectionType)) {
      throw errors.validation(`One or more parameter values were invalid: Unknown ProjectionType: ${projection?.ProjectionType}`);
    }
    // CreateTable's projection rules, in DynamoDB's words
    if (projection.ProjectionType === 'INCLUDE' && projection.NonKeyAttributes == null) {
      throw errors.validation(
        'One or more parameter values were invalid: ProjectionType is INCLUDE, but NonKeyAttributes is not specified',
      );
    }
    if (projection.ProjectionType !== 'INCLUDE' && projection.NonKeyAttributes != null) {
      throw errors.validation(
        `One or more parameter values were invalid: ProjectionType is ${projection.ProjectionType}, but NonKeyAttributes is specified`,
      );
    }
    if (
      projection.ProjectionType === 'INCLUDE' &&
      (!Array.isArray(projection.NonKeyAttributes) || !projection.NonKeyAttributes.length)
    ) {
      throw errors.validation(
        "1 validation error detected: Value '[]' at 'globalSecondaryIndexUpdates.1.member.create.projection.nonKeyAttributes' failed to satisfy constraint: Member must have length greater than or equal to 1",
      );
    }
    const name = data.TableName;
    const description = await this.withTable(name, (table) => {
      if (table.TableStatus !== 'ACTIVE')
        throw errors.apiError(
          `${errors.DDB}ResourceInUseException`,
          `Attempt to change a resource which is still in use: Table is being updated: ${name}`,
        );
      const all = [...(table.GlobalSecondaryIndexes || []), ...(table.LocalSecondaryIndexes || [])];
      const keys = [...table.KeySchema, ...spec.KeySchema].map((/** @type {any} */ k) => k.AttributeName);
      const duplicate = duplicateProjection(spec.IndexName, projection.NonKeyAttributes, keys);
      if (duplicate) throw errors.validation(duplicate);
      if (all.some((i) => i.IndexName === spec.IndexName)) {
        throw errors.validation('One or more parameter values were invalid: Attempting to create an index which already exists');
      }
      const projected = [...all, spec].reduce(
        (n, i) => n + (Array.isArray(i.Projection?.NonKeyAttributes) ? i.Projection.NonKeyAttributes.length : 0),
        0,
      );
      if (projected > MAX_PROJECTED) {
        throw errors.validation(
          `One or more parameter values were invalid: Number of projected attributes in all indexes exceeds limit of ${MAX_PROJECTED}, number of projected attributes: ${projected}`,
        );
      }
      const payPerRequest = table.BillingModeSummary?.BillingMode === 'PAY_PER_REQUEST';
      if (!payPerRequest && !spec.ProvisionedThroughput) {
        throw errors.validation(
          "1 validation error detected: Value null at 'globalSecondaryIndexUpdates.1.member.create.provisionedThroughput' failed to satisfy constraint: Member must not be null",
        );
      }
      // AttributeDefinitions, as DynamoDB answers them (observed by nubo-db/dynamodb-conformance,
      // tests/tier2/updateTable/gsi): the request must itself define the new index's key
      // attributes (the table's stored definitions do not count); an attribute already defined
      // keeps its stored type even when the request names another; definitions no key uses are
      // dropped, so the table ends with one definition per key attribute of the table and its indexes.
      const requested = (Array.isArray(data.AttributeDefinitions) ? data.AttributeDefinitions : []).filter(
        (/** @type {any} */ d) => d && typeof d.AttributeName === 'string',
      );
      requested.forEach((/** @type {any} */ d, /** @type {number} */ i) => {
        if (!['S', 'N', 'B'].includes(d.AttributeType)) {
          throw errors.validation(
            `1 validation error detected: Value '${d.AttributeType}' at 'attributeDefinitions.${i + 1}.member.attributeType' ` +
              'failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]',
          );
        }
      });
      if (new Set(requested.map((/** @type {any} */ d) => d.AttributeName)).size !== requested.length) {
        throw errors.validation('Cannot have two attributes with the same name');
      }
      for (const k of spec.KeySchema) {
        if (!requested.some((/** @type {any} */ d) => d.AttributeName === k.AttributeName)) {
          throw errors.validation(
            'One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [' +
              spec.KeySchema.map((/** @type {any} */ x) => x.AttributeName).join(', ') +
              '], AttributeDefinitions: [' +
              requested.map((/** @type {any} */ d) => d.AttributeName).join(', ') +
              ']',
          );
        }
      }
      /** @param {string} attr */
      const typeOf = (attr) =>
        table.AttributeDefinitions.find((/** @type {any} */ d) => d.AttributeName === attr)?.AttributeType ??
        requested.find((/** @type {any} */ d) => d.AttributeName === attr)?.AttributeType;
      const used = new Set(
        [...table.KeySchema, ...all.flatMap((i) => i.KeySchema || []), ...spec.KeySchema].map(
          (/** @type {any} */ k) => k.AttributeName,
        ),
      );
      table.AttributeDefinitions = [...used].map((attr) => ({ AttributeName: attr, AttributeType: typeOf(attr) }));
      const index = {
        IndexName: spec.IndexName,
        KeySchema: spec.KeySchema,
        Projection:
          projection.ProjectionType === 'INCLUDE'
            ? { ProjectionType: 'INCLUDE', NonKeyAttributes: projection.NonKeyAttributes }
            : { ProjectionType: projection.ProjectionType },
        IndexStatus: 'CREATING',
        Backfilling: true,
        IndexArn: `${table.TableArn}/index/${spec.IndexName}`,
        IndexSizeBytes: 0,
        ItemCount: 0,
        ProvisionedThroughput: payPerRequest
          ? { ReadCapacityUnits: 0, WriteCapacityUnits: 0, NumberOfDecreasesToday: 0 }
          : { ...spec.ProvisionedThroughput, NumberOfDecreasesToday: 0 },
      };
      table.GlobalSecondaryIndexes = [...(table.GlobalSecondaryIndexes || []), index];
      return JSON.parse(JSON.stringify(table));
    });
    const job = this.backfill(name, spec.IndexName)
      .catch((err) => this.log(`backfill of index ${spec.IndexName} on ${name} failed: ${err?.stack || err}`))
      .finally(() => this.backfills.delete(job));
    this.backfills.add(job);
    return { TableDescription: description };
  }

  /** @param {string} name @param {string} indexName */
  async backfill(name, indexName) {
    await new Promise((resolve) => setImmediate(resolve));
    const table = await this.table(name);
    const index = (table.GlobalSecondaryIndexes || []).find((/** @type {any} */ i) => i.IndexName === indexName);
    if (!index) return;
    const itemDb = this.store.getItemDb(name);
    const indexDb = this.store.getIndexDb('global', name, indexName);
    const pfx = this.prefixes.item(name);
    for await (const item of this.store.db.values({ gte: pfx, lt: `${pfx}\xff` })) {
      const key = this.dbm.createKey(item, table);
      await new Promise((resolve, reject) => {
        itemDb.lock(key, (/** @type {any} */ release) => {
          const done = release((/** @type {any} */ err) => (err ? reject(err) : resolve(undefined)));
          itemDb.get(key, (/** @type {any} */ err, /** @type {any} */ current) => {
            if (err && err.name !== 'NotFoundError') return done(err);
            if (!current) return done(); // deleted meanwhile
            const { puts } = this.dbm.getIndexActions([index], null, current, table);
            if (!puts.length) return done();
            indexDb.put(puts[0].key, puts[0].item, done);
          });
        });
      });
    }
    await this.withTable(name, (t) => {
      const i = (t.GlobalSecondaryIndexes || []).find((/** @type {any} */ x) => x.IndexName === indexName);
      if (i) {
        i.IndexStatus = 'ACTIVE';
        delete i.Backfilling;
      }
    });
  }

  /** @param {any} data @param {any} spec */
  async remove(data, spec) {
    const name = data.TableName;
    const indexName = spec.IndexName;
    const description = await this.withTable(name, (table) => {
      const list = table.GlobalSecondaryIndexes || [];
      const index = list.find((/** @type {any} */ i) => i.IndexName === indexName);
      if (!index) throw errors.notFound(`Requested resource not found: Index: ${indexName} not found for table ${name}`);
      if (index.IndexStatus === 'CREATING') {
        throw errors.apiError(
          `${errors.DDB}ResourceInUseException`,
          `Attempt to change a resource which is still in use: Index is being created: ${indexName}`,
        );
      }
      const answer = JSON.parse(JSON.stringify(table));
      answer.GlobalSecondaryIndexes.find((/** @type {any} */ i) => i.IndexName === indexName).IndexStatus = 'DELETING';
      const rest = list.filter((/** @type {any} */ i) => i.IndexName !== indexName);
      if (rest.length) table.GlobalSecondaryIndexes = rest;
      else delete table.GlobalSecondaryIndexes;
      return answer;
    });
    const pfx = this.prefixes.index('Global', name, indexName);
    const ops = [];
    for await (const key of this.store.db.keys({ gte: pfx, lt: `${pfx}\xff` })) ops.push({ type: 'del', key });
    if (ops.length) await this.store.db.batch(ops);
    return { TableDescription: description };
  }

  /** Waits for running backfills (tests, shutdown). */
  async settle() {
    await Promise.all([...this.backfills]);
  }
}

module.exports = { GlobalIndexes };
