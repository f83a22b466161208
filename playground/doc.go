// Package playground is the playground HTTP server: the Jupyter Server REST
// subset, the websocket-to-ZMQ bridge, kernel process supervision, notebook
// contents confined to one folder, token auth and the embedded static UI.
package playground
