// Node's own dynamic import, for modules compiled at run time. A CommonJS file loaded by Node's
// require: a test runner that transforms the gateway's ES modules (and their import() calls) leaves it alone.
module.exports = (url) => import(url);
