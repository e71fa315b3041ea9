// The clerkmap extension for VS Code: the language (grammar, comments, brackets) comes from
// package.json; this starts `clerkmap lsp` for diagnostics, hover, completion, go to
// definition, formatting and quick fixes. No build step: install the folder as README.md's
// "Editor support" says, then `npm install --omit=dev` in it for vscode-languageclient.
'use strict';
const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

let client;

function activate() {
  const command = vscode.workspace.getConfiguration('clerkmap').get('server.path') || 'clerkmap';
  const server = { command, args: ['lsp'] };
  client = new LanguageClient('clerkmap', 'clerkmap', server, {
    documentSelector: [
      { scheme: 'file', language: 'cmap' },
      { scheme: 'untitled', language: 'cmap' },
    ],
  });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
