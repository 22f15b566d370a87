// Validates Backstage catalog files with @backstage/catalog-model, as the catalog backend would.
//
// Usage: node check_backstage.js FILE...   Prints one line per problem; exits 1 if there are any.
// Each file is read with the `yaml` package (every document of the stream). Each entity must pass
// the catalog's default policies (envelope and entity schemas, field formats, no foreign root
// fields, namespace defaulting) and its kind's validator (the JSON schema of System, Component,
// Resource v1alpha1); a kind other than those is a problem. Every entity reference in `spec`
// (`dependsOn`, `system`) must name an entity of the same file, entity refs must be unique in it, and
// every `spec.owner` must be a reference that could name a User or Group (a valid entity name).
// References to entities that other catalogs define (workloads deployed elsewhere) are listed,
// one per line, in FILE.elsewhere when there is such a file, and count as defined.
// Run with NODE_PATH pointing at the installed node_modules.
'use strict';

const fs = require('fs');
const YAML = require('yaml');
const model = require('@backstage/catalog-model');

const KINDS = {
  System: model.systemEntityV1alpha1Validator,
  Component: model.componentEntityV1alpha1Validator,
  Resource: model.resourceEntityV1alpha1Validator,
};
const validator = model.makeValidator();
const policy = model.EntityPolicies.allOf([
  new model.DefaultNamespaceEntityPolicy(),
  new model.NoForeignRootFieldsEntityPolicy(),
  new model.FieldFormatEntityPolicy(),
  new model.SchemaValidEntityPolicy(),
]);

async function main() {
  const problems = [];
  let count = 0;
  for (const path of process.argv.slice(2)) {
    count += await checkFile(path, problems);
  }
  for (const problem of problems) console.log(problem);
  console.log(`${count} entities checked, ${problems.length} problems`);
  process.exit(problems.length === 0 ? 0 : 1);
}

/** Checks the entities of one file (one catalog), pushing problems; returns how many there were. */
async function checkFile(path, problems) {
  const entities = [];
  {
    let documents;
    try {
      documents = YAML.parseAllDocuments(fs.readFileSync(path, 'utf8'), { strict: true, uniqueKeys: true });
    } catch (error) {
      problems.push(`${path}: cannot read: ${error.message}`);
      return 0;
    }
    documents.forEach((document, index) => {
      const where = `${path} document ${index + 1}`;
      for (const error of [...document.errors, ...document.warnings]) {
        problems.push(`${where}: YAML: ${error.message}`);
      }
      const entity = document.toJS();
      if (entity !== null && entity !== undefined) entities.push({ where, entity });
    });
  }
  const refs = new Map();
  for (const { where, entity } of entities) {
    try {
      const checked = await policy.enforce(JSON.parse(JSON.stringify(entity)));
      if (!checked) throw new Error('rejected by the default policies');
      const kind = KINDS[entity.kind];
      if (!kind) throw new Error(`kind \`${entity.kind}\` is not System, Component or Resource`);
      if ((await kind.check(checked)) !== true) throw new Error(`not a ${entity.kind} v1alpha1 entity`);
      const ref = model.stringifyEntityRef(checked);
      if (refs.has(ref)) throw new Error(`\`${ref}\` is also ${refs.get(ref)}`);
      refs.set(ref, where);
    } catch (error) {
      problems.push(`${where}: ${error.message}`);
    }
  }
  if (fs.existsSync(`${path}.elsewhere`)) {
    for (const line of fs.readFileSync(`${path}.elsewhere`, 'utf8').split('\n').filter(Boolean)) {
      const ref = model.stringifyEntityRef(model.parseEntityRef(line, { defaultNamespace: 'default' }));
      if (!refs.has(ref)) refs.set(ref, 'another catalog');
    }
  }
  for (const { where, entity } of entities) {
    const spec = entity.spec || {};
    const targets = [
      ...(spec.dependsOn || []).map((ref) => [ref, undefined]),
      ...(spec.system ? [[spec.system, 'system']] : []),
    ];
    if (spec.owner !== undefined) {
      try {
        const owner = model.parseEntityRef(spec.owner, { defaultKind: 'group', defaultNamespace: 'default' });
        if (!validator.isValidEntityName(owner.name) || !validator.isValidNamespace(owner.namespace)) {
          throw new Error('its name or namespace is not a valid entity name');
        }
      } catch (error) {
        problems.push(`${where}: owner \`${spec.owner}\` can name no entity: ${error.message}`);
      }
    }
    for (const [ref, defaultKind] of targets) {
      let parsed;
      try {
        parsed = model.parseEntityRef(ref, { defaultKind, defaultNamespace: 'default' });
      } catch (error) {
        problems.push(`${where}: \`${ref}\`: ${error.message}`);
        continue;
      }
      if (!refs.has(model.stringifyEntityRef(parsed))) {
        problems.push(`${where}: \`${ref}\` names no entity of this file`);
      }
    }
  }
  return entities.length;
}

main().catch((error) => {
  console.log(`check_backstage.js failed: ${error.stack}`);
  process.exit(2);
});
