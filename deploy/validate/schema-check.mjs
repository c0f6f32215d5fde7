// Checks each object of the given Kubernetes YAML files against Kubernetes' API schema (kubernetes-models: JSON schemas
// generated from Kubernetes' OpenAPI document, 1.27), offline: kinds and apiVersions that exist, required fields, types
// and enums. Unknown fields are not caught (the schemas allow them); the manifest test checks the fields Tollgate needs.
//   node schema-check.mjs FILE...      prints one line per object, exits 1 when any is invalid
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

let failures = 0;
let objects = 0;
for (const file of process.argv.slice(2)) {
  for (const document of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (document.errors.length > 0) {
      console.log(`FAIL ${file}: ${document.errors.map((e) => e.message).join("; ")}`);
      failures++;
      continue;
    }
    const object = document.toJS();
    if (object === null || object === undefined) continue; // an empty document (a trailing ---)
    objects++;
    const name = `${file}: ${object.apiVersion}/${object.kind} ${object.metadata?.name ?? "(no name)"}`;
    try {
      if (typeof object.apiVersion !== "string" || typeof object.kind !== "string") throw new Error("apiVersion and kind are required");
      if (typeof object.metadata?.name !== "string" || object.metadata.name.length === 0) throw new Error("metadata.name is required");
      let models;
      try {
        models = await import(`kubernetes-models/${object.apiVersion}`);
      } catch {
        throw new Error(`no API group/version ${object.apiVersion} in Kubernetes' schema`);
      }
      const Model = models[object.kind];
      if (typeof Model !== "function") throw new Error(`no kind ${object.kind} in ${object.apiVersion}`);
      new Model(object).validate();
      console.log(`ok   ${name}`);
    } catch (error) {
      console.log(`FAIL ${name}: ${error.message}`);
      failures++;
    }
  }
}
console.log(`${objects} objects checked, ${failures} invalid`);
process.exit(failures === 0 && objects > 0 ? 0 : 1);
