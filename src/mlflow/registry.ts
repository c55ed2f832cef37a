/**
 * The model registry: registered models and their numbered versions, with stages (None,
 * Staging, Production, Archived), aliases, tags and the latest version per stage.
 * @module
 */
import { invalid, MlflowError, notFound } from "./errors.ts";
import {
  checkKey,
  checkName,
  checkValueLength,
  type Fields,
  optBool,
  optInt,
  optString,
  readTags,
  reqString,
  stringList,
} from "./fields.ts";
import { keys, tagList } from "./records.ts";
import {
  checkAttributes,
  matches,
  maxResults,
  page,
  parseFilter,
  parseOrderBy,
  sortBy,
  taggedEntityField,
} from "./search.ts";
import type { StoreWrite, TrackingStore } from "../log/mod.ts";
import type { Publish } from "./publisher.ts";
import { Serial } from "./serial.ts";

export const STAGES = ["None", "Staging", "Production", "Archived"] as const;
type Stage = typeof STAGES[number];

interface ModelRecord {
  readonly name: string;
  readonly creation_timestamp: number;
  readonly last_updated_timestamp: number;
  readonly description: string;
  readonly tags: Readonly<Record<string, string>>;
  /** alias → version number */
  readonly aliases: Readonly<Record<string, number>>;
  readonly next_version: number;
}

interface VersionRecord {
  readonly name: string;
  readonly version: number;
  readonly creation_timestamp: number;
  readonly last_updated_timestamp: number;
  readonly user_id: string;
  readonly current_stage: Stage;
  readonly description: string;
  readonly source: string;
  readonly run_id: string;
  readonly run_link: string;
  readonly tags: Readonly<Record<string, string>>;
}

export class Registry {
  readonly #serial = new Serial();

  constructor(private readonly store: TrackingStore, private readonly publish: Publish) {}

  createModel(f: Fields) {
    const name = reqString(f, "name");
    checkName("Registered model", name);
    const tags = readTags(f);
    return this.#serial.run(async () => {
      if (await this.store.get(keys.model(name))) {
        throw new MlflowError(
          "RESOURCE_ALREADY_EXISTS",
          `Registered Model (name=${name}) already exists.`,
        );
      }
      const now = Date.now();
      const model: ModelRecord = {
        name,
        creation_timestamp: now,
        last_updated_timestamp: now,
        description: optString(f, "description") ?? "",
        tags,
        aliases: {},
        next_version: 1,
      };
      await this.store.write([{ key: keys.model(name), value: model }]);
      await this.publish("model", { action: "registered", name });
      return { registered_model: this.#modelJson(model, []) };
    });
  }

  async getModel(f: Fields) {
    const model = await this.#model(reqString(f, "name"));
    return { registered_model: this.#modelJson(model, await this.#versions(model.name)) };
  }

  renameModel(f: Fields) {
    const name = reqString(f, "name");
    const newName = reqString(f, "new_name");
    checkName("Registered model", newName);
    return this.#serial.run(async () => {
      const model = await this.#model(name);
      if (newName !== name && await this.store.get(keys.model(newName))) {
        throw new MlflowError(
          "RESOURCE_ALREADY_EXISTS",
          `Registered Model (name=${newName}) already exists.`,
        );
      }
      const versions = await this.#versions(name);
      const renamed = { ...model, name: newName, last_updated_timestamp: Date.now() };
      const moved = versions.map((v) => ({ ...v, name: newName }));
      await this.store.write([
        { key: keys.model(name), value: null },
        ...versions.map((v) => ({ key: keys.version(name, v.version), value: null })),
        { key: keys.model(newName), value: renamed },
        ...moved.map((v) => ({ key: keys.version(newName, v.version), value: v })),
      ]);
      return { registered_model: this.#modelJson(renamed, moved) };
    });
  }

  updateModel(f: Fields) {
    const name = reqString(f, "name");
    return this.#serial.run(async () => {
      const model = await this.#model(name);
      const updated = {
        ...model,
        description: optString(f, "description") ?? model.description,
        last_updated_timestamp: Date.now(),
      };
      await this.store.write([{ key: keys.model(name), value: updated }]);
      return { registered_model: this.#modelJson(updated, await this.#versions(name)) };
    });
  }

  deleteModel(f: Fields) {
    const name = reqString(f, "name");
    return this.#serial.run(async () => {
      await this.#model(name);
      const versions = await this.#versions(name);
      await this.store.write([
        { key: keys.model(name), value: null },
        ...versions.map((v) => ({ key: keys.version(name, v.version), value: null })),
      ]);
      await this.publish("model", { action: "deleted", name });
      return {};
    });
  }

  async searchModels(f: Fields) {
    const filter = parseFilter(optString(f, "filter"));
    const order = parseOrderBy(stringList(f, "order_by"));
    const limit = maxResults(optInt(f, "max_results"), 100, 1000);
    checkAttributes(
      [...filter, ...order].map((c) => c.ident),
      MODEL_ATTRIBUTES,
      "registered models",
    );
    const models = (await this.store.list<ModelRecord>(keys.models)).map((e) => e.value)
      .filter((m) => matches(m, filter, modelField));
    sortBy(models, [...order, ...parseOrderBy(["name ASC"])], modelField);
    const { items, next } = page(models, limit, optString(f, "page_token"));
    const out = await Promise.all(
      items.map(async (m) => this.#modelJson(m, await this.#versions(m.name))),
    );
    return { registered_models: out.length ? out : undefined, next_page_token: next };
  }

  async latestVersions(f: Fields) {
    const model = await this.#model(reqString(f, "name"));
    const stages = stringList(f, "stages").map(canonicalStage);
    const latest = latestPerStage(await this.#versions(model.name))
      .filter((v) => stages.length === 0 || stages.includes(v.current_stage));
    return {
      model_versions: latest.length ? latest.map((v) => versionJson(v, model)) : undefined,
    };
  }

  setModelTag(f: Fields) {
    const name = reqString(f, "name");
    const key = reqString(f, "key");
    const value = optString(f, "value") ?? "";
    checkKey("tag", key);
    checkValueLength("tag", key, value);
    return this.#updateModel(name, (m) => ({ ...m, tags: { ...m.tags, [key]: value } }));
  }

  deleteModelTag(f: Fields) {
    const name = reqString(f, "name");
    const key = reqString(f, "key");
    return this.#updateModel(name, (m) => {
      const { [key]: _gone, ...tags } = m.tags;
      return { ...m, tags };
    });
  }

  setAlias(f: Fields) {
    const name = reqString(f, "name");
    const alias = reqString(f, "alias");
    const version = versionNumber(f);
    checkAlias(alias);
    return this.#serial.run(async () => {
      await this.#version(name, version);
      return this.#updateModelNow(
        name,
        (m) => ({ ...m, aliases: { ...m.aliases, [alias]: version } }),
      );
    });
  }

  deleteAlias(f: Fields) {
    const name = reqString(f, "name");
    const alias = reqString(f, "alias");
    return this.#updateModel(name, (m) => {
      const { [alias]: _gone, ...aliases } = m.aliases;
      return { ...m, aliases };
    });
  }

  async versionByAlias(f: Fields) {
    const model = await this.#model(reqString(f, "name"));
    const alias = reqString(f, "alias");
    const version = model.aliases[alias];
    if (version === undefined) {
      throw notFound(`Registered model alias ${alias} not found.`);
    }
    return { model_version: versionJson(await this.#version(model.name, version), model) };
  }

  createVersion(f: Fields) {
    const name = reqString(f, "name");
    const source = reqString(f, "source");
    const tags = readTags(f);
    return this.#serial.run(async () => {
      const model = await this.#model(name);
      const now = Date.now();
      const version: VersionRecord = {
        name,
        version: model.next_version,
        creation_timestamp: now,
        last_updated_timestamp: now,
        user_id: "",
        current_stage: "None",
        description: optString(f, "description") ?? "",
        source,
        run_id: optString(f, "run_id") ?? "",
        run_link: optString(f, "run_link") ?? "",
        tags,
      };
      await this.store.write([
        { key: keys.version(name, version.version), value: version },
        {
          key: keys.model(name),
          value: { ...model, next_version: model.next_version + 1, last_updated_timestamp: now },
        },
      ]);
      await this.publish("model", {
        action: "version_created",
        name,
        version: String(version.version),
        run_id: version.run_id,
      });
      return { model_version: versionJson(version, model) };
    });
  }

  async getVersion(f: Fields) {
    const name = reqString(f, "name");
    const model = await this.#model(name);
    return { model_version: versionJson(await this.#version(name, versionNumber(f)), model) };
  }

  updateVersion(f: Fields) {
    const name = reqString(f, "name");
    const version = versionNumber(f);
    const description = optString(f, "description");
    return this.#updateVersion(name, version, (v) => ({
      ...v,
      description: description ?? v.description,
    }));
  }

  deleteVersion(f: Fields) {
    const name = reqString(f, "name");
    const version = versionNumber(f);
    return this.#serial.run(async () => {
      const model = await this.#model(name);
      await this.#version(name, version);
      const aliases = Object.fromEntries(
        Object.entries(model.aliases).filter(([, v]) => v !== version),
      );
      await this.store.write([
        { key: keys.version(name, version), value: null },
        { key: keys.model(name), value: { ...model, aliases, last_updated_timestamp: Date.now() } },
      ]);
      return {};
    });
  }

  async searchVersions(f: Fields) {
    const filter = parseFilter(optString(f, "filter"));
    const order = parseOrderBy(stringList(f, "order_by"));
    const limit = maxResults(optInt(f, "max_results"), 10000, 200000);
    checkAttributes(
      [...filter, ...order].map((c) => c.ident),
      VERSION_ATTRIBUTES,
      "model versions",
    );
    const versions = (await this.store.list<VersionRecord>(keys.allVersions)).map((e) => e.value)
      .filter((v) => matches(v, filter, versionField));
    sortBy(
      versions,
      [...order, ...parseOrderBy(["name ASC", "version_number DESC"])],
      versionField,
    );
    const { items, next } = page(versions, limit, optString(f, "page_token"));
    const models = new Map<string, ModelRecord>();
    for (const v of items) {
      if (!models.has(v.name)) models.set(v.name, await this.#model(v.name));
    }
    return {
      model_versions: items.length
        ? items.map((v) => versionJson(v, models.get(v.name)!))
        : undefined,
      next_page_token: next,
    };
  }

  transitionStage(f: Fields) {
    const name = reqString(f, "name");
    const version = versionNumber(f);
    const stage = canonicalStage(reqString(f, "stage"));
    const archiveExisting = optBool(f, "archive_existing_versions") ?? false;
    return this.#serial.run(async () => {
      const model = await this.#model(name);
      const target = await this.#version(name, version);
      const now = Date.now();
      const moved = { ...target, current_stage: stage, last_updated_timestamp: now };
      const writes: StoreWrite[] = [{ key: keys.version(name, version), value: moved }];
      if (archiveExisting && (stage === "Staging" || stage === "Production")) {
        for (const v of await this.#versions(name)) {
          if (v.version === version || v.current_stage !== stage) continue;
          writes.push({
            key: keys.version(name, v.version),
            value: { ...v, current_stage: "Archived", last_updated_timestamp: now },
          });
        }
      }
      await this.store.write(writes);
      await this.publish("model", {
        action: "stage_changed",
        name,
        version: String(version),
        stage,
      });
      return { model_version: versionJson(moved, model) };
    });
  }

  setVersionTag(f: Fields) {
    const name = reqString(f, "name");
    const version = versionNumber(f);
    const key = reqString(f, "key");
    const value = optString(f, "value") ?? "";
    checkKey("tag", key);
    checkValueLength("tag", key, value);
    return this.#updateVersion(name, version, (v) => ({ ...v, tags: { ...v.tags, [key]: value } }));
  }

  deleteVersionTag(f: Fields) {
    const name = reqString(f, "name");
    const version = versionNumber(f);
    const key = reqString(f, "key");
    return this.#updateVersion(name, version, (v) => {
      const { [key]: _gone, ...tags } = v.tags;
      return { ...v, tags };
    });
  }

  // ---- internals ----

  async #model(name: string): Promise<ModelRecord> {
    const model = await this.store.get<ModelRecord>(keys.model(name));
    if (!model) throw notFound(`Registered Model with name=${name} not found`);
    return model;
  }

  async #version(name: string, version: number): Promise<VersionRecord> {
    await this.#model(name);
    const found = await this.store.get<VersionRecord>(keys.version(name, version));
    if (!found) throw notFound(`Model Version (name=${name}, version=${version}) not found`);
    return found;
  }

  async #versions(name: string): Promise<VersionRecord[]> {
    return (await this.store.list<VersionRecord>(keys.versions(name))).map((e) => e.value);
  }

  #updateModel(name: string, change: (m: ModelRecord) => ModelRecord) {
    return this.#serial.run(() => this.#updateModelNow(name, change));
  }

  async #updateModelNow(name: string, change: (m: ModelRecord) => ModelRecord) {
    const model = await this.#model(name);
    await this.store.write([{
      key: keys.model(name),
      value: { ...change(model), last_updated_timestamp: Date.now() },
    }]);
    return {};
  }

  #updateVersion(name: string, version: number, change: (v: VersionRecord) => VersionRecord) {
    return this.#serial.run(async () => {
      const model = await this.#model(name);
      const updated = {
        ...change(await this.#version(name, version)),
        last_updated_timestamp: Date.now(),
      };
      await this.store.write([{ key: keys.version(name, version), value: updated }]);
      return { model_version: versionJson(updated, model) };
    });
  }

  #modelJson(m: ModelRecord, versions: readonly VersionRecord[]) {
    const latest = latestPerStage(versions).map((v) => versionJson(v, m));
    const aliases = Object.entries(m.aliases).map(([alias, v]) => ({ alias, version: String(v) }));
    return {
      name: m.name,
      creation_timestamp: m.creation_timestamp,
      last_updated_timestamp: m.last_updated_timestamp,
      description: m.description || undefined,
      latest_versions: latest.length ? latest : undefined,
      tags: tagList(m.tags),
      aliases: aliases.length ? aliases : undefined,
    };
  }
}

function versionJson(v: VersionRecord, model: ModelRecord) {
  const aliases = Object.entries(model.aliases).filter(([, n]) => n === v.version).map(([a]) => a);
  return {
    name: v.name,
    version: String(v.version),
    creation_timestamp: v.creation_timestamp,
    last_updated_timestamp: v.last_updated_timestamp,
    user_id: v.user_id || undefined,
    current_stage: v.current_stage,
    description: v.description || undefined,
    source: v.source,
    run_id: v.run_id || undefined,
    run_link: v.run_link || undefined,
    status: "READY",
    tags: tagList(v.tags),
    aliases: aliases.length ? aliases : undefined,
  };
}

/** The newest version in each stage, in stage order. */
function latestPerStage(versions: readonly VersionRecord[]): VersionRecord[] {
  const latest = new Map<Stage, VersionRecord>();
  for (const v of versions) {
    const seen = latest.get(v.current_stage);
    if (!seen || v.version > seen.version) latest.set(v.current_stage, v);
  }
  return STAGES.flatMap((s) => latest.get(s) ?? []);
}

function canonicalStage(stage: string): Stage {
  const found = STAGES.find((s) => s.toLowerCase() === stage.toLowerCase());
  if (!found) {
    throw invalid(
      `Invalid Model Version stage: ${stage}. Value must be one of ${STAGES.join(", ")}.`,
    );
  }
  return found;
}

function versionNumber(f: Fields): number {
  const raw = reqString(f, "version");
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    throw invalid(`Model version must be an integer, got '${raw}'`);
  }
  return Number(raw);
}

function checkAlias(alias: string): void {
  if (!/^[\w-]{1,255}$/.test(alias) || /^v\d+$/i.test(alias) || alias.toLowerCase() === "latest") {
    throw invalid(
      `Invalid alias name: '${alias}'. Aliases may only contain alphanumerics, underscores and dashes, and may not be 'latest' or of the form 'v<number>'.`,
    );
  }
}

const MODEL_ATTRIBUTES: ReadonlySet<string> = new Set([
  "name",
  "creation_timestamp",
  "last_updated_timestamp",
]);

const modelField = taggedEntityField<ModelRecord>();

const VERSION_ATTRIBUTES: ReadonlySet<string> = new Set([
  "name",
  "run_id",
  "source",
  "source_path",
  "current_stage",
  "creation_timestamp",
  "last_updated_timestamp",
  "version",
  "version_number",
]);

const versionField = taggedEntityField<VersionRecord>({
  source_path: "source",
  version_number: "version",
});
