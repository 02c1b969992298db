// Checks Kubernetes manifests three ways:
//  1. against the Kubernetes API schema (the kubernetes-models package,
//     Kubernetes 1.27), as the API server would;
//  2. strictly: kubernetes-models ignores fields it does not know, as
//     `kubectl apply` does unless told otherwise, so a misspelt key
//     (runAsNonroot) would pass. The schema's own validator is run over a
//     proxy that records every key it reads; a key it never reads is not in
//     the schema;
//  3. Pod Security "restricted" and what golo-host needs (probes, memory
//     limit, writable directories, Secrets behind the TLS and token flags).
//
// node validate.cjs --modules DIR [--expect-error TEXT] FILE.yaml...
// DIR holds node_modules (npm ci of package.json beside this file). With
// --expect-error the run succeeds only when validation fails with TEXT: the
// checks are shown to catch what they claim to.
'use strict';

const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');

const args = process.argv.slice(2);
let modulesDir = null;
let expectError = null;
const files = [];
for (let i = 0; i < args.length; ++i) {
  if (args[i] === '--modules') modulesDir = args[++i];
  else if (args[i] === '--expect-error') expectError = args[++i];
  else files.push(args[i]);
}
if (!modulesDir || files.length === 0) {
  console.error('usage: validate.cjs --modules DIR [--expect-error TEXT] FILE.yaml...');
  process.exit(2);
}
const req = createRequire(path.join(path.resolve(modulesDir), 'package.json'));
const YAML = req('yaml');

const errors = [];
const fail = (where, msg) => errors.push(`${where}: ${msg}`);

// --- 1 and 2: schema, strictly ---------------------------------------------

function modelClass(apiVersion, kind) {
  let mod;
  try {
    // v1, apps/v1, networking.k8s.io/v1: the package's own module paths.
    mod = req(`kubernetes-models/${apiVersion}`);
  } catch (e) {
    return null;
  }
  return mod[kind] || null;
}

// Wraps value so that every property read of every nested object is
// recorded in seen (object -> Set of keys).
function tracked(value, seen) {
  if (value === null || typeof value !== 'object') return value;
  if (!seen.has(value)) seen.set(value, new Set());
  return new Proxy(value, {
    get(target, key, receiver) {
      if (typeof key === 'string') seen.get(target).add(key);
      return tracked(Reflect.get(target, key, receiver), seen);
    },
    // for...in over a map (labels, limits): every key counts as read.
    ownKeys(target) {
      for (const k of Reflect.ownKeys(target)) if (typeof k === 'string') seen.get(target).add(k);
      return Reflect.ownKeys(target);
    },
  });
}

function unknownKeys(value, seen, at, out) {
  if (Array.isArray(value)) {
    value.forEach((v, i) => unknownKeys(v, seen, `${at}[${i}]`, out));
  } else if (value !== null && typeof value === 'object') {
    const read = seen.get(value) || new Set();
    for (const k of Object.keys(value)) {
      const here = at ? `${at}.${k}` : k;
      if (!read.has(k)) out.push(here);
      else unknownKeys(value[k], seen, here, out);
    }
  }
}

function checkSchema(doc, where) {
  const cls = modelClass(doc.apiVersion, doc.kind);
  if (!cls) return fail(where, `unknown apiVersion/kind ${doc.apiVersion} ${doc.kind}`);
  const seen = new Map();
  try {
    cls.prototype.validate.call(tracked(doc, seen));
  } catch (e) {
    return fail(where, `schema: ${e.message}`);
  }
  const unknown = [];
  unknownKeys(doc, seen, '', unknown);
  for (const k of unknown) fail(where, `${k}: unknown field (not in the ${doc.kind} schema)`);
}

// --- 3: Pod Security "restricted", and golo-host's needs --------------------

const RESTRICTED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral',
  'persistentVolumeClaim', 'projected', 'secret'];

function podSpecOf(doc) {
  if (doc.kind === 'Pod') return doc.spec;
  if (['StatefulSet', 'Deployment', 'DaemonSet', 'ReplicaSet', 'Job'].includes(doc.kind))
    return doc.spec && doc.spec.template && doc.spec.template.spec;
  return null;
}

// The restricted profile of https://kubernetes.io/docs/concepts/security/pod-security-standards/
function checkRestricted(pod, where) {
  const psc = pod.securityContext || {};
  for (const f of ['hostNetwork', 'hostPID', 'hostIPC'])
    if (pod[f]) fail(where, `restricted: ${f} must not be set`);
  for (const v of pod.volumes || []) {
    const type = Object.keys(v).find((k) => k !== 'name');
    if (!RESTRICTED_VOLUMES.includes(type))
      fail(where, `restricted: volume ${v.name} is ${type}, not one of ${RESTRICTED_VOLUMES.join(', ')}`);
  }
  const containers = [...(pod.initContainers || []), ...(pod.containers || [])];
  for (const c of containers) {
    const at = `${where}: container ${c.name}`;
    const sc = c.securityContext || {};
    if (sc.privileged) fail(at, 'restricted: privileged');
    if (sc.allowPrivilegeEscalation !== false)
      fail(at, 'restricted: securityContext.allowPrivilegeEscalation must be false');
    const nonRoot = sc.runAsNonRoot !== undefined ? sc.runAsNonRoot : psc.runAsNonRoot;
    if (nonRoot !== true) fail(at, 'restricted: runAsNonRoot must be true (pod or container)');
    const uid = sc.runAsUser !== undefined ? sc.runAsUser : psc.runAsUser;
    if (uid === 0) fail(at, 'restricted: runAsUser must not be 0');
    const seccomp = (sc.seccompProfile || psc.seccompProfile || {}).type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost')
      fail(at, 'restricted: seccompProfile.type must be RuntimeDefault or Localhost');
    const caps = sc.capabilities || {};
    if (!(caps.drop || []).includes('ALL')) fail(at, 'restricted: capabilities.drop must include ALL');
    for (const a of caps.add || [])
      if (a !== 'NET_BIND_SERVICE') fail(at, `restricted: capability ${a} may not be added`);
    for (const p of c.ports || [])
      if (p.hostPort) fail(at, 'restricted: hostPort must not be set');
    // Beyond the profile: nothing in the image may be rewritten.
    if (sc.readOnlyRootFilesystem !== true)
      fail(at, 'securityContext.readOnlyRootFilesystem must be true');
    if (!(c.resources && c.resources.limits && c.resources.limits.memory))
      fail(at, 'resources.limits.memory must be set');
  }
}

function flagValue(c, flag) {
  const argv = [...(c.command || []), ...(c.args || [])];
  for (let i = 0; i < argv.length; ++i) {
    if (argv[i] === flag) return argv[i + 1];
    if (argv[i].startsWith(flag + '=')) return argv[i].slice(flag.length + 1);
  }
  return undefined;
}

// The volume mounted at dir or above it, and its volume entry.
function mountFor(pod, c, file) {
  let best = null;
  for (const m of c.volumeMounts || [])
    if (file === m.mountPath || file.startsWith(m.mountPath.replace(/\/$/, '') + '/'))
      if (!best || m.mountPath.length > best.mountPath.length) best = m;
  if (!best) return null;
  return { mount: best, volume: (pod.volumes || []).find((v) => v.name === best.name) };
}

function checkGoloHost(docs, where) {
  const sts = docs.find((d) => d.kind === 'StatefulSet');
  if (!sts) return fail(where, 'no StatefulSet');
  const at = `${where}: StatefulSet ${sts.metadata.name}`;
  if (sts.spec.podManagementPolicy !== 'Parallel') fail(at, 'podManagementPolicy must be Parallel');
  const labels = sts.spec.template.metadata.labels || {};
  const selects = (sel) => Object.entries(sel || {}).every(([k, v]) => labels[k] === v);
  const svc = docs.find((d) => d.kind === 'Service' && d.metadata.name === sts.spec.serviceName);
  if (!svc) fail(at, `serviceName ${sts.spec.serviceName}: no such Service`);
  else {
    if (svc.spec.clusterIP !== 'None') fail(at, `Service ${svc.metadata.name} must be headless (clusterIP: None)`);
    if (!selects(svc.spec.selector)) fail(at, `Service ${svc.metadata.name} does not select the pods`);
  }
  const np = docs.find((d) => d.kind === 'NetworkPolicy');
  if (!np) fail(at, 'no NetworkPolicy');
  else if (!selects(np.spec.podSelector.matchLabels)) fail(at, 'the NetworkPolicy does not select the pods');

  const pod = sts.spec.template.spec;
  const c = pod.containers.find((x) => x.name === 'golo-host');
  if (!c) return fail(at, 'no container golo-host');
  const port = (c.ports || []).find((p) => p.name === 'grpc');
  const listen = flagValue(c, '--listen') || '';
  if (!port || !listen.endsWith(`:${port.containerPort}`)) fail(at, '--listen must serve the grpc port');
  // Kubelet gRPC probes cannot speak TLS: with --tls-cert they must ask the
  // plaintext --health-listen port.
  const tls = flagValue(c, '--tls-cert') !== undefined;
  const health = flagValue(c, '--health-listen');
  const probed = tls ? health : listen;
  if (tls && !health) fail(at, 'with --tls-cert, probes need --health-listen (kubelet gRPC probes are plaintext)');
  for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
    const p = c[probe];
    if (!p) {
      if (probe !== 'startupProbe') fail(at, `${probe} missing`);
    } else if (!p.grpc) fail(at, `${probe} must be a grpc (grpc.health.v1) probe`);
    else if (!probed || !probed.endsWith(`:${p.grpc.port}`))
      fail(at, `${probe} probes port ${p.grpc.port}, but health is served on ${probed}`);
  }

  // Where the host writes: the plugins directory (golo push) and TMPDIR
  // (the worker's private copies) must be volumes, as the root is read-only.
  const plugins = flagValue(c, '--plugins');
  const pm = plugins && mountFor(pod, c, plugins);
  if (!pm || !pm.volume || !(pm.volume.emptyDir || pm.volume.configMap))
    fail(at, `--plugins ${plugins}: not an emptyDir or configMap volume`);
  const tmp = (c.env || []).find((e) => e.name === 'TMPDIR');
  const tm = tmp && mountFor(pod, c, tmp.value);
  if (!tm || !tm.volume || !tm.volume.emptyDir || tm.mount.readOnly)
    fail(at, 'TMPDIR must name a writable emptyDir mount');
  for (const flag of ['--tls-cert', '--tls-key', '--tokens']) {
    const file = flagValue(c, flag);
    const m = file && mountFor(pod, c, file);
    if (!m || !m.volume || !m.volume.secret) fail(at, `${flag} ${file}: not in a Secret volume`);
    else {
      if (!m.mount.readOnly) fail(at, `${flag}: the Secret mount must be readOnly`);
      const mode = m.volume.secret.defaultMode === undefined ? 0o644 : m.volume.secret.defaultMode;
      if (mode & 0o007) fail(at, `${flag}: Secret ${m.volume.secret.secretName} is readable by others (defaultMode ${mode.toString(8)})`);
    }
  }
}

// --- main ---------------------------------------------------------------------

const all = [];
for (const file of files) {
  const name = path.basename(file);
  let docs;
  try {
    // YAML 1.1, as kubectl reads it (0440 is octal there).
    docs = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'), { version: '1.1' });
  } catch (e) {
    fail(name, e.message);
    continue;
  }
  for (const d of docs) {
    if (d.errors.length) {
      fail(name, d.errors.map((e) => e.message).join('; '));
      continue;
    }
    const doc = d.toJS();
    if (!doc) continue;
    const where = `${name}: ${doc.kind} ${doc.metadata && doc.metadata.name}`;
    checkSchema(doc, where);
    const pod = podSpecOf(doc);
    if (pod) checkRestricted(pod, where);
    all.push({ name, doc });
  }
}
const hostFiles = [...new Set(all.filter((x) => x.doc.kind === 'StatefulSet').map((x) => x.name))];
for (const f of hostFiles) checkGoloHost(all.filter((x) => x.name === f).map((x) => x.doc), f);

if (expectError !== null) {
  if (errors.some((e) => e.includes(expectError))) {
    console.log(`caught as expected: ${errors.find((e) => e.includes(expectError))}`);
    process.exit(0);
  }
  console.error(`expected an error containing "${expectError}", got:\n${errors.join('\n') || '(none)'}`);
  process.exit(1);
}
if (errors.length) {
  console.error(errors.join('\n'));
  process.exit(1);
}
console.log(`${all.length} objects in ${files.length} files: schema, strict keys, restricted profile OK`);
