#!/usr/bin/env node
// peer.js - a small LwM2M 1.0 server for sarasim's interop tests and bench.
//
// An independent implementation: CoAP is npm `coap` (node-coap), the TLV
// codec below is written from OMA-TS-LightweightM2M-V1_0 §6.4.3, nothing is
// shared with sarasim's C code.  No DTLS (coap:// only), loopback only.
//
//   node peer.js [--port N]        (0 or absent: a free port)
//
// It answers the registration interface (TS §5.3):
//   POST /rd?ep=..&lt=..&lwm2m=..&b=..   -> 2.01, Location-Path rd/<n>
//   POST /rd/<n>[?lt=..]                 -> 2.04 (4.04 if <n> is unknown)
//   DELETE /rd/<n>                       -> 2.02 (4.04 if unknown)
// and sends device-management requests from its own socket to the address
// the client registered from.  Control: one JSON object per line on stdin;
// events: one JSON object per line on stdout.  docs/lwm2m.md lists both.
'use strict';

const coap = require('coap');
const readline = require('readline');
const { EventEmitter } = require('events');

const CF = { text: 0, link: 40, opaque: 42, tlv: 11542, json: 11543 };

// ---- events --------------------------------------------------------------

const bus = new EventEmitter(); // notifications, for `repeat` with await_notify

function emit(ev) {
  process.stdout.write(JSON.stringify(ev) + '\n');
}

// ---- resource types --------------------------------------------------------
// A server knows the object models it manages: the types of the resources
// this peer decodes and encodes.  Anything else comes out as {"opaque": hex}.

const I = 'integer', S = 'string', B = 'boolean', T = 'time', O = 'opaque', L = 'objlnk';
const MODELS = {
  1: { 0: I, 1: I, 2: I, 3: I, 5: I, 6: B, 7: S, 10: L, 12: I, 16: B, 17: I, 18: I },
  3: { 0: S, 1: S, 2: S, 3: S, 6: I, 7: I, 8: I, 9: I, 10: I, 11: I, 13: T, 14: S, 15: S,
       16: S, 17: S, 18: S, 19: S, 20: I, 21: I },
  5: { 0: O, 1: S, 3: I, 5: I, 6: S, 7: S, 8: I, 9: I },
};

function typeOf(obj, res) {
  return (MODELS[obj] || {})[res];
}

// ---- TLV (TS 1.0 §6.4.3) -----------------------------------------------------

const TLV_INSTANCE = 0, TLV_RES_INSTANCE = 1, TLV_MULTI = 2, TLV_RESOURCE = 3;

// Decode one level of TLV: [{kind, id, value: Buffer}].
function tlvSplit(buf) {
  const out = [];
  let i = 0;
  while (i < buf.length) {
    const type = buf[i++];
    const kind = type >> 6;
    const idLen = type & 0x20 ? 2 : 1;
    const lenType = (type >> 3) & 3;
    if (i + idLen + lenType > buf.length) throw new Error('TLV header truncated');
    const id = idLen === 2 ? buf.readUInt16BE(i) : buf[i];
    i += idLen;
    let len = type & 7;
    if (lenType) {
      len = buf.readUIntBE(i, lenType);
      i += lenType;
    }
    if (i + len > buf.length) throw new Error('TLV value truncated');
    out.push({ kind, id, value: buf.subarray(i, i + len) });
    i += len;
  }
  return out;
}

function decodeScalar(bytes, type) {
  switch (type) {
    case S: return bytes.toString('utf8');
    case B: return bytes.length === 1 && bytes[0] === 1;
    case I:
    case T:
      if (![1, 2, 4, 8].includes(bytes.length)) throw new Error('integer of ' + bytes.length + ' bytes');
      return bytes.length === 8 ? Number(bytes.readBigInt64BE(0)) : bytes.readIntBE(0, bytes.length);
    case L: return bytes.readUInt16BE(0) + ':' + bytes.readUInt16BE(2);
    default: return { opaque: bytes.toString('hex') };
  }
}

// TLV payload of a read at `path` ("/3/0", "/3/0/1", "/3") -> {"/3/0/1": value, ...}.
function tlvDecode(buf, path) {
  const ids = path.split('/').filter(Boolean).map(Number);
  const values = {};
  const resource = (obj, inst, r) => {
    const base = `/${obj}/${inst}/${r.id}`;
    if (r.kind === TLV_RESOURCE) {
      values[base] = decodeScalar(r.value, typeOf(obj, r.id));
    } else if (r.kind === TLV_MULTI) {
      for (const ri of tlvSplit(r.value)) values[`${base}/${ri.id}`] = decodeScalar(ri.value, typeOf(obj, r.id));
    } else {
      throw new Error('unexpected TLV kind ' + r.kind + ' in an instance');
    }
  };
  for (const e of tlvSplit(buf)) {
    if (e.kind === TLV_INSTANCE) {
      for (const r of tlvSplit(e.value)) resource(ids[0], e.id, r);
    } else if (e.kind === TLV_RES_INSTANCE && ids.length === 3) {
      values[`/${ids.join('/')}/${e.id}`] = decodeScalar(e.value, typeOf(ids[0], ids[2]));
    } else if (ids.length >= 2) {
      resource(ids[0], ids[1], e);
    } else {
      throw new Error('resource TLV at object level');
    }
  }
  return values;
}

function encodeScalar(value, type) {
  if (type === I || type === T || (type === undefined && Number.isInteger(value))) {
    const v = BigInt(value);
    for (const n of [1, 2, 4]) {
      const lim = 1n << BigInt(8 * n - 1);
      if (v >= -lim && v < lim) {
        const b = Buffer.alloc(n);
        b.writeIntBE(Number(v), 0, n);
        return b;
      }
    }
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(v);
    return b;
  }
  if (type === B || typeof value === 'boolean') return Buffer.from([value ? 1 : 0]);
  if (type === O) return Buffer.from(value, 'hex');
  return Buffer.from(String(value), 'utf8');
}

function tlvOne(kind, id, value) {
  const idLen = id > 255 ? 2 : 1;
  const len = value.length;
  const lenType = len < 8 ? 0 : len < 0x100 ? 1 : len < 0x10000 ? 2 : 3;
  const head = Buffer.alloc(1 + idLen + lenType);
  head[0] = (kind << 6) | (idLen === 2 ? 0x20 : 0) | (lenType << 3) | (lenType ? 0 : len);
  if (idLen === 2) head.writeUInt16BE(id, 1);
  else head[1] = id;
  if (lenType) head.writeUIntBE(len, 1 + idLen, lenType);
  return Buffer.concat([head, value]);
}

// A write's TLV: `value` for a resource path, or `values` {resId: value}
// for an instance path.
function tlvEncode(path, value, values) {
  const ids = path.split('/').filter(Boolean).map(Number);
  if (ids.length === 3) return tlvOne(TLV_RESOURCE, ids[2], encodeScalar(value, typeOf(ids[0], ids[2])));
  return Buffer.concat(Object.entries(values || {}).map(([r, v]) =>
    tlvOne(TLV_RESOURCE, Number(r), encodeScalar(v, typeOf(ids[0], Number(r))))));
}

// ---- other content formats ---------------------------------------------------

function textDecode(payload, path) {
  const ids = path.split('/').filter(Boolean).map(Number);
  const t = typeOf(ids[0], ids[2]);
  const s = payload.toString('utf8');
  const v = t === I || t === T ? Number(s) : t === B ? s === '1' : s;
  return { [path]: v };
}

// OMA JSON (TS 1.0 §6.4.4): {"bn": base, "e": [{"n", "v"|"sv"|"bv"|"ov"}]}.
function jsonDecode(payload, path) {
  const doc = JSON.parse(payload.toString('utf8'));
  const base = doc.bn || path + '/';
  const values = {};
  for (const e of doc.e || []) {
    const p = (base + (e.n || '')).replace(/\/+$/, '');
    values[p] = 'v' in e ? e.v : 'sv' in e ? e.sv : 'bv' in e ? e.bv : { objlnk: e.ov };
  }
  return values;
}

function formatNumber(cf) {
  if (typeof cf === 'number') return cf;
  const names = { 'text/plain': 0, 'application/link-format': 40, 'application/octet-stream': 42,
                  'application/vnd.oma.lwm2m+tlv': 11542, 'application/vnd.oma.lwm2m+json': 11543 };
  return cf in names ? names[cf] : cf === undefined ? undefined : -1;
}

// {values} or {links} or {text} of a response body.
function decodeBody(res, path) {
  const cf = formatNumber(res.headers['Content-Format']);
  const out = { format: cf };
  if (!res.payload || res.payload.length === 0) return out;
  try {
    if (cf === CF.tlv) out.values = tlvDecode(res.payload, path);
    else if (cf === CF.json) out.values = jsonDecode(res.payload, path);
    else if (cf === CF.link) out.links = res.payload.toString('utf8');
    else if (cf === CF.text && path.split('/').filter(Boolean).length === 3) out.values = textDecode(res.payload, path);
    else if (cf === CF.opaque) out.values = { [path]: { opaque: res.payload.toString('hex') } };
    else out.text = res.payload.toString('utf8');
  } catch (err) {
    out.decode_error = err.message;
    out.hex = res.payload.toString('hex');
  }
  return out;
}

// ---- the registration interface -------------------------------------------------

const regs = new Map(); // "rd/<n>" -> {ep, lt, b, lwm2m, address, port}
let nextReg = 1;
let latest = null; // the registration commands go to by default

function queryOf(req) {
  const q = {};
  const at = req.url.indexOf('?');
  if (at < 0) return q;
  for (const kv of req.url.slice(at + 1).split('&')) {
    const eq = kv.indexOf('=');
    if (eq < 0) q[kv] = true;
    else q[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return q;
}

function onRequest(req, res) {
  const path = req.url.split('?')[0].replace(/^\/+/, '').split('/');
  const query = queryOf(req);
  const from = { address: req.rsinfo.address, port: req.rsinfo.port };
  const location = path.slice(0, 2).join('/');
  if (path[0] !== 'rd') {
    res.code = '4.04';
    return res.end();
  }
  if (req.method === 'POST' && path.length === 1) {
    const reg = { ep: query.ep, lt: Number(query.lt || 86400), b: query.b || 'U', lwm2m: query.lwm2m || '1.0', ...from };
    const loc = `rd/${nextReg++}`;
    regs.set(loc, reg);
    latest = reg;
    emit({ event: 'register', location: loc, ep: reg.ep, lt: reg.lt, b: reg.b, lwm2m: reg.lwm2m,
           payload: req.payload.toString('utf8'), ...from });
    res.code = '2.01';
    res.setOption('Location-Path', [Buffer.from('rd'), Buffer.from(loc.slice(3))]);
    return res.end();
  }
  const reg = regs.get(location);
  if (req.method === 'POST' && path.length === 2) {
    emit({ event: 'update', location, query, payload: req.payload.toString('utf8'), code: reg ? '2.04' : '4.04', ...from });
    if (reg) {
      Object.assign(reg, from);
      if (query.lt) reg.lt = Number(query.lt);
      if (query.b) reg.b = query.b;
      latest = reg;
    }
    res.code = reg ? '2.04' : '4.04';
    return res.end();
  }
  if (req.method === 'DELETE' && path.length === 2) {
    emit({ event: 'deregister', location, code: reg ? '2.02' : '4.04', ...from });
    regs.delete(location);
    if (latest === reg) latest = null;
    res.code = reg ? '2.02' : '4.04';
    return res.end();
  }
  res.code = '4.05';
  res.end();
}

// ---- device management and information reporting --------------------------------

let agent = null; // requests leave from the server's own socket
const observations = new Map(); // path -> ObserveReadStream

function acceptOf(a) {
  return a === undefined ? undefined : typeof a === 'number' ? a : CF[a];
}

// Where a command goes: "host"/"port" given, else the latest registration.
function targetOf(cmd) {
  if (cmd.port) return { address: cmd.host || '127.0.0.1', port: cmd.port };
  return latest;
}

// One request from the server's socket; resolves with the response or {error}.
function send(target, cmd, method, { accept, format, payload, observe, token } = {}) {
  return new Promise((resolve) => {
    const [pathname, query] = cmd.path.split('?');
    const req = coap.request({ hostname: target.address, port: target.port, method, pathname,
                               query: query || '', agent, confirmable: true, observe, token });
    if (accept !== undefined) req.setOption('Accept', accept);
    if (format !== undefined) req.setOption('Content-Format', format);
    req.on('response', resolve);
    req.on('error', (err) => resolve({ error: err.message }));
    req.on('timeout', (err) => resolve({ error: err.message }));
    req.end(payload);
  });
}

function writeBody(cmd) {
  if ((cmd.format || 'tlv') === 'text') return { format: CF.text, payload: Buffer.from(String(cmd.value)) };
  return { format: CF.tlv, payload: tlvEncode(cmd.path, cmd.value, cmd.values) };
}

function attributesQuery(cmd) {
  return ['pmin', 'pmax', 'gt', 'lt', 'st'].filter((k) => k in cmd).map((k) => `${k}=${cmd[k]}`).join('&');
}

// Runs one command; resolves with its `response` event (not yet emitted).
async function perform(cmd) {
  const target = targetOf(cmd);
  const base = { event: 'response', op: cmd.op, path: cmd.path };
  if (cmd.id !== undefined) base.id = cmd.id;
  if (!target) return { ...base, error: 'no registration' };
  let res;
  switch (cmd.op) {
    case 'read':
      res = await send(target, cmd, 'GET', { accept: acceptOf(cmd.accept) });
      break;
    case 'discover':
      res = await send(target, cmd, 'GET', { accept: CF.link });
      break;
    case 'write':
      res = await send(target, cmd, cmd.partial ? 'POST' : 'PUT', writeBody(cmd));
      break;
    case 'execute':
      res = await send(target, cmd, 'POST', cmd.args ? { format: CF.text, payload: Buffer.from(cmd.args) } : {});
      break;
    case 'attributes':
      res = await send(target, { path: `${cmd.path}?${attributesQuery(cmd)}` }, 'PUT');
      break;
    case 'observe':
      res = await send(target, cmd, 'GET', { accept: acceptOf(cmd.accept), observe: true });
      if (!res.error && res.code === '2.05') follow(cmd.path, res);
      break;
    case 'cancel': { // a GET with Observe 1 and the observation's token (RFC 7641 §3.6)
      const stream = observations.get(cmd.path);
      if (!stream) return { ...base, error: 'not observed' };
      observations.delete(cmd.path);
      stream.close(); // forgotten here first: a notification still on its way is answered RST
      res = await send(target, cmd, 'GET', { accept: acceptOf(cmd.accept), observe: 1, token: stream._packet.token });
      break;
    }
    default:
      return { ...base, error: 'unknown op' };
  }
  if (res.error) return { ...base, error: res.error };
  const ev = { ...base, code: res.code };
  if (cmd.op === 'observe') ev.observe = res.headers.Observe;
  return { ...ev, ...decodeBody(res, cmd.path.split('?')[0]) };
}

// Every later notification of an observation becomes a `notify` event.
function follow(path, stream) {
  observations.set(path, stream);
  let first = true;
  stream.on('data', (payload) => {
    if (first) { // the response to the Observe GET itself
      first = false;
      return;
    }
    const ev = { event: 'notify', path, observe: stream.headers.Observe, code: stream.code,
                 ...decodeBody({ headers: stream.headers, payload }, path) };
    emit(ev);
    bus.emit('notify', ev);
  });
}

// {"op":"repeat","n":N,"cmd":{...},"await_notify":bool}: N exchanges one
// after the other, timed here; one `repeat` event at the end.  A "value"
// array is taken in turn, across repeats too, so that every write changes
// the value (and an observer is notified).
let turn = 0;
async function repeat(cmd) {
  const codes = {};
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < cmd.n; i++) {
    const c = { ...cmd.cmd };
    if (Array.isArray(c.value)) c.value = c.value[turn++ % c.value.length];
    const notified = cmd.await_notify ? new Promise((r) => bus.once('notify', r)) : null;
    const ev = await perform(c);
    const code = ev.error ? 'error' : ev.code;
    codes[code] = (codes[code] || 0) + 1;
    if (notified && !ev.error) await notified;
  }
  const ns = process.hrtime.bigint() - t0;
  const out = { event: 'repeat', op: cmd.cmd.op, n: cmd.n, ns: Number(ns), codes };
  if (cmd.id !== undefined) out.id = cmd.id;
  return out;
}

async function command(line) {
  let cmd;
  try {
    cmd = JSON.parse(line);
  } catch (err) {
    return emit({ event: 'error', error: 'bad JSON: ' + err.message });
  }
  try {
    emit(cmd.op === 'repeat' ? await repeat(cmd) : await perform(cmd));
  } catch (err) { // a value it cannot encode, a path it cannot parse
    emit({ event: 'response', op: cmd.op, path: cmd.path, id: cmd.id, error: err.message });
  }
}

// ---- main -------------------------------------------------------------------------

function main() {
  const at = process.argv.indexOf('--port');
  const port = at > 0 ? Number(process.argv[at + 1]) : 0;
  const server = coap.createServer({ type: 'udp4' });
  server.on('request', onRequest);
  server.on('error', (err) => emit({ event: 'error', error: err.message }));
  server.listen(port, '127.0.0.1', () => {
    agent = new coap.Agent({ socket: server._sock });
    emit({ event: 'listening', port: server._sock.address().port });
    const rl = readline.createInterface({ input: process.stdin });
    rl.on('line', (line) => { if (line.trim()) command(line); });
    rl.on('close', () => process.exit(0));
  });
}

main();
