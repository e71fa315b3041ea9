// Tokenizes files with grammar/cmap.tmLanguage.json (vscode-textmate, the engine of VS Code)
// and fails when a token gets an `invalid` scope: the grammar's last rule marks any character
// it does not know. Run by tests/tmgrammar/run over every shipped mapping (mappings/*.cmap).
// Usage: NODE_PATH=DIR/node_modules node tokenize.js GRAMMAR FILE...
'use strict';
const fs = require('fs');
const tm = require('vscode-textmate');
const onig = require('vscode-oniguruma');

async function main() {
  const [grammarPath, ...files] = process.argv.slice(2);
  if (!grammarPath || files.length === 0) {
    throw new Error('usage: tokenize.js GRAMMAR FILE...');
  }
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma').replace(/main\.js$/, 'onig.wasm'));
  await onig.loadWASM(wasm.buffer);
  const registry = new tm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new onig.OnigScanner(patterns),
      createOnigString: (s) => new onig.OnigString(s),
    }),
    loadGrammar: async () => tm.parseRawGrammar(fs.readFileSync(grammarPath, 'utf8'), grammarPath),
  });
  const grammar = await registry.loadGrammar('source.cmap');
  let bad = 0;
  let lines = 0;
  for (const file of files) {
    let state = tm.INITIAL;
    fs.readFileSync(file, 'utf8').split(/\r?\n/).forEach((line, i) => {
      lines += 1;
      const r = grammar.tokenizeLine(line, state);
      for (const t of r.tokens) {
        if (t.scopes.some((s) => s.startsWith('invalid'))) {
          bad += 1;
          const text = line.slice(t.startIndex, t.endIndex);
          console.error(`${file}:${i + 1}:${t.startIndex + 1}: \`${text}\` is ${t.scopes.join(' ')}`);
        }
      }
      state = r.ruleStack;
    });
  }
  if (bad > 0) {
    throw new Error(`${bad} token(s) with an invalid scope`);
  }
  console.log(`${files.length} file(s), ${lines} lines: no invalid scope`);
}

main().catch((e) => {
  console.error(`error: ${e.message}`);
  process.exit(1);
});
